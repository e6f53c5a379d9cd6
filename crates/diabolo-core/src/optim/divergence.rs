//! Catching divergence when it starts, not when the loss is already NaN.
//!
//! A learning rate far too large makes the loss grow geometrically, minibatch after
//! minibatch, long before it overflows: by then the weights are ±1e30 and no later training
//! can recover them. The watch compares each minibatch's loss with the best smoothed loss of
//! the run (the lowest value of an exponential moving average over the accepted minibatches)
//! and stops training when the loss has stayed [`FACTOR`] times above it for [`SUSTAINED`]
//! minibatches in a row. The smoothed minimum does not chase a growing loss (a moving average
//! alone would: against geometric growth it settles at a fixed ratio); requiring a sustained
//! excess lets single outlier minibatches pass.
//!
//! One step can also do all the damage at once (a learning rate of 1e30 multiplies the
//! weights by ~1e29 while the loss before it was ordinary): the norm of the weights after
//! each step is compared with its norm before, and a step that multiplies it by more than
//! [`STEP_GROWTH`] (from a norm of at least 1) stops training. That step is applied already:
//! the caller goes back to a state it saved (diabolo's `fit` keeps the start of each epoch).

use crate::error::{Error, Result};

/// How far above its best smoothed value the loss must be to count as diverging.
pub const FACTOR: f64 = 1e3;
/// Consecutive minibatches that must be that far above before training stops.
pub const SUSTAINED: u32 = 3;
/// Weight of the newest minibatch in the moving average.
const ALPHA: f64 = 0.1;
/// Largest factor one step may multiply the norm of the weights by.
pub const STEP_GROWTH: f64 = 1e3;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossWatch {
    /// Moving average of the accepted minibatches' losses (None before the first).
    average: Option<f64>,
    /// Lowest value the moving average took.
    best: f64,
    /// Minibatches in a row far above `best`.
    above: u32,
    /// Norm of the weights before the next step.
    weights: f64,
}

impl LossWatch {
    /// Forget the run so far (a new `fit` starts its own watch) from weights of norm `weights`.
    pub fn reset(&mut self, weights: f64) {
        *self = LossWatch {
            weights,
            ..LossWatch::default()
        };
    }

    /// Look at the norm of the weights after a step: an error if the step blew them up (by
    /// more than [`STEP_GROWTH`]×, or to a non-finite value).
    pub fn check_weights(&mut self, norm: f64) -> Result<()> {
        let before = self.weights.max(1.0);
        if !norm.is_finite() || norm > STEP_GROWTH * before {
            return Err(Error::Exploded {
                before: self.weights,
                after: norm,
            });
        }
        self.weights = norm;
        Ok(())
    }

    /// Look at a minibatch's loss before its update is applied: an error if training is
    /// diverging (the caller then skips the update), else the loss joins the average.
    pub fn check(&mut self, loss: f64) -> Result<()> {
        let Some(average) = self.average else {
            self.average = Some(loss);
            self.best = loss;
            return Ok(());
        };
        if loss > FACTOR * self.best.max(f64::MIN_POSITIVE) {
            self.above += 1;
            if self.above >= SUSTAINED {
                return Err(Error::Diverging {
                    loss,
                    best: self.best,
                    factor: FACTOR,
                    minibatches: self.above,
                });
            }
        } else {
            self.above = 0;
        }
        let average = (1.0 - ALPHA) * average + ALPHA * loss;
        self.average = Some(average);
        self.best = self.best.min(average);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_growth_is_caught_within_a_few_minibatches_while_finite() {
        for ratio in [1.5, 3.0, 50.0, 1e3] {
            let mut w = LossWatch::default();
            let mut loss = 20.0;
            let mut steps = 0;
            let err = loop {
                if let Err(e) = w.check(loss) {
                    break e;
                }
                loss *= ratio;
                steps += 1;
                assert!(steps < 100, "ratio {ratio}: never caught");
            };
            assert!(loss.is_finite() && loss < 1e20, "ratio {ratio}: caught only at {loss}");
            assert!(matches!(err, Error::Diverging { .. }), "{err:?}");
        }
    }

    #[test]
    fn a_falling_loss_with_outlier_minibatches_is_never_stopped() {
        let mut w = LossWatch::default();
        let mut loss: f64 = 20.0;
        for i in 0..5_000 {
            // Falls by four orders of magnitude, with a single 5 000× spike every 50 minibatches
            // and a 100× one every 7 (neither is sustained far above the smoothed level).
            loss = f64::max(loss * 0.998, 2e-3);
            let spike = if i % 50 == 25 {
                5_000.0
            } else if i % 7 == 0 {
                100.0
            } else {
                1.0
            };
            w.check(loss * spike).unwrap();
        }
    }

    #[test]
    fn a_loss_that_rises_gently_is_not_divergence() {
        // Warm-up of a KL term, harder data in a later fit: a few times higher, not 1 000×.
        let mut w = LossWatch::default();
        for i in 0..1_000 {
            w.check(10.0 + 0.05 * i as f64).unwrap();
        }
    }

    #[test]
    fn one_step_that_blows_the_weights_up_is_caught() {
        let mut w = LossWatch::default();
        w.reset(3.0);
        w.check_weights(3.5).unwrap();
        w.check_weights(40.0).unwrap(); // 11×: a big step, not an explosion
        assert!(matches!(w.check_weights(1e29), Err(Error::Exploded { .. })));
        assert!(matches!(w.check_weights(f64::INFINITY), Err(Error::Exploded { .. })));
        assert!(matches!(w.check_weights(f64::NAN), Err(Error::Exploded { .. })));
        // From (near) zero weights, growth is judged against a norm of 1.
        w.reset(0.0);
        w.check_weights(900.0).unwrap();
        w.reset(0.0);
        assert!(w.check_weights(2e3).is_err());
    }

    #[test]
    fn reset_forgets_the_previous_run() {
        let mut w = LossWatch::default();
        for _ in 0..100 {
            w.check(1e-3).unwrap();
        }
        // Different data, loss 5: 5 000× the old best — fine after a reset.
        w.reset(1.0);
        for _ in 0..10 {
            w.check(5.0).unwrap();
        }
    }
}
