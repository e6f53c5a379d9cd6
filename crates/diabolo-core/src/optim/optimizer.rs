//! Optimizers as pure per-parameter steps: each reads a gradient and its own state and
//! updates parameters in place. The state is plain vectors, saved with a model so that
//! training resumes exactly.

use crate::error::{Error, Result};
use crate::num::real::Real;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// `θ ← θ − lr·g`.
    Sgd,
    /// Heavy ball `v ← μv + g`, `θ ← θ − lr·v`; Nesterov: `θ ← θ − lr·(g + μv)`.
    Momentum { momentum: f64, nesterov: bool },
    /// Adam (Kingma & Ba) with bias correction.
    Adam { beta1: f64, beta2: f64, eps: f64 },
    /// Adam with decoupled weight decay (Loshchilov & Hutter): `θ ← θ − lr·wd·θ` first.
    AdamW {
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    },
}

impl Optimizer {
    pub fn validate(&self) -> Result<()> {
        let unit = |field: &'static str, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::invalid(field, v, "a number in [0, 1)"))
            }
        };
        match *self {
            Optimizer::Sgd => Ok(()),
            Optimizer::Momentum { momentum, .. } => unit("momentum", momentum),
            Optimizer::Adam { beta1, beta2, eps } | Optimizer::AdamW { beta1, beta2, eps, .. } => {
                unit("beta1", beta1)?;
                unit("beta2", beta2)?;
                if !(eps.is_finite() && eps > 0.0) {
                    return Err(Error::invalid("epsilon", eps, "a finite number > 0"));
                }
                if let Optimizer::AdamW { weight_decay, .. } = *self {
                    if !(weight_decay.is_finite() && weight_decay >= 0.0) {
                        return Err(Error::invalid("weightDecay", weight_decay, "a finite number ≥ 0"));
                    }
                }
                Ok(())
            }
        }
    }

    /// How many state vectors (each as long as the parameters) this optimizer keeps.
    pub fn state_slots(&self) -> usize {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum { .. } => 1,
            Optimizer::Adam { .. } | Optimizer::AdamW { .. } => 2,
        }
    }
}

/// Per-tensor optimizer state: first and second moments (or velocity in `m`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerState<T> {
    pub m: Vec<T>,
    pub v: Vec<T>,
}

impl<T: Real> OptimizerState<T> {
    pub fn new(opt: &Optimizer, len: usize) -> Self {
        let slots = opt.state_slots();
        OptimizerState {
            m: if slots >= 1 { vec![T::ZERO; len] } else { Vec::new() },
            v: if slots >= 2 { vec![T::ZERO; len] } else { Vec::new() },
        }
    }
}

/// Apply one step of `opt` with learning rate `lr`; `t` is the 1-based step number (for
/// Adam's bias correction).
pub fn step<T: Real>(opt: &Optimizer, lr: f64, t: u64, params: &mut [T], grads: &[T], state: &mut OptimizerState<T>) {
    debug_assert_eq!(params.len(), grads.len());
    match *opt {
        Optimizer::Sgd => sgd_step(params, grads, lr),
        Optimizer::Momentum { momentum, nesterov } => {
            let (mu, lr) = (T::from_f64(momentum), T::from_f64(lr));
            for ((p, &g), v) in params.iter_mut().zip(grads).zip(state.m.iter_mut()) {
                *v = mu * *v + g;
                *p -= lr * if nesterov { g + mu * *v } else { *v };
            }
        }
        Optimizer::Adam { beta1, beta2, eps } => adam(params, grads, state, lr, t, beta1, beta2, eps, 0.0),
        Optimizer::AdamW {
            beta1,
            beta2,
            eps,
            weight_decay,
        } => adam(params, grads, state, lr, t, beta1, beta2, eps, weight_decay),
    }
}

#[allow(clippy::too_many_arguments)]
fn adam<T: Real>(
    params: &mut [T],
    grads: &[T],
    state: &mut OptimizerState<T>,
    lr: f64,
    t: u64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
) {
    let t = t.max(1) as i32;
    // Bias corrections folded into the step size and epsilon (computed in f64 once).
    let c1 = 1.0 - beta1.powi(t);
    let c2 = 1.0 - beta2.powi(t);
    let step = T::from_f64(lr * c2.sqrt() / c1);
    let eps_hat = T::from_f64(eps * c2.sqrt());
    let (b1, b2) = (T::from_f64(beta1), T::from_f64(beta2));
    let (one_b1, one_b2) = (T::from_f64(1.0 - beta1), T::from_f64(1.0 - beta2));
    let decay = T::from_f64(1.0 - lr * weight_decay);
    for (((p, &g), m), v) in params
        .iter_mut()
        .zip(grads)
        .zip(state.m.iter_mut())
        .zip(state.v.iter_mut())
    {
        *m = b1 * *m + one_b1 * g;
        *v = b2 * *v + one_b2 * g * g;
        if weight_decay != 0.0 {
            *p *= decay;
        }
        *p -= step * *m / (v.sqrt() + eps_hat);
    }
}

