//! The f32 micro-kernel, dot product and packing transposes on wasm `simd128` lanes: the
//! portable code's operations in the same order (built only for wasm32 with `simd128`).

use super::layout::{MR, NR};
use core::arch::wasm32::*;

/// `c + a·b` lane-wise: fused where the engine fuses relaxed madd, two roundings otherwise.
#[inline(always)]
fn madd(a: v128, b: v128, c: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(a, b, c)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(c, f32x4_mul(a, b))
    }
}

/// [`super::kernel::dot_portable`]'s order with the four partial sums in one vector.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let mut acc = f32x4_splat(0.0);
    let mut p = 0;
    while p + 4 <= n {
        // SAFETY: p + 4 ≤ n ≤ both lengths.
        let (x, y) = unsafe {
            (
                v128_load(a.as_ptr().add(p) as *const v128),
                v128_load(b.as_ptr().add(p) as *const v128),
            )
        };
        acc = madd(x, y, acc);
        p += 4;
    }
    let mut s = [
        f32x4_extract_lane::<0>(acc),
        f32x4_extract_lane::<1>(acc),
        f32x4_extract_lane::<2>(acc),
        f32x4_extract_lane::<3>(acc),
    ];
    for (l, q) in (p..n).enumerate() {
        s[l] += a[q] * b[q];
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// [`super::kernel::pack4_portable`] with a 4 × 4 transpose in registers per four steps:
/// `out[p·stride + q] = lines[q][p]` for `p < kc`.
pub unsafe fn pack4(lines: [*const f32; 4], kc: usize, out: *mut f32, stride: usize) {
    let [c0, c1, c2, c3] = lines;
    let mut p = 0;
    while p + 4 <= kc {
        let r0 = v128_load(c0.add(p) as *const v128);
        let r1 = v128_load(c1.add(p) as *const v128);
        let r2 = v128_load(c2.add(p) as *const v128);
        let r3 = v128_load(c3.add(p) as *const v128);
        // Interleave pairs of columns, then pairs of pairs: row t holds step p + t.
        let lo01 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
        let lo23 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
        let hi01 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
        let hi23 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
        v128_store(out.add(p * stride) as *mut v128, i64x2_shuffle::<0, 2>(lo01, lo23));
        v128_store(
            out.add((p + 1) * stride) as *mut v128,
            i64x2_shuffle::<1, 3>(lo01, lo23),
        );
        v128_store(
            out.add((p + 2) * stride) as *mut v128,
            i64x2_shuffle::<0, 2>(hi01, hi23),
        );
        v128_store(
            out.add((p + 3) * stride) as *mut v128,
            i64x2_shuffle::<1, 3>(hi01, hi23),
        );
        p += 4;
    }
    while p < kc {
        for (q, c) in lines.iter().enumerate() {
            *out.add(p * stride + q) = *c.add(p);
        }
        p += 1;
    }
}

/// [`super::kernel::pack2_portable`] four steps at a time: `out[2p + q] = lines[q][p]`.
pub unsafe fn pack2(lines: [*const f32; 2], kc: usize, out: *mut f32) {
    let [c0, c1] = lines;
    let mut p = 0;
    while p + 4 <= kc {
        let r0 = v128_load(c0.add(p) as *const v128);
        let r1 = v128_load(c1.add(p) as *const v128);
        v128_store(out.add(2 * p) as *mut v128, i32x4_shuffle::<0, 4, 1, 5>(r0, r1));
        v128_store(out.add(2 * p + 4) as *mut v128, i32x4_shuffle::<2, 6, 3, 7>(r0, r1));
        p += 4;
    }
    while p < kc {
        *out.add(2 * p) = *c0.add(p);
        *out.add(2 * p + 1) = *c1.add(p);
        p += 1;
    }
}

/// Vectors per tile row.
const NV: usize = NR / 4;

#[inline(always)]
unsafe fn store_row(dst: *mut f32, row: &[v128; NV], accumulate: bool) {
    for (i, &v) in row.iter().enumerate() {
        let p = dst.add(4 * i) as *mut v128;
        v128_store(p, if accumulate { f32x4_add(v128_load(p), v) } else { v });
    }
}

/// `MR × NR` register tile: `MR·NR/4` accumulators, one `load32_splat` of A per row and
/// `NR/4` loads of B per step of k.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub unsafe fn tile(
    kc: usize,
    mut a: *const f32,
    mut b: *const f32,
    c: *mut f32,
    ldc: usize,
    mr: usize,
    nr: usize,
    accumulate: bool,
) {
    let mut t = [[f32x4_splat(0.0); NV]; MR];
    for _ in 0..kc {
        let mut bv = [f32x4_splat(0.0); NV];
        for (i, v) in bv.iter_mut().enumerate() {
            *v = v128_load(b.add(4 * i) as *const v128);
        }
        for (r, row) in t.iter_mut().enumerate() {
            let ar = v128_load32_splat(a.add(r) as *const u32);
            for (acc, &bvi) in row.iter_mut().zip(&bv) {
                *acc = madd(ar, bvi, *acc);
            }
        }
        a = a.add(MR);
        b = b.add(NR);
    }
    if mr == MR && nr == NR {
        for (r, row) in t.iter().enumerate() {
            store_row(c.add(r * ldc), row, accumulate);
        }
    } else {
        // Edge tile: spill to the stack, then copy the valid part.
        let mut spill = [0.0f32; MR * NR];
        let sp = spill.as_mut_ptr();
        for (r, row) in t.iter().enumerate() {
            store_row(sp.add(r * NR), row, false);
        }
        for r in 0..mr {
            for j in 0..nr {
                let dst = c.add(r * ldc + j);
                let v = spill[r * NR + j];
                *dst = if accumulate { *dst + v } else { v };
            }
        }
    }
}
