//! The identity `s(a) = a`.

use super::Function;
use crate::maths::elementary::Elementary;

pub struct Linear;

impl Function for Linear {
    const NAME: &'static str = "linear";

    #[inline]
    fn apply<T: Elementary>(a: T, _alpha: f64) -> T {
        a
    }

    fn apply_slice<T: Elementary>(_xs: &mut [T], _alpha: f64) {}

    #[inline]
    fn derivative<T: Elementary>(_h: T, _alpha: f64) -> T {
        T::ONE
    }

    /// `s′ = 1`: multiplying by it would change nothing.
    fn scale_by_derivative<T: Elementary>(_x: &[T], _d: &mut [T], _alpha: f64) {}

    #[inline]
    fn second_derivative<T: Elementary>(_h: T, _alpha: f64) -> T {
        T::ZERO
    }
}
