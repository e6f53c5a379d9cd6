//! Absolute error: `1/n Σ ‖x − x̂‖₁`, scaled as the squared error is (sum over features, mean
//! over samples); the network output is `x̂` itself, and the subgradient at `x̂ = x` is 0. As a
//! likelihood, a Laplace distribution of scale 1: `−log p(x | x̂) = ‖x − x̂‖₁ + d·ln 2`.

use super::{Link, Reconstruction};
use crate::maths::elementary::Elementary;
use crate::nn::activation::Activation;
use crate::num::real::Sum;

pub struct L1;

impl Reconstruction for L1 {
    const NAME: &'static str = "l1";
    const LINK: Link = Link::Identity;
    const DEFAULT_OUTPUT: Activation = Activation::Sigmoid;
    const NLL_PER_DIMENSION: f64 = std::f64::consts::LN_2;

    /// Gradient `sign(x̂ − x)/n` (0 where they are equal).
    fn value_and_grad<T: Elementary>(out: &[T], x: &[T], n: usize, grad: &mut [T]) -> f64 {
        let inv_n = T::from_f64(1.0 / n as f64);
        let mut total = Sum::default();
        for ((g, &o), &t) in grad.iter_mut().zip(out).zip(x) {
            let d = o - t;
            total.add(d.abs().to_f64());
            *g = if d > T::ZERO {
                inv_n
            } else if d < T::ZERO {
                -inv_n
            } else {
                T::ZERO
            };
        }
        total.value() / n as f64
    }

    #[inline]
    fn element<T: Elementary>(out: T, target: T) -> f64 {
        (out - target).abs().to_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_absolute_error_with_a_zero_subgradient_at_zero() {
        let out = [0.5f64, 0.2, 0.9, 0.0];
        let x = [0.5f64, 0.7, 0.4, 0.25];
        let mut g = [9.0; 4];
        let v = L1::value_and_grad(&out, &x, 2, &mut g);
        assert!((v - (0.0 + 0.5 + 0.5 + 0.25) / 2.0).abs() < 1e-15, "{v}");
        assert_eq!(g, [0.0, -0.5, 0.5, -0.5]);
        assert_eq!(L1::element(0.2f32, 0.7), (0.2f32 - 0.7).abs() as f64);
    }
}
