//! Reconstruction losses: one file per loss, one line in the registry below.
//!
//! Each file implements [`Reconstruction`]: its config name, the batch loss (sum over
//! features, mean over samples, summed in f64) with its gradient with respect to the network
//! output, the loss of one element, its link (how the network output becomes the
//! reconstruction), its output rule (the output activation it requires, if any, and the
//! default one), and its negative log-likelihood constant per input dimension — the part of
//! `−log p(x | x̂)` the loss leaves out, which the VAE's ELBO and IWAE bound add back.
//!
//! The registry generates the [`Loss`] enum, [`Loss::from_name`], [`Loss::name`], the list
//! [`Loss::ALL`] (which the spec schema and the tests read) and the dispatch. Adding a loss =
//! one new file + one registry line (appended: the golden vectors name losses by their
//! index in the registry).

mod softmax;

use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::maths::elementary::{sigmoid, Elementary};
use crate::nn::activation::Activation;

pub use crate::maths::elementary::bce_logit;
pub use softmax::{softmax_cross_entropy, softmax_rows};

/// How a loss reads the network output: as the reconstruction itself, or as logits whose
/// sigmoid is the reconstruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Identity,
    SigmoidOfLogits,
}

impl Link {
    /// The name in the schema.
    pub fn name(self) -> &'static str {
        match self {
            Link::Identity => "identity",
            Link::SigmoidOfLogits => "sigmoid",
        }
    }

    /// Network outputs → reconstructions, in place.
    pub fn apply<T: Elementary>(self, out: &mut [T]) {
        match self {
            Link::Identity => {}
            Link::SigmoidOfLogits => {
                for v in out {
                    *v = sigmoid(*v);
                }
            }
        }
    }
}

/// What one loss's file defines.
pub trait Reconstruction {
    /// The name used in configs (`loss`).
    const NAME: &'static str;
    /// How the network output becomes the reconstruction.
    const LINK: Link;
    /// The output activation the loss requires, with the reason (shown in errors); `None`
    /// lets the user choose.
    const REQUIRED_OUTPUT: Option<(Activation, &'static str)> = None;
    /// The output activation when the config names none.
    const DEFAULT_OUTPUT: Activation;
    /// `−log p(x | x̂)` minus the loss, per input dimension (the likelihood's normalising
    /// constant), for the ELBO.
    const NLL_PER_DIMENSION: f64;

    /// Loss of `n` samples of output `out` against targets `x` (sum over features, mean
    /// over samples); the gradient with respect to `out` goes into `grad` (same layout).
    fn value_and_grad<T: Elementary>(out: &[T], x: &[T], n: usize, grad: &mut [T]) -> f64;

    /// The loss of one output element against its target.
    fn element<T: Elementary>(out: T, target: T) -> f64;
}

/// What the registry knows of one loss (for the schema and tests).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Info {
    pub name: &'static str,
    pub link: Link,
    pub required_output: Option<(Activation, &'static str)>,
    pub default_output: Activation,
    pub nll_per_dimension: f64,
}

impl Info {
    const fn of<L: Reconstruction>() -> Info {
        Info {
            name: L::NAME,
            link: L::LINK,
            required_output: L::REQUIRED_OUTPUT,
            default_output: L::DEFAULT_OUTPUT,
            nll_per_dimension: L::NLL_PER_DIMENSION,
        }
    }
}

macro_rules! registry {
    ($($variant:ident => $module:ident :: $unit:ident),+ $(,)?) => {
        $(mod $module;)+

        /// A reconstruction loss. The variants come from the registry in `nn/loss/mod.rs`;
        /// each one is defined in its own file there.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Loss {
            $(
                #[doc = concat!("See `nn/loss/", stringify!($module), ".rs`.")]
                $variant,
            )+
        }

        impl Loss {
            /// Every loss, in registry order.
            pub const ALL: &'static [Info] = &[$(Info::of::<$module::$unit>()),+];
            const VARIANTS: &'static [Loss] = &[$(Loss::$variant),+];

            /// Parse a config name.
            pub fn from_name(name: &str) -> Result<Self> {
                $(if name == <$module::$unit as Reconstruction>::NAME {
                    return Ok(Loss::$variant);
                })+
                static EXPECTED: OnceLock<String> = OnceLock::new();
                let expected = EXPECTED.get_or_init(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|i| i.name).collect();
                    format!("one of {}", names.join(", "))
                });
                Err(Error::invalid("loss", format!("{name:?}"), expected))
            }

