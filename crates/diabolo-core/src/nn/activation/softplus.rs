//! `softplus(a) = ln(1 + eᵃ)`, in its stable form (`maths/elementary.rs`).

use super::Function;
use crate::maths::elementary::{softplus, Elementary};

pub struct Softplus;

impl Function for Softplus {
    const NAME: &'static str = "softplus";

    #[inline]
    fn apply<T: Elementary>(a: T, _alpha: f64) -> T {
        softplus(a)
    }

    /// `s′ = σ(a) = 1 − e^(−h)`, computed without cancellation.
    #[inline]
    fn derivative<T: Elementary>(h: T, _alpha: f64) -> T {
        -(-h).exp_m1()
    }

    /// `s″ = σ(1 − σ)`.
    #[inline]
    fn second_derivative<T: Elementary>(h: T, alpha: f64) -> T {
        let d = Self::derivative(h, alpha);
        d * (T::ONE - d)
    }
}
