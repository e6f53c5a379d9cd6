//! GELU, exact form: `s(a) = a·Φ(a)` with `Φ` the standard normal distribution function —
//! PyTorch's default `nn.GELU()`. Not monotonic, so its derivatives read the pre-activation:
//! `s′ = Φ(a) + a·φ(a)`, `s″ = φ(a)·(2 − a²)`, `φ` the normal density.
//!
//! `Φ(a) = ½·erfc(−a/√2)` (erfc rather than `1 + erf`: no cancellation for `a ≪ 0`), with
//! `erf` and `erfc` of our own, in f64 — so f32 results are the f64 ones rounded once, and
//! every build computes the same f64 operations in the same order (the exponential is the
//! platform's, as for `tanh`):
//! - `|x| < ½`: the Taylor series `erf(x) = 2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n!(2n + 1))`, thirteen
//!   terms (the next is below 10⁻¹⁹ relative).
//! - `x ≥ ½`: `erfc(x) = e^(−x²) · y(t) / (x + 3)` with `t = (x − 3)/(x + 3)` ∈ [−5/7, 1):
//!   `y` is smooth on the closed interval (`y → 1/√π` as `x → ∞`), so one Chebyshev series
//!   in `s = (7t − 1)/6` ∈ [−1, 1] covers the whole half-line. Its coefficients were
//!   computed for this file by Chebyshev interpolation of `y` at 31 nodes with 60-digit
//!   arithmetic (mpmath), and cut where they fall below 10⁻¹⁹. `e^(−x²)` is taken as
//!   `e^(−h²)·e^(−(x − h)(x + h))` with `h = ⌊16x⌋/16` (`h²` exact), so the rounding of
//!   `x²` does not reach the result. Zero from `x ≥ 27.5` (below the smallest subnormal).
//!
//! Measured against 50-digit references: within 3 ulp (erf) and 4 ulp (erfc) in f64.

use super::Function;
use crate::maths::elementary::Elementary;

pub struct Gelu;

impl Function for Gelu {
    const NAME: &'static str = "gelu";
    const NEEDS_PRE_ACTIVATION: bool = true;
    const HE_INIT: bool = true;

    #[inline]
    fn apply<T: Elementary>(a: T, _alpha: f64) -> T {
        let a = a.to_f64();
        T::from_f64(a * cdf(a))
    }

    /// `s′ = Φ(a) + a·φ(a)`.
    #[inline]
    fn derivative<T: Elementary>(a: T, _alpha: f64) -> T {
        let a = a.to_f64();
        T::from_f64(cdf(a) + a * pdf(a))
    }

    /// `s″ = φ(a)·(2 − a²)`.
    #[inline]
    fn second_derivative<T: Elementary>(a: T, _alpha: f64) -> T {
        let a = a.to_f64();
        T::from_f64(pdf(a) * (2.0 - a * a))
    }
}

/// `1/√(2π)`.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// The standard normal distribution function `Φ(a) = ½·erfc(−a/√2)`.
fn cdf(a: f64) -> f64 {
    0.5 * erfc(-a * std::f64::consts::FRAC_1_SQRT_2)
}

/// The standard normal density `φ(a) = e^(−a²/2)/√(2π)`.
fn pdf(a: f64) -> f64 {
    (-0.5 * a * a).exp() * FRAC_1_SQRT_2PI
}

/// `2/√π · (−1)ⁿ / (n!(2n + 1))`, n = 0 … 12: `erf(x) = x · Σ TAYLOR[n]·x²ⁿ`.
const TAYLOR: [f64; 13] = [
    std::f64::consts::FRAC_2_SQRT_PI,
    -0.37612638903183754,
    0.11283791670955126,
    -0.026866170645131252,
    0.005223977625442188,
    -0.0008548327023450853,
    0.00012055332981789664,
    -1.492565035840625e-5,
    1.6462114365889248e-6,
    -1.6365844691234924e-7,
    1.4807192815879218e-8,
    -1.2290555301717928e-9,
    9.422759064650411e-11,
];

