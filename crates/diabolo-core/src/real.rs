//! The scalar types the core computes in.
//!
//! Training runs in `f32`; every op is generic so that gradient checks can run the very
//! same code in `f64`, where central differences are accurate to ~1e-8 instead of ~1e-3.

use core::fmt::Debug;
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// A floating-point scalar: `f32` (training) or `f64` (gradient checks, references).
pub trait Real:
    Copy
    + Default
    + Debug
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    const ZERO: Self;
    const ONE: Self;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn ln_1p(self) -> Self;
    fn exp_m1(self) -> Self;
    fn sqrt(self) -> Self;
    fn tanh(self) -> Self;
    fn abs(self) -> Self;
    fn is_finite(self) -> bool;
    /// `exp(x)` for `x ≤ 0`: `f32` uses [`crate::vmath`]'s polynomial (the same bits in every
    /// build), `f64` the platform's `exp`.
    fn exp_nonpos(self) -> Self {
        self.exp()
    }
    /// `ln(1 + y)` for `y ∈ [0, 1]` (`f32`: [`crate::vmath`]).
    fn ln_1p_unit(self) -> Self {
        self.ln_1p()
    }
    /// The logistic function in place (`f32`: four lanes at a time under wasm SIMD).
    fn sigmoid_in_place(xs: &mut [Self]) {
        for x in xs {
            *x = sigmoid(*x);
        }
    }
    /// Cross-entropy from logits of `out` against `x`: writes `inv_n·(σ(a) − t)` into `grad`
    /// and returns the sum of the element losses `softplus(a) − t·a`, in f64, in order.
    fn bce_logits(out: &[Self], x: &[Self], inv_n: Self, grad: &mut [Self]) -> f64 {
        let mut total = 0.0;
        for ((g, &a), &t) in grad.iter_mut().zip(out).zip(x) {
            let (l, d) = bce_logit(a, t);
            total += l.to_f64();
            *g = inv_n * d;
        }
        total
    }
    fn max(self, other: Self) -> Self {
        if self > other {
            self
        } else {
            other
        }
    }
    fn min(self, other: Self) -> Self {
        if self < other {
            self
        } else {
            other
        }
    }
}

macro_rules! impl_real {
    ($t:ty $(, { $($extra:tt)* })?) => {
        impl Real for $t {
            $($($extra)*)?
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                <$t>::ln_1p(self)
            }
            #[inline(always)]
            fn exp_m1(self) -> Self {
                <$t>::exp_m1(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
        }
    };
}

impl_real!(f32, {
    #[inline(always)]
    fn exp_nonpos(self) -> Self {
        crate::vmath::exp_nonpos(self)
    }
    #[inline(always)]
    fn ln_1p_unit(self) -> Self {
        crate::vmath::ln_1p_unit(self)
    }
    fn sigmoid_in_place(xs: &mut [Self]) {
        crate::vmath::sigmoid_in_place(xs)
    }
    fn bce_logits(out: &[Self], x: &[Self], inv_n: Self, grad: &mut [Self]) -> f64 {
        crate::vmath::bce_logits(out, x, inv_n, grad)
    }
});
impl_real!(f64);

// --- stable elementary functions -------------------------------------------------------
// Built only from `Real`'s operations; the activations and losses re-export them.

/// Numerically stable logistic function: with `e = exp(−|a|)`, `1/(1 + e)` for `a ≥ 0`,
/// else `e/(1 + e)` (the arithmetic of `vmath`'s SIMD lanes, hence their bits in f32).
#[inline]
pub fn sigmoid<T: Real>(a: T) -> T {
    let e = (-a.abs()).exp_nonpos();
    (if a >= T::ZERO { T::ONE } else { e }) / (T::ONE + e)
}

/// Numerically stable `ln(1 + eᵃ) = max(a, 0) + ln(1 + exp(−|a|))`.
#[inline]
pub fn softplus<T: Real>(a: T) -> T {
    let pos = if a < T::ZERO { T::ZERO } else { a };
    pos + (-a.abs()).exp_nonpos().ln_1p_unit()
}

/// Cross-entropy from logits of one element against its target, and its gradient factor:
/// with `e = exp(−|a|)`, `softplus(a) − t·a = max(a, 0) + ln(1 + e) − t·a` and `σ(a) − t`
/// — one exponential for both, in the arithmetic of [`softplus`] and
/// [`sigmoid`] (and of `vmath`'s SIMD lanes), hence their bits.
#[inline(always)]
pub fn bce_logit<T: Real>(a: T, t: T) -> (T, T) {
    let e = (-a.abs()).exp_nonpos();
    let pos = if a < T::ZERO { T::ZERO } else { a };
    let loss = (pos + e.ln_1p_unit()) - t * a;
    let s = (if a >= T::ZERO { T::ONE } else { e }) / (T::ONE + e);
    (loss, s - t)
}

/// Neumaier-compensated f64 sum: losses over a whole epoch (millions of terms) keep their
/// last digits regardless of order and magnitude.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sum {
    sum: f64,
    compensation: f64,
}

impl Sum {
    #[inline]
    pub fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.compensation += (self.sum - t) + v;
        } else {
            self.compensation += (v - t) + self.sum;
        }
        self.sum = t;
    }

    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::Sum;

    #[test]
    fn compensated_sum_keeps_small_terms() {
        let mut s = Sum::default();
        let mut naive = 0.0f64;
        for v in [1e16, 1.0, -1e16, 1.0] {
            s.add(v);
            naive += v;
        }
        assert_eq!(s.value(), 2.0);
        assert_ne!(naive, 2.0);
    }
}