/// Plain stochastic gradient descent: `θ ← θ − lr·g`.
pub fn sgd_step<T: Real>(params: &mut [T], grads: &[T], lr: f64) {
    let lr = T::from_f64(lr);
    for (p, &g) in params.iter_mut().zip(grads) {
        *p -= lr * g;
    }
}

/// Σ x² in f64 (NaN or ∞ if any value is not finite), over eight independent lanes so the
/// loop vectorises; used on each tensor right after its update, while it is in cache.
pub fn sum_squares<T: Real>(xs: &[T]) -> f64 {
    let mut lanes = [T::ZERO; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (acc, &v) in lanes.iter_mut().zip(c) {
            *acc += v * v;
        }
    }
    let mut sum: f64 = lanes.iter().map(|v| v.to_f64()).sum();
    for &v in rest {
        sum += (v * v).to_f64();
    }
    sum
}

/// True when every value is finite (checked before an update is applied).
pub fn all_finite<T: Real>(xs: &[T]) -> bool {
    // An OR over every element rather than a short-circuiting `all`: without the early exit
    // the loop vectorises (the common case, all finite, reads everything anyway).
    !xs.iter().fold(false, |bad, v| bad | !v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Optimizer; 5] = [
        Optimizer::Sgd,
        Optimizer::Momentum {
            momentum: 0.9,
            nesterov: false,
        },
        Optimizer::Momentum {
            momentum: 0.9,
            nesterov: true,
        },
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        },
        Optimizer::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 1e-3,
        },
    ];

    /// f(θ) = ½ Σ a_i (θ_i − c_i)², an ill-conditioned bowl.
    #[test]
    fn every_optimizer_descends_a_quadratic_bowl() {
        let a = [1.0f64, 10.0, 0.5];
        let c = [3.0f64, -2.0, 0.5];
        for opt in ALL {
            let mut p = [0.0f64; 3];
            let mut s = OptimizerState::new(&opt, 3);
            let lr = if matches!(opt, Optimizer::Sgd | Optimizer::Momentum { .. }) {
                0.05
            } else {
                0.1
            };
            for t in 1..=2000 {
                let g: Vec<f64> = (0..3).map(|i| a[i] * (p[i] - c[i])).collect();
                step(&opt, lr, t, &mut p, &g, &mut s);
            }
            for i in 0..3 {
                // AdamW's decay pulls slightly toward 0; all others reach the minimum.
                assert!((p[i] - c[i]).abs() < 0.02, "{opt:?}: θ = {p:?}");
            }
        }
    }

    #[test]
    fn first_steps_match_hand_computation() {
        // Adam's first step moves each parameter by lr·sign(g) (up to ε).
        let opt = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        let mut p = [1.0f64, 1.0];
        let mut s = OptimizerState::new(&opt, 2);
        step(&opt, 0.01, 1, &mut p, &[0.5, -3.0], &mut s);
        assert!((p[0] - 0.99).abs() < 1e-9 && (p[1] - 1.01).abs() < 1e-9, "{p:?}");
        // Momentum: v1 = g, v2 = μ g + g.
        let opt = Optimizer::Momentum {
            momentum: 0.5,
            nesterov: false,
        };
        let mut p = [0.0f64];
        let mut s = OptimizerState::new(&opt, 1);
        step(&opt, 0.1, 1, &mut p, &[1.0], &mut s);
        step(&opt, 0.1, 2, &mut p, &[1.0], &mut s);
        assert!((p[0] + 0.1 * (1.0 + 1.5)).abs() < 1e-12, "{p:?}");
        // Nesterov looks ahead: first step moves by lr·(g + μ g).
        let opt = Optimizer::Momentum {
            momentum: 0.5,
            nesterov: true,
        };
        let mut p = [0.0f64];
        let mut s = OptimizerState::new(&opt, 1);
        step(&opt, 0.1, 1, &mut p, &[1.0], &mut s);
        assert!((p[0] + 0.15).abs() < 1e-12);
        // AdamW with a zero gradient only decays.
        let opt = Optimizer::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
        };
        let mut p = [2.0f64];
        let mut s = OptimizerState::new(&opt, 1);
        step(&opt, 0.5, 1, &mut p, &[0.0], &mut s);
        assert!((p[0] - 2.0 * (1.0 - 0.05)).abs() < 1e-12);
    }

    #[test]
    fn validation_names_the_field() {
        let e = Optimizer::Adam {
            beta1: 1.0,
            beta2: 0.9,
            eps: 1e-8,
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("beta1 = 1"), "{e}");
        let e = Optimizer::Momentum {
            momentum: -0.1,
            nesterov: true,
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("momentum"), "{e}");
    }
}
