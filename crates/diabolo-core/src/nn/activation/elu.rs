//! The exponential linear unit: `a` for `a > 0`, `α·(eᵃ − 1)` otherwise (α: the scale of
//! the negative side).

use super::Function;
use crate::maths::elementary::Elementary;

pub struct Elu;

impl Function for Elu {
    const NAME: &'static str = "elu";
    const ALPHA: Option<f64> = Some(1.0);
    const HE_INIT: bool = true;

    #[inline]
    fn apply<T: Elementary>(a: T, alpha: f64) -> T {
        if a > T::ZERO {
            a
        } else {
            T::from_f64(alpha) * a.exp_m1()
        }
    }

    /// 1 for `h > 0`; for `a ≤ 0`, `s′ = α·eᵃ = h + α`.
    #[inline]
    fn derivative<T: Elementary>(h: T, alpha: f64) -> T {
        if h > T::ZERO {
            T::ONE
        } else {
            h + T::from_f64(alpha)
        }
    }

    /// 0 for `h > 0`; for `a ≤ 0`, `s″ = s′ = h + α`.
    #[inline]
    fn second_derivative<T: Elementary>(h: T, alpha: f64) -> T {
        let d = Self::derivative(h, alpha);
        if h > T::ZERO {
            T::ZERO
        } else {
            d
        }
    }
}
