//! The hyperbolic tangent.

use super::Function;
use crate::maths::elementary::Elementary;

pub struct Tanh;

impl Function for Tanh {
    const NAME: &'static str = "tanh";

    #[inline]
    fn apply<T: Elementary>(a: T, _alpha: f64) -> T {
        a.tanh()
    }

    /// `s′ = 1 − h²`.
    #[inline]
    fn derivative<T: Elementary>(h: T, _alpha: f64) -> T {
        T::ONE - h * h
    }

    /// `s″ = −2h·s′`.
    #[inline]
    fn second_derivative<T: Elementary>(h: T, alpha: f64) -> T {
        -(h + h) * Self::derivative(h, alpha)
    }
}