/// Chebyshev coefficients `c_k` of `y(s) = Σ c_k T_k(s)` (see the file's comment).
const CHEBYSHEV: [f64; 27] = [
    1.1524464011975497,
    -0.7520774257150896,
    0.20027266807544394,
    -0.04260547909736576,
    0.0068295045686714816,
    -0.0006913182204502768,
    5.638199110659617e-6,
    1.1014269903565408e-5,
    -1.3559965891164476e-6,
    -1.018301676780893e-7,
    3.9064296956969565e-8,
    -7.440460510579276e-12,
    -1.0252307411489935e-9,
    3.839894117956319e-11,
    2.914923574058876e-11,
    -1.5757236804853054e-12,
    -9.359859669085587e-13,
    4.5623603194493126e-14,
    3.349998418368677e-14,
    -7.449265813067265e-16,
    -1.2812871446025378e-15,
    -2.838815734100164e-17,
    4.952028679195282e-17,
    4.1721329190303464e-18,
    -1.7979927242946643e-18,
    -3.161735456255662e-19,
    5.331027643329431e-20,
];

/// `erf(x)` for `|x| < ½`.
fn erf_small(x: f64) -> f64 {
    let z = x * x;
    let mut p = TAYLOR[TAYLOR.len() - 1];
    for &c in TAYLOR[..TAYLOR.len() - 1].iter().rev() {
        p = p * z + c;
    }
    x * p
}

/// `erfc(x)` for `x ≥ ½`.
fn erfc_tail(x: f64) -> f64 {
    if x >= 27.5 {
        return 0.0;
    }
    let t = (x - 3.0) / (x + 3.0);
    let s = (7.0 * t - 1.0) / 6.0;
    // Clenshaw's recurrence.
    let s2 = s + s;
    let (mut b1, mut b2) = (0.0, 0.0);
    for &c in CHEBYSHEV[1..].iter().rev() {
        (b1, b2) = (c + s2 * b1 - b2, b1);
    }
    let y = CHEBYSHEV[0] + s * b1 - b2;
    let h = (x * 16.0).trunc() / 16.0;
    let e = (-h * h).exp() * (-(x - h) * (x + h)).exp();
    e * y / (x + 3.0)
}

/// The error function (GELU needs only [`erfc`]; this one is for the tests).
#[cfg(test)]
fn erf(x: f64) -> f64 {
    if x.abs() < 0.5 {
        erf_small(x)
    } else if x > 0.0 {
        1.0 - erfc_tail(x)
    } else {
        erfc_tail(-x) - 1.0
    }
}

