//! The logistic function `σ(a) = 1/(1 + e^(−a))`, in its stable form (`maths/elementary.rs`);
//! a whole buffer four lanes at a time under wasm SIMD.

use super::Function;
use crate::maths::elementary::{sigmoid, Elementary};

pub struct Sigmoid;

impl Function for Sigmoid {
    const NAME: &'static str = "sigmoid";

    #[inline]
    fn apply<T: Elementary>(a: T, _alpha: f64) -> T {
        sigmoid(a)
    }

    fn apply_slice<T: Elementary>(xs: &mut [T], _alpha: f64) {
        T::sigmoid_in_place(xs)
    }

    /// `s′ = h(1 − h)`.
    #[inline]
    fn derivative<T: Elementary>(h: T, _alpha: f64) -> T {
        h * (T::ONE - h)
    }

    /// `s″ = s′(1 − 2h)`.
    #[inline]
    fn second_derivative<T: Elementary>(h: T, alpha: f64) -> T {
        Self::derivative(h, alpha) * (T::ONE - h - h)
    }
}
