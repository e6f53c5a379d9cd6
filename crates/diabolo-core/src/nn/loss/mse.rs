//! Squared error: `1/n Σ ‖x − x̂‖²`; the network output is `x̂` itself. As a likelihood, a
//! Gaussian with σ² = ½: `−log p(x | x̂) = ‖x − x̂‖² + d/2·ln π`.

use super::{Link, Reconstruction};
use crate::maths::elementary::Elementary;
use crate::nn::activation::Activation;
use crate::num::real::Sum;

pub struct Mse;

impl Reconstruction for Mse {
    const NAME: &'static str = "mse";
    const LINK: Link = Link::Identity;
    const DEFAULT_OUTPUT: Activation = Activation::Sigmoid;
    /// `½·ln π`.
    const NLL_PER_DIMENSION: f64 = 0.572_364_942_924_700_1;

    /// Gradient `2(x̂ − x)/n`.
    fn value_and_grad<T: Elementary>(out: &[T], x: &[T], n: usize, grad: &mut [T]) -> f64 {
        let inv_n = T::from_f64(1.0 / n as f64);
        let two_over_n = inv_n + inv_n;
        let mut total = Sum::default();
        for ((g, &o), &t) in grad.iter_mut().zip(out).zip(x) {
            let d = o - t;
            total.add((d * d).to_f64());
            *g = two_over_n * d;
        }
        total.value() / n as f64
    }

    #[inline]
    fn element<T: Elementary>(out: T, target: T) -> f64 {
        ((out - target) * (out - target)).to_f64()
    }
}
