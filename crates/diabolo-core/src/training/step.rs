//! One optimisation step: gradients of a minibatch, the divergence watch, an optimizer step
//! on every tensor; and the settings steps read (KL warm-up scale, gradient clipping).

use crate::error::{Error, Result};
use crate::kernels::gemm::Kernel;
use crate::models::autoencoder::{LossTerms, Model};
use crate::optim::optimizer::sum_squares;
use crate::optim::params::ParamSet;

impl<T: Kernel> Model<T> {
    /// Scale of β for KL warm-up (0 … 1).
    pub fn set_kl_scale(&mut self, scale: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&scale) {
            return Err(Error::invalid("klScale", scale, "a number in [0, 1]"));
        }
        self.kl_scale = scale;
        Ok(())
    }

    /// Rescale the gradient whenever its global L2 norm exceeds `max_norm` (0 turns it off).
    pub fn set_clip_norm(&mut self, max_norm: f64) -> Result<()> {
        if !(max_norm.is_finite() && max_norm >= 0.0) {
            return Err(Error::invalid(
                "gradientClipNorm",
                max_norm,
                "a finite number ≥ 0 (0 = off)",
            ));
        }
        self.clip_norm = max_norm;
        Ok(())
    }

    /// One optimisation step on the minibatch `x` (`n` clean samples). Returns the loss terms
    /// before the step. A non-finite loss or gradient, or a loss that has exploded for several
    /// minibatches (see [`crate::optim::divergence::LossWatch`]), leaves the model untouched.
    pub fn train_batch(&mut self, x: &[T], n: usize, lr: f64) -> Result<LossTerms> {
        let terms = self.compute_gradients(x, n)?;
        self.watch.check(terms.total)?;
        let norm2 = self.apply_step(lr);
        // A step that blew the weights up: applied already; the caller goes back to a saved state.
        self.watch.check_weights(norm2.sqrt())?;
        Ok(terms)
    }

    /// One optimizer step on every tensor; returns the squared norm of all parameters after it.
    pub(crate) fn apply_step(&mut self, lr: f64) -> f64 {
        self.step += 1;
        let (opt, t) = (self.spec.optimizer, self.step);
        let mut norm2 = 0.0;
        self.step_tensors(&opt, lr, t, |_| true, |p| norm2 += sum_squares(p));
        self.sync_tied();
        norm2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::test_support::{bars_spec, data, layer, spec};
    use crate::nn::activation::Activation;
    use crate::nn::penalty::LayerPenalties;

    #[test]
    fn a_learning_rate_far_too_large_is_stopped_while_the_weights_are_still_finite() {
        let mut s = spec(vec![layer(4, Activation::Relu, LayerPenalties::default())]);
        s.output_act = Activation::Linear;
        let x: Vec<f32> = data(60, 6, 3).iter().map(|&v| v as f32).collect();
        for lr in [5.0, 20.0, 200.0] {
            let mut m = Model::<f32>::new(s.clone()).unwrap();
            let mut outcome = Ok(());
            for _ in 0..50 {
                if let Err(e) = m.train_epoch(&x, 60, 6, lr) {
                    outcome = Err(e);
                    break;
                }
            }
            let err = outcome.expect_err(&format!("lr {lr} should diverge"));
            assert!(
                matches!(err, Error::Diverging { .. } | Error::Exploded { .. }),
                "lr {lr}: {err}"
            );
            assert_eq!(err.code(), "E_NON_FINITE");
            // Caught long before overflow: every weight is finite and far below f32's range.
            let p = m.parameters();
            assert!(
                p.iter().all(|v| v.is_finite() && v.abs() < 1e12),
                "lr {lr}: max |w| too large"
            );
        }
        // One catastrophic step (the loss before it was ordinary) is caught at that step.
        let mut m = Model::<f32>::new(s.clone()).unwrap();
        let err = m.train_epoch(&x, 60, 60, 1e30).unwrap_err();
        assert!(matches!(err, Error::Exploded { .. }), "{err}");
        // A sane rate on the same model trains on without a false alarm.
        let mut m = Model::<f32>::new(s).unwrap();
        for _ in 0..200 {
            m.train_epoch(&x, 60, 6, 0.01).unwrap();
        }
    }

    #[test]
    fn gradient_clipping_bounds_the_global_norm() {
        let mut m = Model::<f64>::new(spec(vec![layer(4, Activation::Sigmoid, LayerPenalties::default())])).unwrap();
        let x = data(8, 6, 7);
        let mut free = m.clone();
        free.compute_gradients(&x, 8).unwrap();
        let norm = free.clip_gradients();
        assert!(norm > 0.0);
        m.set_clip_norm(norm / 10.0).unwrap();
        m.compute_gradients(&x, 8).unwrap();
        let clipped = m.clip_gradients();
        assert!(
            (clipped - norm / 10.0).abs() < 1e-9 * norm,
            "{clipped} vs {}",
            norm / 10.0
        );
        let (g_free, g_clip) = (free.gradients(), m.gradients());
        for (a, b) in g_free.iter().zip(&g_clip) {
            assert!((a / 10.0 - b).abs() < 1e-12, "direction kept");
        }
        assert!(m.set_clip_norm(-1.0).is_err());
    }

    #[test]
    fn divergence_is_detected_and_weights_are_kept() {
        let mut m = Model::<f32>::new(bars_spec(3)).unwrap();
        let before = m.parameters();
        let mut bad = vec![0.5f32; 32];
        bad[5] = f32::NAN;
        let err = m.train_batch(&bad, 2, 0.1).unwrap_err();
        assert_eq!(err.code(), "E_NON_FINITE");
        assert_eq!(m.parameters(), before);
    }
}
