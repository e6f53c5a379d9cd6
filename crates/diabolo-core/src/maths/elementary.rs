//! The elementary functions the activations and losses are built from, stable on the whole
//! line: σ, softplus and cross-entropy from logits.
//!
//! They rest on four hooks of [`Elementary`]: `exp` on `x ≤ 0`, `ln(1 + y)` on `[0, 1]`, and
//! whole-buffer σ and cross-entropy. `f32` takes them from [`crate::maths::vmath`] (written-out
//! polynomials, four lanes at a time under wasm SIMD: the same bits in every build); `f64`
//! uses the platform's `exp`/`ln_1p` and the scalar forms below, element by element.

use crate::maths::vmath;
use crate::num::real::Real;

/// A [`Real`] with the elementary functions of the hot paths.
pub trait Elementary: Real {
    /// `exp(x)` for `x ≤ 0`: `f32` uses [`vmath`]'s polynomial (the same bits in every
    /// build), `f64` the platform's `exp`.
    fn exp_nonpos(self) -> Self {
        self.exp()
    }
    /// `ln(1 + y)` for `y ∈ [0, 1]` (`f32`: [`vmath`]).
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
}

impl Elementary for f32 {
    #[inline(always)]
    fn exp_nonpos(self) -> Self {
        vmath::exp_nonpos(self)
    }
    #[inline(always)]
    fn ln_1p_unit(self) -> Self {
        vmath::ln_1p_unit(self)
    }
    fn sigmoid_in_place(xs: &mut [Self]) {
        vmath::sigmoid_in_place(xs)
    }
    fn bce_logits(out: &[Self], x: &[Self], inv_n: Self, grad: &mut [Self]) -> f64 {
        vmath::bce_logits(out, x, inv_n, grad)
    }
}

impl Elementary for f64 {}

/// Numerically stable logistic function: with `e = exp(−|a|)`, `1/(1 + e)` for `a ≥ 0`,
/// else `e/(1 + e)` (the arithmetic of `vmath`'s SIMD lanes, hence their bits in f32).
#[inline]
pub fn sigmoid<T: Elementary>(a: T) -> T {
    let e = (-a.abs()).exp_nonpos();
    (if a >= T::ZERO { T::ONE } else { e }) / (T::ONE + e)
}

/// Numerically stable `ln(1 + eᵃ) = max(a, 0) + ln(1 + exp(−|a|))`.
#[inline]
pub fn softplus<T: Elementary>(a: T) -> T {
    let pos = if a < T::ZERO { T::ZERO } else { a };
    pos + (-a.abs()).exp_nonpos().ln_1p_unit()
}

/// Cross-entropy from logits of one element against its target, and its gradient factor:
/// with `e = exp(−|a|)`, `softplus(a) − t·a = max(a, 0) + ln(1 + e) − t·a` and `σ(a) − t`
/// — one exponential for both, in the arithmetic of [`softplus`] and
/// [`sigmoid`] (and of `vmath`'s SIMD lanes), hence their bits.
#[inline(always)]
pub fn bce_logit<T: Elementary>(a: T, t: T) -> (T, T) {
    let e = (-a.abs()).exp_nonpos();
    let pos = if a < T::ZERO { T::ZERO } else { a };
    let loss = (pos + e.ln_1p_unit()) - t * a;
    let s = (if a >= T::ZERO { T::ONE } else { e }) / (T::ONE + e);
    (loss, s - t)
}