            /// The loss at `index` in the registry (the golden vectors' numbering).
            pub fn from_index(index: usize) -> Option<Self> {
                Self::VARIANTS.get(index).copied()
            }

            /// This loss's index in the registry.
            pub fn index(self) -> usize {
                self as usize
            }

            /// What the registry knows of this loss.
            pub fn info(self) -> &'static Info {
                &Self::ALL[self.index()]
            }

            /// The config name.
            pub fn name(self) -> &'static str {
                self.info().name
            }

            /// Loss of `n` samples of output `out` against targets `x` (sum over features,
            /// mean over samples); the gradient with respect to `out` goes into `grad`.
            pub fn value_and_grad<T: Elementary>(self, out: &[T], x: &[T], n: usize, grad: &mut [T]) -> f64 {
                debug_assert!(out.len() == x.len() && grad.len() == x.len());
                match self {
                    $(Loss::$variant => <$module::$unit as Reconstruction>::value_and_grad(out, x, n, grad),)+
                }
            }

            /// The loss of one output element against its target.
            #[inline]
            pub fn element<T: Elementary>(self, out: T, target: T) -> f64 {
                match self {
                    $(Loss::$variant => <$module::$unit as Reconstruction>::element(out, target),)+
                }
            }
        }
    };
}

registry! {
    Mse => mse::Mse,
    BceLogits => bce::Bce,
    L1 => l1::L1,
}

impl Loss {
    /// How the network output becomes the reconstruction.
    pub fn link(self) -> Link {
        self.info().link
    }

    /// The output activation this loss requires, if any, with the error text for a config
    /// that has another.
    pub fn output_rule(self) -> Option<(Activation, &'static str)> {
        static EXPECTED: [OnceLock<String>; Loss::ALL.len()] = [const { OnceLock::new() }; Loss::ALL.len()];
        let (required, why) = self.info().required_output?;
        let text = EXPECTED[self.index()]
            .get_or_init(|| format!("\"{}\" with loss \"{}\" ({why})", required.name(), self.name()));
        Some((required, text))
    }

    /// The output activation when the config names none.
    pub fn default_output(self) -> Activation {
        self.info().default_output
    }

    /// `−log p(x | x̂)` minus the loss, per input dimension.
    pub fn nll_per_dimension(self) -> f64 {
        self.info().nll_per_dimension
    }

