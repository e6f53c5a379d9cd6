//! `exp` and `ln(1 + y)` in `f32` for the element-wise hot paths — logistic units and
//! cross-entropy from logits — four lanes at a time under wasm `simd128`.
//!
//! Both functions are only needed on half-ranges: the stable forms of σ(a) and softplus(a)
//! use `e = exp(−|a|) ∈ (0, 1]` and `ln(1 + e)`. A polynomial on a reduced argument, with
//! every operation written out (a multiply, then an add: never a fused multiply-add), gives
//! the same bits in the scalar code and in each SIMD lane. So the scalar and SIMD builds of
//! the core stay bit-identical, and results do not depend on a platform's `libm`.
//!
//! Accuracy (tested below against f64 on dense sweeps): `exp_nonpos` within 2 ulp on
//! [−87.3, 0]; `ln_1p_unit` within 2 ulp on [0, 1]. NaN propagates through both.
//!
//! `exp`: with `k = ⌊x·log₂e + ½⌋` and `r = x − k·ln2` (ln 2 split in two parts, so `k·ln2_hi`
//! is exact), `exp(x) = 2ᵏ·exp(r)` with |r| ≤ ln2/2 and `exp(r) ≈ 1 + r + r²·P(r)`, `P` of
//! degree 5 (the minimax coefficients of the Cephes library's `expf`). Below −87.34 (where
//! the result would be subnormal) it is 0.
//!
//! `ln(1 + y)`: with `s = y / (2 + y)` (no cancellation: `y` enters directly),
//! `ln(1 + y) = 2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + …)`, and `s ≤ ⅓` on [0, 1], so seven
//! terms leave a truncation error below 2·10⁻⁸ relative.

const LOG2E: f32 = core::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
const EXP_MIN: f32 = -87.336_55;
const P: [f32; 6] = [
    1.987_569_2e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    0.5,
];
/// `1/(2k + 1)` for k = 6 … 1.
const ATANH: [f32; 6] = [1.0 / 13.0, 1.0 / 11.0, 1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0];

/// `exp(x)` for `x ≤ 0` (larger arguments are outside its accuracy promise); 0 below −87.34.
#[inline(always)]
pub fn exp_nonpos(x: f32) -> f32 {
    if x < EXP_MIN {
        return 0.0;
    }
    let k = (x * LOG2E + 0.5).floor();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = P[0];
    for c in &P[1..] {
        p = p * r + c;
    }
    let y = (p * (r * r) + r) + 1.0;
    // `as` saturates and maps NaN to 0, as the SIMD truncation does.
    y * f32::from_bits(((k as i32 + 127) as u32) << 23)
}

/// `ln(1 + y)` for `y ∈ [0, 1]`.
#[inline(always)]
pub fn ln_1p_unit(y: f32) -> f32 {
    let s = y / (y + 2.0);
    let z = s * s;
    let mut p = ATANH[0];
    for c in &ATANH[1..] {
        p = p * z + c;
    }
    // 2s + 2s·z·p: the small correction is added last, so its rounding hardly counts.
    let s2 = s + s;
    s2 + s2 * (z * p)
}

/// σ(a), in the arithmetic of `elementary::sigmoid` (whose `f32` exponential is [`exp_nonpos`]):
/// the same bits, without this module depending on the generic code (tested below).
#[inline(always)]
fn sigmoid1(a: f32) -> f32 {
    let e = exp_nonpos(-a.abs());
    (if a >= 0.0 { 1.0 } else { e }) / (1.0 + e)
}

/// `(softplus(a) − t·a, σ(a) − t)` in the arithmetic of `elementary::bce_logit` (same bits, tested below).
#[inline(always)]
fn bce_logit1(a: f32, t: f32) -> (f32, f32) {
    let e = exp_nonpos(-a.abs());
    let pos = if a < 0.0 { 0.0 } else { a };
    let loss = (pos + ln_1p_unit(e)) - t * a;
    let s = (if a >= 0.0 { 1.0 } else { e }) / (1.0 + e);
    (loss, s - t)
}

/// σ applied in place.
pub fn sigmoid_in_place(xs: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let xs = simd::sigmoid_in_place(xs);
    for x in xs {
        *x = sigmoid1(*x);
    }
}

