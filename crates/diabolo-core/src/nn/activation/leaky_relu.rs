//! The leaky rectifier: `a` for `a > 0`, `α·a` otherwise (α: the negative-side slope).

use super::Function;
use crate::maths::elementary::Elementary;

pub struct LeakyRelu;

impl Function for LeakyRelu {
    const NAME: &'static str = "leakyRelu";
    const ALPHA: Option<f64> = Some(0.01);
    const HE_INIT: bool = true;

    #[inline]
    fn apply<T: Elementary>(a: T, alpha: f64) -> T {
        if a > T::ZERO {
            a
        } else {
            T::from_f64(alpha) * a
        }
    }

    /// 1 for `h > 0`, else α.
    #[inline]
    fn derivative<T: Elementary>(h: T, alpha: f64) -> T {
        if h > T::ZERO {
            T::ONE
        } else {
            T::from_f64(alpha)
        }
    }

    #[inline]
    fn second_derivative<T: Elementary>(_h: T, _alpha: f64) -> T {
        T::ZERO
    }
}
