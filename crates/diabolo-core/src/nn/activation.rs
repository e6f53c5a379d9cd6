//! Element-wise activations and their derivatives.
//!
//! Every derivative is expressed through the activation's *output* `h = s(a)`, so a layer
//! keeps only its outputs for the backward pass (no pre-activation copy).

use crate::error::{Error, Result};
use crate::maths::elementary::Elementary;
use crate::num::real::Real;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Linear,
    Sigmoid,
    Tanh,
    Relu,
    /// `a` for `a > 0`, `alpha·a` otherwise.
    LeakyRelu {
        alpha: f64,
    },
    /// `a` for `a > 0`, `alpha·(eᵃ − 1)` otherwise.
    Elu {
        alpha: f64,
    },
    /// `ln(1 + eᵃ)`.
    Softplus,
}

// The stable scalar forms live with the other elementary functions (`maths/elementary.rs`).
pub use crate::maths::elementary::{sigmoid, softplus};

impl Activation {
    /// Parse the names used in configs: `linear`, `sigmoid`, `tanh`, `relu`, `leakyRelu`,
    /// `elu`, `softplus` (the slope/scale parameter is given separately).
    pub fn from_name(name: &str, alpha: f64) -> Result<Self> {
        Ok(match name {
            "linear" => Activation::Linear,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "relu" => Activation::Relu,
            "leakyRelu" => Activation::LeakyRelu { alpha },
            "elu" => Activation::Elu { alpha },
            "softplus" => Activation::Softplus,
            other => {
                return Err(Error::invalid(
                    "activation",
                    format!("{other:?}"),
                    "one of linear, sigmoid, tanh, relu, leakyRelu, elu, softplus",
                ))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu { .. } => "leakyRelu",
            Activation::Elu { .. } => "elu",
            Activation::Softplus => "softplus",
        }
    }

    #[inline]
    pub fn apply<T: Elementary>(self, a: T) -> T {
        match self {
            Activation::Linear => a,
            Activation::Sigmoid => sigmoid(a),
            Activation::Tanh => a.tanh(),
            Activation::Relu => a.max(T::ZERO),
            Activation::LeakyRelu { alpha } => {
                if a > T::ZERO {
                    a
                } else {
                    T::from_f64(alpha) * a
                }
            }
            Activation::Elu { alpha } => {
                if a > T::ZERO {
                    a
                } else {
                    T::from_f64(alpha) * a.exp_m1()
                }
            }
            Activation::Softplus => softplus(a),
        }
    }

    /// `s′(a)` written in terms of `h = s(a)`.
    #[inline]
    pub fn derivative_from_output<T: Real>(self, h: T) -> T {
        match self {
            Activation::Linear => T::ONE,
            Activation::Sigmoid => h * (T::ONE - h),
            Activation::Tanh => T::ONE - h * h,
            Activation::Relu => {
                if h > T::ZERO {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
            Activation::LeakyRelu { alpha } => {
                if h > T::ZERO {
                    T::ONE
                } else {
                    T::from_f64(alpha)
                }
            }
            Activation::Elu { alpha } => {
                if h > T::ZERO {
                    T::ONE
                } else {
                    h + T::from_f64(alpha)
                }
            }
            // σ(a) = 1 − e^(−softplus(a)), computed without cancellation.
            Activation::Softplus => -(-h).exp_m1(),
        }
    }

    /// `s″(a)` written in terms of `h = s(a)` (needed by the contractive penalty's gradient).
    #[inline]
    pub fn second_derivative_from_output<T: Real>(self, h: T) -> T {
        let d = self.derivative_from_output(h);
        match self {
            Activation::Linear | Activation::Relu | Activation::LeakyRelu { .. } => T::ZERO,
            // s′ = h(1 − h)  ⇒  s″ = s′(1 − 2h)
            Activation::Sigmoid => d * (T::ONE - h - h),
            // s′ = 1 − h²  ⇒  s″ = −2h·s′
            Activation::Tanh => -(h + h) * d,
            // for a ≤ 0: s = α(eᵃ − 1), s′ = s″ = h + α
            Activation::Elu { .. } => {
                if h > T::ZERO {
                    T::ZERO
                } else {
                    d
                }
            }
            // s′ = σ(a)  ⇒  s″ = σ(1 − σ)
            Activation::Softplus => d * (T::ONE - d),
        }
    }

    /// Apply in place to a whole buffer (logistic units four lanes at a time under SIMD).
    pub fn apply_slice<T: Elementary>(self, xs: &mut [T]) {
        match self {
            Activation::Linear => {}
            Activation::Sigmoid => T::sigmoid_in_place(xs),
            _ => {
                for x in xs {
                    *x = self.apply(*x);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Activation; 7] = [
        Activation::Linear,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu { alpha: 0.1 },
        Activation::Elu { alpha: 1.0 },
        Activation::Softplus,
    ];

    /// Central differences in f64 against the output-based derivative, away from kinks.
    #[test]
    fn derivatives_match_finite_differences() {
        let eps = 1e-6;
        for act in ALL {
            for &a in &[-4.0f64, -1.3, -0.2, 0.3, 0.9, 2.5, 7.0] {
                let fd = (act.apply(a + eps) - act.apply(a - eps)) / (2.0 * eps);
                let an = act.derivative_from_output(act.apply(a));
                assert!((fd - an).abs() < 1e-7, "{act:?} at {a}: fd {fd} vs {an}");
            }
        }
    }

    #[test]
    fn second_derivatives_match_finite_differences() {
        let eps = 1e-5;
        for act in ALL {
            for &a in &[-4.0f64, -1.3, -0.2, 0.3, 0.9, 2.5] {
                let d = |a: f64| act.derivative_from_output(act.apply(a));
                let fd = (d(a + eps) - d(a - eps)) / (2.0 * eps);
                let an = act.second_derivative_from_output(act.apply(a));
                assert!((fd - an).abs() < 1e-7, "{act:?} at {a}: fd {fd} vs {an}");
            }
        }
    }

    #[test]
    fn stable_at_extremes() {
        for act in ALL {
            for &a in &[-1e4f32, -100.0, 100.0, 1e4] {
                let h = act.apply(a);
                assert!(h.is_finite(), "{act:?}({a}) = {h}");
                assert!(act.derivative_from_output(h).is_finite());
            }
        }
        assert_eq!(sigmoid(-1e4f32), 0.0);
        assert_eq!(sigmoid(1e4f32), 1.0);
        assert_eq!(softplus(1e4f32), 1e4);
    }

    #[test]
    fn names_round_trip_and_unknown_is_rejected() {
        for act in ALL {
            let alpha = match act {
                Activation::LeakyRelu { alpha } | Activation::Elu { alpha } => alpha,
                _ => 0.0,
            };
            assert_eq!(Activation::from_name(act.name(), alpha).unwrap(), act);
        }
        let err = Activation::from_name("swish", 0.0).unwrap_err();
        assert_eq!(err.code(), "E_INVALID");
        assert!(err.to_string().contains("\"swish\""));
    }
}