/// Cross-entropy from logits of rows of `out` against `x`: `grad = inv_n·(σ(a) − t)` and
/// the sum of the element losses, accumulated in f64 in element order.
pub fn bce_logits(out: &[f32], x: &[f32], inv_n: f32, grad: &mut [f32]) -> f64 {
    let mut total = 0.0f64;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = simd::bce_logits(out, x, inv_n, grad, &mut total);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    for ((g, &a), &t) in grad[done..].iter_mut().zip(&out[done..]).zip(&x[done..]) {
        let (l, d) = bce_logit1(a, t);
        total += l as f64;
        *g = inv_n * d;
    }
    total
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    //! The same operations, in the same order, on four lanes.
    use super::{ATANH, EXP_MIN, LN2_HI, LN2_LO, LOG2E, P};
    use core::arch::wasm32::*;

    #[inline(always)]
    fn exp_nonpos(x: v128) -> v128 {
        let tiny = f32x4_lt(x, f32x4_splat(EXP_MIN));
        let x = f32x4_pmax(x, f32x4_splat(EXP_MIN));
        let k = f32x4_floor(f32x4_add(f32x4_mul(x, f32x4_splat(LOG2E)), f32x4_splat(0.5)));
        let r = f32x4_sub(
            f32x4_sub(x, f32x4_mul(k, f32x4_splat(LN2_HI))),
            f32x4_mul(k, f32x4_splat(LN2_LO)),
        );
        let mut p = f32x4_splat(P[0]);
        for &c in &P[1..] {
            p = f32x4_add(f32x4_mul(p, r), f32x4_splat(c));
        }
        let y = f32x4_add(f32x4_add(f32x4_mul(p, f32x4_mul(r, r)), r), f32x4_splat(1.0));
        let scale = i32x4_shl(i32x4_add(i32x4_trunc_sat_f32x4(k), i32x4_splat(127)), 23);
        v128_andnot(f32x4_mul(y, scale), tiny)
    }

    #[inline(always)]
    fn ln_1p_unit(y: v128) -> v128 {
        let s = f32x4_div(y, f32x4_add(y, f32x4_splat(2.0)));
        let z = f32x4_mul(s, s);
        let mut p = f32x4_splat(ATANH[0]);
        for &c in &ATANH[1..] {
            p = f32x4_add(f32x4_mul(p, z), f32x4_splat(c));
        }
        let s2 = f32x4_add(s, s);
        f32x4_add(s2, f32x4_mul(s2, f32x4_mul(z, p)))
    }

    /// `(e, σ)` of four logits.
    #[inline(always)]
    fn sigmoid(a: v128) -> (v128, v128) {
        let e = exp_nonpos(f32x4_neg(f32x4_abs(a)));
        let num = v128_bitselect(f32x4_splat(1.0), e, f32x4_ge(a, f32x4_splat(0.0)));
        (e, f32x4_div(num, f32x4_add(f32x4_splat(1.0), e)))
    }

    /// Whole vectors of `xs`; returns the tail left to the scalar code.
    pub fn sigmoid_in_place(xs: &mut [f32]) -> &mut [f32] {
        let mut chunks = xs.chunks_exact_mut(4);
        for c in &mut chunks {
            // SAFETY: `c` holds exactly four f32; v128 loads/stores need no alignment.
            unsafe {
                let p = c.as_mut_ptr() as *mut v128;
                v128_store(p, sigmoid(v128_load(p)).1);
            }
        }
        chunks.into_remainder()
    }

    /// Whole vectors of the cross-entropy; returns how many elements were done.
    pub fn bce_logits(out: &[f32], x: &[f32], inv_n: f32, grad: &mut [f32], total: &mut f64) -> usize {
        let n = out.len().min(x.len()).min(grad.len()) / 4 * 4;
        let mut i = 0;
        while i < n {
            // SAFETY: i + 4 ≤ n ≤ every length.
            unsafe {
                let a = v128_load(out.as_ptr().add(i) as *const v128);
                let t = v128_load(x.as_ptr().add(i) as *const v128);
                let (e, s) = sigmoid(a);
                let loss = f32x4_sub(
                    f32x4_add(f32x4_pmax(a, f32x4_splat(0.0)), ln_1p_unit(e)),
                    f32x4_mul(t, a),
                );
                let g = f32x4_mul(f32x4_splat(inv_n), f32x4_sub(s, t));
                v128_store(grad.as_mut_ptr().add(i) as *mut v128, g);
                *total += f32x4_extract_lane::<0>(loss) as f64;
                *total += f32x4_extract_lane::<1>(loss) as f64;
                *total += f32x4_extract_lane::<2>(loss) as f64;
                *total += f32x4_extract_lane::<3>(loss) as f64;
            }
            i += 4;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maths::elementary::{bce_logit, sigmoid, softplus};

    #[test]
    fn the_scalar_tails_have_the_bits_of_the_generic_functions() {
        let mut a = -120.0f32;
        while a <= 120.0 {
            for t in [0.0f32, 0.3, 1.0] {
                assert_eq!(sigmoid1(a).to_bits(), sigmoid(a).to_bits(), "σ({a})");
                let (l1, d1) = bce_logit1(a, t);
                let (l, d) = bce_logit(a, t);
                assert_eq!(
                    (l1.to_bits(), d1.to_bits()),
                    (l.to_bits(), d.to_bits()),
                    "bce({a}, {t})"
                );
            }
            a += 0.0137;
        }
        for a in [
            0.0f32,
            -0.0,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            88.7,
            -88.7,
            f32::MAX,
            f32::MIN,
        ] {
            assert_eq!(sigmoid1(a).to_bits(), sigmoid(a).to_bits(), "σ({a})");
        }
        assert!(sigmoid1(f32::NAN).is_nan() && sigmoid(f32::NAN).is_nan());
    }

    /// Distance in units in the last place between an f32 and the exact (f64) value.
    fn ulps(got: f32, exact: f64) -> f64 {
        let e = exact as f32;
        let ulp = (f32::from_bits(e.to_bits() + 1) - e) as f64;
        (got as f64 - exact).abs() / ulp
    }

    #[test]
    fn exp_is_within_two_ulp_on_its_range() {
        let mut worst = (0.0, 0.0f32);
        for i in 0..=2_000_000 {
            let x = -87.0 * i as f32 / 2_000_000.0;
            let u = ulps(exp_nonpos(x), (x as f64).exp());
            if u > worst.0 {
                worst = (u, x);
            }
        }
        assert!(worst.0 <= 2.0, "{} ulp at x = {}", worst.0, worst.1);
        assert_eq!(exp_nonpos(0.0), 1.0);
        assert_eq!(exp_nonpos(-88.0), 0.0);
        assert_eq!(exp_nonpos(f32::NEG_INFINITY), 0.0);
        assert!(exp_nonpos(f32::NAN).is_nan());
    }

    #[test]
    fn ln_1p_is_within_two_ulp_on_the_unit_interval() {
        let mut worst = (0.0, 0.0f32);
        for i in 1..=2_000_000 {
            // Denser near 0, where relative accuracy is hardest to keep.
            let y = (i as f32 / 2_000_000.0).powi(3);
            let u = ulps(ln_1p_unit(y), (y as f64).ln_1p());
            if u > worst.0 {
                worst = (u, y);
            }
        }
        assert!(worst.0 <= 2.0, "{} ulp at y = {}", worst.0, worst.1);
        assert_eq!(ln_1p_unit(0.0), 0.0);
        assert!(ln_1p_unit(f32::NAN).is_nan());
    }

    #[test]
    fn logistic_and_cross_entropy_match_f64() {
        for i in -4000..=4000 {
            let a = i as f32 / 100.0;
            let exact = 1.0 / (1.0 + (-(a as f64)).exp());
            assert!(ulps(sigmoid(a), exact) <= 3.0, "σ({a})");
            let sp = (a as f64).max(0.0) + (-(a as f64).abs()).exp().ln_1p();
            assert!((softplus(a) as f64 - sp).abs() <= 4e-7 * sp.max(1.0), "softplus({a})");
            let (l, d) = bce_logit(a, 0.25);
            assert!(
                (l as f64 - (sp - 0.25 * a as f64)).abs() <= 1e-6 * sp.max(1.0),
                "bce({a})"
            );
            assert!((d as f64 - (exact - 0.25)).abs() <= 1e-7, "bce'({a})");
        }
        let (l, d) = bce_logit(f32::NAN, 0.5);
        assert!(l.is_nan() && d.is_nan());
    }
}
