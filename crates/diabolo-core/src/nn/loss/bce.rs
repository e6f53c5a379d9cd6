//! Bernoulli cross-entropy from logits `a`: `1/n Σ softplus(a) − x·a` (targets in [0, 1]);
//! the reconstruction is `σ(a)`, so the output activation must be linear. Exactly
//! `−log p(x | σ(a))` for binary `x`: no constant for the ELBO.

use super::{Link, Reconstruction};
use crate::maths::elementary::{softplus, Elementary};
use crate::nn::activation::Activation;
use crate::num::real::Sum;

pub struct Bce;

impl Reconstruction for Bce {
    const NAME: &'static str = "bce";
    const LINK: Link = Link::SigmoidOfLogits;
    const REQUIRED_OUTPUT: Option<(Activation, &'static str)> =
        Some((Activation::Linear, "the loss applies the sigmoid to the logits itself"));
    const DEFAULT_OUTPUT: Activation = Activation::Linear;
    const NLL_PER_DIMENSION: f64 = 0.0;

    /// Gradient `(σ(a) − x)/n`, element by element as in `bce_logit` (vectorised for f32).
    fn value_and_grad<T: Elementary>(out: &[T], x: &[T], n: usize, grad: &mut [T]) -> f64 {
        let inv_n = T::from_f64(1.0 / n as f64);
        let mut total = Sum::default();
        // Each row is summed in f64, the rows with compensation.
        let d = (out.len() / n.max(1)).max(1);
        for ((o, t), g) in out.chunks(d).zip(x.chunks(d)).zip(grad.chunks_mut(d)) {
            total.add(T::bce_logits(o, t, inv_n, g));
        }
        total.value() / n as f64
    }

    #[inline]
    fn element<T: Elementary>(out: T, target: T) -> f64 {
        (softplus(out) - target * out).to_f64()
    }
}
