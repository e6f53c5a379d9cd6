//! The micro-kernel each scalar type brings: an `MR × NR` register tile, a dot product and
//! the packing transposes; plain Rust for every build, wasm SIMD lanes for f32 under `simd128`
//! (in `wasm_simd.rs`), all adding in the same order; natively on x86_64, AVX2 + FMA or
//! AVX-512 for f32 when the CPU has them (in `x86.rs`: same order, fused rounding).

use crate::maths::elementary::Elementary;
use crate::num::real::Real;

use super::layout::{MR, NR};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use super::wasm_simd;
#[cfg(target_arch = "x86_64")]
use super::x86;

/// A scalar type with a GEMM micro-kernel.
pub trait Kernel: Elementary {
    /// Multiply an `MR × kc` packed panel of A by a `kc × NR` packed panel of B and write
    /// (or, with `accumulate`, add) the top-left `mr × nr` of the product into `c`, whose
    /// rows are `ldc` apart.
    fn tile(kc: usize, a: &[Self], b: &[Self], c: &mut [Self], ldc: usize, mr: usize, nr: usize, accumulate: bool);

    /// `Σ a[p]·b[p]` over equal-length slices, in four interleaved partial sums (lane `l`
    /// takes `p ≡ l mod 4`, the tail goes to lanes 0, 1, 2 in order), reduced as
    /// `(s0 + s1) + (s2 + s3)`: the portable and wasm implementations add in exactly this
    /// order. The native x86_64 AVX2 one keeps 32 partial sums in its own fixed order (one
    /// 4-lane accumulator is a single dependent chain, bound by the add latency; see `x86.rs`).
    fn dot(a: &[Self], b: &[Self]) -> Self {
        dot_portable(a, b)
    }

    /// Packing transposes: source line `q` of `lines` (contiguous along k: a column of Wᵀ
    /// for B, a row of X for A) goes to `out[p·stride + j + q]` for every step `p`; four
    /// lines at a time.
    fn pack4(lines: [&[Self]; 4], out: &mut [Self], j: usize, stride: usize) {
        pack4_portable(lines, out, j, stride)
    }

    /// [`Kernel::pack4`] on eight lines: by default two calls of it (the same writes in the
    /// same order); the native x86 kernels transpose 8 × 8 blocks instead, storing whole
    /// 32-byte rows of the panel.
    fn pack8(lines: [&[Self]; 8], out: &mut [Self], j: usize, stride: usize) {
        let [l0, l1, l2, l3, l4, l5, l6, l7] = lines;
        Self::pack4([l0, l1, l2, l3], out, j, stride);
        Self::pack4([l4, l5, l6, l7], out, j + 4, stride);
    }

    /// [`Kernel::pack4`] for the two-row A panels of the relaxed build: `stride` is 2, so
    /// the output is the two lines interleaved.
    fn pack2(lines: [&[Self]; 2], out: &mut [Self]) {
        pack2_portable(lines, out)
    }
}

/// The plain-Rust [`Kernel::pack2`].
#[inline]
pub fn pack2_portable<T: Real>(lines: [&[T]; 2], out: &mut [T]) {
    for ((pair, &x), &y) in out.chunks_exact_mut(2).zip(lines[0]).zip(lines[1]) {
        pair[0] = x;
        pair[1] = y;
    }
}

/// The plain-Rust [`Kernel::pack4`].
#[inline]
pub fn pack4_portable<T: Real>(lines: [&[T]; 4], out: &mut [T], j: usize, stride: usize) {
    let [s0, s1, s2, s3] = lines;
    for (p, row) in out.chunks_exact_mut(stride).take(s0.len()).enumerate() {
        let d = &mut row[j..j + 4];
        d[0] = s0[p];
        d[1] = s1[p];
        d[2] = s2[p];
        d[3] = s3[p];
    }
}