/// The complementary error function `1 − erf(x)`, without cancellation for large `x`.
fn erfc(x: f64) -> f64 {
    if x.abs() < 0.5 {
        1.0 - erf_small(x)
    } else if x > 0.0 {
        erfc_tail(x)
    } else {
        2.0 - erfc_tail(-x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(x, erf(x), erfc(x))` at the f64 `x`, from 50-digit arithmetic (mpmath), rounded.
    const REFERENCE: [(f64, f64, f64); 20] = [
            (-5.0, -0.9999999999984626, 1.9999999999984626),
            (-2.5, -0.999593047982555, 1.999593047982555),
            (-1.0, -0.8427007929497149, 1.8427007929497148),
            (-0.7, -0.6778011938374184, 1.6778011938374184),
            (-0.3, -0.3286267594591274, 1.3286267594591274),
            (-1e-3, -0.0011283787909692365, 1.0011283787909693),
            (1e-8, 1.1283791670955126e-08, 0.9999999887162083),
            (0.25, 0.27632639016823696, 0.7236736098317631),
            (0.49, 0.511668261188523, 0.4883317388114769),
            (0.5, 0.5204998778130465, 0.4795001221869535),
            (0.51, 0.5292436198411704, 0.4707563801588296),
            (1.0, 0.8427007929497149, 0.15729920705028513),
            (1.5, 0.9661051464753108, 0.033894853524689274),
            (2.0, 0.9953222650189527, 0.004677734981047266),
            (3.0, 0.9999779095030014, 2.209049699858544e-05),
            (4.5, 0.9999999998033839, 1.9661604415428876e-10),
            (6.0, 1.0, 2.1519736712498913e-17),
            (10.0, 1.0, 2.088487583762545e-45),
            (20.0, 1.0, 5.395865611607901e-176),
            (26.0, 1.0, 5.663192408856143e-296),
    ];

    fn ulps(got: f64, want: f64) -> f64 {
        if want == 0.0 {
            return if got == 0.0 { 0.0 } else { f64::INFINITY };
        }
        (got - want).abs() / (want.abs() * f64::EPSILON)
    }

    #[test]
    fn erf_and_erfc_are_within_a_few_ulp() {
        for (x, e, c) in REFERENCE {
            assert!(ulps(erf(x), e) <= 3.0, "erf({x}) = {} vs {e}", erf(x));
            assert!(ulps(erfc(x), c) <= 4.0, "erfc({x}) = {} vs {c}", erfc(x));
        }
        assert_eq!(erf(0.0), 0.0);
        assert_eq!(erfc(30.0), 0.0);
        assert_eq!(erfc(-30.0), 2.0);
        assert_eq!(erf(f64::INFINITY), 1.0);
        assert_eq!(erf(f64::NEG_INFINITY), -1.0);
        assert!(erf(f64::NAN).is_nan());
    }

    /// Odd, monotonic and continuous across the switch at ½ (sampled densely).
    #[test]
    fn erf_is_odd_monotonic_and_continuous() {
        let mut last = -1.0;
        for i in -6000..=6000 {
            let x = i as f64 * 1e-3;
            let v = erf(x);
            assert_eq!(v, -erf(-x), "odd at {x}");
            assert!(v >= last, "monotonic at {x}");
            last = v;
        }
        let below = erf(0.5f64.next_down());
        assert!((erf(0.5) - below).abs() < 4.0 * f64::EPSILON, "jump at ½");
    }

    /// `(a, GELU(a), s′(a), s″(a))` from 50-digit arithmetic (mpmath), rounded.
    const GELU: [(f64, f64, f64, f64); 10] = [
        (-30.0, -1.472014178144456e-196, -4.416031690708495e-195, -1.3233342291209357e-193),
        (-8.0, -4.976768459417427e-15, -3.979607261086796e-14, -3.1324080717928733e-13),
        (-3.0, -0.0040496940948902835, -0.011945647204183927, -0.03102293888356605),
        (-1.0, -0.15865525393145705, -0.0833154705876863, 0.24197072451914334),
        (-0.25, -0.10032341857926907, 0.30462664511636395, 0.7491694763055203),
        (0.1, 0.053982783727702904, 0.5795230920247302, 0.7899355694792534),
        (0.7, 0.5306254434438489, 0.9766141011336599, 0.4715034393838095),
        (1.0, 0.8413447460685429, 1.0833154705876864, 0.24197072451914334),
        (2.5, 2.4844758366855597, 1.037611085908145, -0.07449527709766629),
        (8.0, 7.999999999999995, 1.0000000000000397, -3.1324080717928733e-13),
    ];

    /// GELU and its derivatives against references; the rounding of `a/√2` and `a²` grows
    /// the error as `a²` (in ulp) far out in the tails. f32 is the f64 result rounded once.
    #[test]
    fn gelu_and_its_derivatives_match_references() {
        for (a, g, d1, d2) in GELU {
            let tol = 16.0 * a.abs().max(1.0).powi(2);
            assert!(ulps(Gelu::apply(a, 0.0), g) <= tol, "gelu({a}) = {}", Gelu::apply(a, 0.0));
            assert!(ulps(Gelu::derivative(a, 0.0), d1) <= tol, "gelu′({a})");
            assert!(ulps(Gelu::second_derivative(a, 0.0), d2) <= tol, "gelu″({a})");
            let a32 = a as f32;
            assert_eq!(Gelu::apply(a32, 0.0), Gelu::apply(a32 as f64, 0.0) as f32);
        }
        // PyTorch's form, a·½(1 + erf(a/√2)), where it has no cancellation.
        for a in [0.0f64, 0.3, 1.7, 4.0] {
            let want = a * 0.5 * (1.0 + erf(a * std::f64::consts::FRAC_1_SQRT_2));
            assert!(ulps(Gelu::apply(a, 0.0), want) <= 4.0 || a == 0.0, "gelu({a})");
        }
        assert_eq!(Gelu::apply(-1e4f32, 0.0), 0.0);
        assert_eq!(Gelu::apply(1e4f32, 0.0), 1e4);
    }
}
