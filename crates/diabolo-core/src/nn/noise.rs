//! Input corruptions of the denoising autoencoder, drawn afresh for every minibatch from
//! the model's seeded generator.

use crate::error::{Error, Result};
use crate::num::real::Real;
use crate::num::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Corruption {
    None,
    /// Each input is set to 0 with probability `nu` (masking noise).
    Mask {
        nu: f64,
    },
    /// Additive isotropic Gaussian noise of standard deviation `sigma`.
    Gaussian {
        sigma: f64,
    },
    /// Each input is set, with probability `nu`, to `low` or `high` (even odds).
    SaltPepper {
        nu: f64,
        low: f64,
        high: f64,
    },
}

impl Corruption {
    pub fn validate(&self) -> Result<()> {
        match *self {
            Corruption::None => Ok(()),
            Corruption::Mask { nu } | Corruption::SaltPepper { nu, .. } if !(0.0..1.0).contains(&nu) => {
                Err(Error::invalid("corruption.nu", nu, "a probability in [0, 1)"))
            }
            Corruption::Gaussian { sigma } if !(sigma.is_finite() && sigma >= 0.0) => {
                Err(Error::invalid("corruption.sigma", sigma, "a finite number ≥ 0"))
            }
            Corruption::SaltPepper { low, high, .. } if !(low.is_finite() && high.is_finite() && low <= high) => {
                Err(Error::invalid(
                    "corruption.low/high",
                    format!("{low}/{high}"),
                    "finite numbers with low ≤ high",
                ))
            }
            _ => Ok(()),
        }
    }

    /// Write a corrupted copy of `x` into `out`.
    pub fn apply<T: Real>(&self, x: &[T], out: &mut [T], rng: &mut Rng) {
        match *self {
            Corruption::None => out.copy_from_slice(x),
            Corruption::Mask { nu } => {
                for (o, &v) in out.iter_mut().zip(x) {
                    *o = if rng.next_f64() < nu { T::ZERO } else { v };
                }
            }
            Corruption::Gaussian { sigma } => {
                for (o, &v) in out.iter_mut().zip(x) {
                    *o = v + T::from_f64(sigma * rng.normal());
                }
            }
            Corruption::SaltPepper { nu, low, high } => {
                let (lo, hi) = (T::from_f64(low), T::from_f64(high));
                for (o, &v) in out.iter_mut().zip(x) {
                    let u = rng.next_f64();
                    *o = if u < nu * 0.5 {
                        lo
                    } else if u < nu {
                        hi
                    } else {
                        v
                    };
                }
            }
        }
    }
}

/// Inverted dropout: each value of `x` is kept with probability 1 − `p` and scaled by
/// 1 / (1 − `p`), or zeroed, so that inference needs no rescaling. The factors (0 or
/// 1 / (1 − `p`)) go into `mask`, for the backward pass, and `x` · `mask` into `out`.
pub fn dropout<T: Real>(x: &[T], p: f64, rng: &mut Rng, mask: &mut Vec<T>, out: &mut Vec<T>) {
    let keep = T::from_f64(1.0 / (1.0 - p));
    mask.clear();
    mask.extend(x.iter().map(|_| if rng.next_f64() < p { T::ZERO } else { keep }));
    out.clear();
    out.extend(x.iter().zip(mask.iter()).map(|(&v, &m)| v * m));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corruptions_have_the_requested_statistics() {
        let n = 100_000;
        let x = vec![0.5f64; n];
        let mut out = vec![0.0; n];
        let mut rng = Rng::new(12);
        Corruption::Mask { nu: 0.3 }.apply(&x, &mut out, &mut rng);
        let zeros = out.iter().filter(|&&v| v == 0.0).count() as f64 / n as f64;
        assert!((zeros - 0.3).abs() < 0.01, "masked fraction {zeros}");
        assert!(out.iter().all(|&v| v == 0.0 || v == 0.5));

        Corruption::Gaussian { sigma: 0.2 }.apply(&x, &mut out, &mut rng);
        let mean = out.iter().sum::<f64>() / n as f64;
        let var = out.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            (mean - 0.5).abs() < 0.005 && (var - 0.04).abs() < 0.002,
            "mean {mean} var {var}"
        );

        Corruption::SaltPepper {
            nu: 0.2,
            low: 0.0,
            high: 1.0,
        }
        .apply(&x, &mut out, &mut rng);
        let lo = out.iter().filter(|&&v| v == 0.0).count() as f64 / n as f64;
        let hi = out.iter().filter(|&&v| v == 1.0).count() as f64 / n as f64;
        assert!(
            (lo - 0.1).abs() < 0.01 && (hi - 0.1).abs() < 0.01,
            "salt {hi} pepper {lo}"
        );

        Corruption::None.apply(&x, &mut out, &mut rng);
        assert_eq!(out, x);
    }

    #[test]
    fn corruption_is_fresh_each_call_and_seeded() {
        let x = vec![1.0f32; 64];
        let (mut a, mut b) = (vec![0.0; 64], vec![0.0; 64]);
        let mut rng = Rng::new(1);
        let c = Corruption::Mask { nu: 0.5 };
        c.apply(&x, &mut a, &mut rng);
        c.apply(&x, &mut b, &mut rng);
        assert_ne!(a, b);
        let mut again = vec![0.0; 64];
        c.apply(&x, &mut again, &mut Rng::new(1));
        assert_eq!(again, a);
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(Corruption::Mask { nu: 1.0 }
            .validate()
            .unwrap_err()
            .to_string()
            .contains("corruption.nu = 1"));
        assert!(Corruption::Gaussian { sigma: -1.0 }.validate().is_err());
        assert!(Corruption::SaltPepper {
            nu: 0.1,
            low: 1.0,
            high: 0.0
        }
        .validate()
        .is_err());
        assert!(Corruption::Mask { nu: 0.0 }.validate().is_ok());
    }

    #[test]
    fn dropout_keeps_the_expectation_and_records_its_mask() {
        let mut rng = Rng::new(9);
        let x = vec![2.0f64; 20_000];
        let (mut mask, mut out) = (Vec::new(), Vec::new());
        dropout(&x, 0.25, &mut rng, &mut mask, &mut out);
        let zeros = mask.iter().filter(|&&m| m == 0.0).count() as f64 / x.len() as f64;
        assert!((zeros - 0.25).abs() < 0.015, "dropped fraction {zeros}");
        assert!(mask.iter().all(|&m| m == 0.0 || (m - 4.0 / 3.0).abs() < 1e-12));
        assert!(out.iter().zip(&mask).all(|(&o, &m)| o == 2.0 * m));
        let mean = out.iter().sum::<f64>() / out.len() as f64;
        assert!((mean - 2.0).abs() < 0.04, "mean {mean}");
    }
}
