//! SiLU (swish): `s(a) = a·σ(a)`, with σ in its stable form (`maths/elementary.rs`, the same
//! bits in every build). Not monotonic, so the output does not determine the derivative: its
//! derivatives read the pre-activation.

use super::Function;
use crate::maths::elementary::{sigmoid, Elementary};

pub struct Silu;

impl Function for Silu {
    const NAME: &'static str = "silu";
    const NEEDS_PRE_ACTIVATION: bool = true;
    const HE_INIT: bool = true;

    #[inline]
    fn apply<T: Elementary>(a: T, _alpha: f64) -> T {
        a * sigmoid(a)
    }

    /// `s′ = σ + a·σ(1 − σ) = σ·(1 + a·(1 − σ))`.
    #[inline]
    fn derivative<T: Elementary>(a: T, _alpha: f64) -> T {
        let s = sigmoid(a);
        s * (T::ONE + a * (T::ONE - s))
    }

    /// `s″ = 2σ(1 − σ) + a·σ(1 − σ)(1 − 2σ) = σ(1 − σ)·(2 + a·(1 − 2σ))`.
    #[inline]
    fn second_derivative<T: Elementary>(a: T, _alpha: f64) -> T {
        let s = sigmoid(a);
        let two = T::ONE + T::ONE;
        s * (T::ONE - s) * (two + a * (T::ONE - s - s))
    }
}