    /// Per-sample loss without gradient (for evaluation and anomaly scores).
    pub fn per_sample<T: Elementary>(self, out: &[T], x: &[T], features: usize, dst: &mut [f64]) {
        for ((o, t), d) in out
            .chunks_exact(features)
            .zip(x.chunks_exact(features))
            .zip(dst.iter_mut())
        {
            *d = o.iter().zip(t).map(|(&o, &t)| self.element(o, t)).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maths::elementary::softplus;
    use crate::num::real::Real;

    fn every() -> impl Iterator<Item = Loss> {
        (0..Loss::ALL.len()).map(|i| Loss::from_index(i).unwrap())
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x = [0.0f64, 0.3, 1.0, 0.7, 0.5, 0.1];
        let out = [0.2f64, -1.0, 2.0, 0.4, 0.0, -3.0];
        let n = 2;
        for loss in every() {
            let mut g = [0.0; 6];
            loss.value_and_grad(&out, &x, n, &mut g);
            let eps = 1e-6;
            for i in 0..out.len() {
                let mut p = out;
                let mut m = out;
                p[i] += eps;
                m[i] -= eps;
                let mut scratch = [0.0; 6];
                let fd = (loss.value_and_grad(&p, &x, n, &mut scratch) - loss.value_and_grad(&m, &x, n, &mut scratch))
                    / (2.0 * eps);
                assert!((fd - g[i]).abs() < 1e-8, "{loss:?} [{i}]: fd {fd} vs {}", g[i]);
            }
        }
    }

    #[test]
    fn per_sample_sums_to_batch_loss() {
        let x = [0.0f32, 1.0, 0.5, 0.5];
        let out = [0.5f32, 0.5, -1.0, 3.0];
        for loss in every() {
            let mut g = [0.0; 4];
            let batch = loss.value_and_grad(&out, &x, 2, &mut g);
            let mut per = [0.0; 2];
            loss.per_sample(&out, &x, 2, &mut per);
            assert!(((per[0] + per[1]) / 2.0 - batch).abs() < 1e-12, "{loss:?}");
        }
    }

    #[test]
    fn names_round_trip_and_unknown_is_rejected() {
        for loss in every() {
            assert_eq!(Loss::from_name(loss.name()).unwrap(), loss);
            assert_eq!(Loss::from_index(loss.index()), Some(loss));
        }
        let err = Loss::from_name("huber").unwrap_err();
        assert_eq!(err.code(), "E_INVALID");
        assert!(err.to_string().contains("\"huber\""));
        assert!(err.to_string().contains("one of mse, bce"));
    }

    /// The losses as they were before the registry: names, golden-vector numbering, link,
    /// output rule and the ELBO's constant (MSE: a Gaussian with σ² = ½, `½·ln π` per
    /// dimension, as the ELBO has always used).
    #[test]
    fn registry_keeps_the_original_losses() {
        assert_eq!((Loss::Mse.name(), Loss::Mse.index()), ("mse", 0));
        assert_eq!((Loss::BceLogits.name(), Loss::BceLogits.index()), ("bce", 1));
        assert_eq!(Loss::Mse.link(), Link::Identity);
        assert_eq!(Loss::BceLogits.link(), Link::SigmoidOfLogits);
        assert_eq!(Loss::Mse.output_rule(), None);
        assert_eq!(Loss::Mse.default_output(), Activation::Sigmoid);
        assert_eq!(Loss::BceLogits.default_output(), Activation::Linear);
        let (required, text) = Loss::BceLogits.output_rule().unwrap();
        assert_eq!(required, Activation::Linear);
        assert_eq!(
            text,
            "\"linear\" with loss \"bce\" (the loss applies the sigmoid to the logits itself)"
        );
        assert_eq!(Loss::Mse.nll_per_dimension(), 0.5 * std::f64::consts::PI.ln());
        assert_eq!(Loss::BceLogits.nll_per_dimension(), 0.0);
    }

    #[test]
    fn fused_bce_equals_softplus_and_sigmoid_bit_for_bit() {
        let out: Vec<f32> = (-40..=40).map(|i| i as f32 * 0.37).collect();
        let x: Vec<f32> = (0..out.len()).map(|i| (i % 3) as f32 / 2.0).collect();
        let mut g = vec![0.0; out.len()];
        let total = Loss::BceLogits.value_and_grad(&out, &x, 1, &mut g);
        let mut want = crate::num::real::Sum::default();
        for ((&a, &t), &gv) in out.iter().zip(&x).zip(&g) {
            want.add((softplus(a) - t * a).to_f64());
            assert_eq!(gv.to_bits(), (sigmoid(a) - t).to_bits(), "a = {a}");
        }
        assert_eq!(total, want.value());
    }

    #[test]
    fn bce_is_stable_for_large_logits() {
        let mut g = [0.0f32; 2];
        let l = Loss::BceLogits.value_and_grad(&[80.0f32, -80.0], &[1.0, 0.0], 1, &mut g);
        assert!(l.is_finite() && l < 1e-6, "loss {l}");
        assert!(g.iter().all(|v| v.is_finite()));
    }
}