/// The reference order of [`Kernel::dot`].
#[inline]
pub fn dot_portable<T: Real>(a: &[T], b: &[T]) -> T {
    let mut s = [T::ZERO; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ta, tb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            s[l] += x[l] * y[l];
        }
    }
    for (l, (&x, &y)) in ta.iter().zip(tb).enumerate() {
        s[l] += x * y;
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

impl Kernel for f64 {
    #[inline]
    fn tile(kc: usize, a: &[f64], b: &[f64], c: &mut [f64], ldc: usize, mr: usize, nr: usize, accumulate: bool) {
        tile_portable(kc, a, b, c, ldc, mr, nr, accumulate)
    }
}

impl Kernel for f32 {
    #[inline]
    fn tile(kc: usize, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, mr: usize, nr: usize, accumulate: bool) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            assert!(a.len() >= MR * kc && b.len() >= NR * kc && c.len() >= (mr - 1) * ldc + nr);
            // SAFETY: the assertion above covers every address the kernel reads or writes.
            unsafe { wasm_simd::tile(kc, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), ldc, mr, nr, accumulate) }
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            #[cfg(target_arch = "x86_64")]
            if x86::tile(kc, a, b, c, ldc, mr, nr, accumulate) {
                return;
            }
            tile_portable(kc, a, b, c, ldc, mr, nr, accumulate)
        }
    }

    #[inline]
    fn dot(a: &[f32], b: &[f32]) -> f32 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            wasm_simd::dot(a, b)
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            #[cfg(target_arch = "x86_64")]
            if let Some(s) = x86::dot(a, b) {
                return s;
            }
            dot_portable(a, b)
        }
    }

    #[inline]
    fn pack4(lines: [&[f32]; 4], out: &mut [f32], j: usize, stride: usize) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            let kc = lines[0].len();
            assert!(lines.iter().all(|c| c.len() == kc) && j + 4 <= stride && out.len() >= kc * stride);
            // SAFETY: the assertion covers the kc floats read from each line and the writes
            // to out[p·stride + j .. p·stride + j + 4] for p < kc.
            unsafe { wasm_simd::pack4(lines.map(|c| c.as_ptr()), kc, out.as_mut_ptr().add(j), stride) }
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            #[cfg(target_arch = "x86_64")]
            if x86::pack4(lines, out, j, stride) {
                return;
            }
            pack4_portable(lines, out, j, stride)
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn pack8(lines: [&[f32]; 8], out: &mut [f32], j: usize, stride: usize) {
        if !x86::pack8(lines, out, j, stride) {
            let [l0, l1, l2, l3, l4, l5, l6, l7] = lines;
            pack4_portable([l0, l1, l2, l3], out, j, stride);
            pack4_portable([l4, l5, l6, l7], out, j + 4, stride);
        }
    }

    #[inline]
    fn pack2(lines: [&[f32]; 2], out: &mut [f32]) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            let kc = lines[0].len();
            assert!(lines[1].len() == kc && out.len() >= 2 * kc);
            // SAFETY: the assertion covers the kc floats read from each line and the 2·kc
            // floats written.
            unsafe { wasm_simd::pack2(lines.map(|c| c.as_ptr()), kc, out.as_mut_ptr()) }
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        pack2_portable(lines, out)
    }
}

/// Columns per pass of [`tile_portable`]: 8 of the native x86_64 tile's 32; the whole tile
/// elsewhere (the wasm builds' code is unchanged).
const STRIP: usize = if cfg!(target_arch = "x86_64") { 8 } else { NR };

/// Plain Rust micro-kernel: scalar code in the wasm scalar build, auto-vectorised natively.
///
/// The wide native x86_64 tile (6 × 32) is done a strip of [`STRIP`] columns at a time, each
/// strip a full pass over the `kc` steps: 192 accumulators at once were kept in memory by
/// LLVM and ran ~15× slower, 6 × 8 stays in registers. Each element still gets the same
/// sums in the same order, so the result does not depend on the strip width.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn tile_portable<T: Real>(
    kc: usize,
    a: &[T],
    b: &[T],
    c: &mut [T],
    ldc: usize,
    mr: usize,
    nr: usize,
    accumulate: bool,
) {
    if NR > STRIP {
        for j0 in (0..nr).step_by(STRIP) {
            let mut t = [[T::ZERO; STRIP]; MR];
            for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)).take(kc) {
                let bs = &bp[j0..j0 + STRIP];
                for r in 0..MR {
                    for j in 0..STRIP {
                        t[r][j] += ap[r] * bs[j];
                    }
                }
            }
            let w = STRIP.min(nr - j0);
            for (r, tr) in t.iter().enumerate().take(mr) {
                let row = &mut c[r * ldc + j0..r * ldc + j0 + w];
                for (dst, &v) in row.iter_mut().zip(tr.iter()) {
                    *dst = if accumulate { *dst + v } else { v };
                }
            }
        }
        return;
    }
    let mut t = [[T::ZERO; NR]; MR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)).take(kc) {
        for r in 0..MR {
            for j in 0..NR {
                t[r][j] += ap[r] * bp[j];
            }
        }
    }
    for (r, tr) in t.iter().enumerate().take(mr) {
        let row = &mut c[r * ldc..r * ldc + nr];
        for (dst, &v) in row.iter_mut().zip(tr.iter()) {
            *dst = if accumulate { *dst + v } else { v };
        }
    }
}
