//! The rectifier `max(a, 0)`.

use super::Function;
use crate::maths::elementary::Elementary;

pub struct Relu;

impl Function for Relu {
    const NAME: &'static str = "relu";
    const HE_INIT: bool = true;

    #[inline]
    fn apply<T: Elementary>(a: T, _alpha: f64) -> T {
        a.max(T::ZERO)
    }

    /// 1 where the unit is active (`h > 0`), else 0.
    #[inline]
    fn derivative<T: Elementary>(h: T, _alpha: f64) -> T {
        if h > T::ZERO {
            T::ONE
        } else {
            T::ZERO
        }
    }

    #[inline]
    fn second_derivative<T: Elementary>(_h: T, _alpha: f64) -> T {
        T::ZERO
    }
}
