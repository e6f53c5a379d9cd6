//! Packing: blocks of A and B copied into k-major panels of `MR` rows and `NR` columns, so
//! the micro-kernel reads both operands contiguously whatever their strides (the transposes
//! of training's three products are absorbed here).

use super::kernel::Kernel;
use super::layout::{AlignedBuf, MatRef, MR, NR};

/// Pack rows `i0..i0+mc`, depth `p0..p0+kc` of A into `MR`-tall k-major panels (the
/// padding rows of a partial panel are zero). A row-major A is read row by row, a
/// transposed one (dHᵀ in the weight gradient) column by column: contiguous runs either way.
pub(super) fn pack_a<T: Kernel>(a: &MatRef<T>, i0: usize, mc: usize, p0: usize, kc: usize, buf: &mut AlignedBuf<T>) {
    let panels = mc.div_ceil(MR);
    let dst = buf.reuse(panels * MR * kc);
    for (panel, out) in dst.chunks_exact_mut(MR * kc).enumerate() {
        let r0 = i0 + panel * MR;
        let rows = MR.min(i0 + mc - r0);
        if rows < MR {
            out.fill(T::ZERO);
        }
        if a.cs == 1 {
            pack_lines(|r| &a.data[(r0 + r) * a.rs + p0..][..kc], rows, out, MR);
        } else if a.rs == 1 {
            for (p, dst) in out.chunks_exact_mut(MR).enumerate() {
                dst[..rows].copy_from_slice(&a.data[(p0 + p) * a.cs + r0..][..rows]);
            }
        } else {
            for r in 0..rows {
                for p in 0..kc {
                    out[p * MR + r] = a.get(r0 + r, p0 + p);
                }
            }
        }
    }
}

/// The transposing pack: line `q < count` (contiguous along k: a row of A, a column of B)
/// goes to `out[p·stride + q]` for every step `p` — eight lines at a time natively on x86_64
/// (its 32-wide B panels), then four, then one by one. (The wasm builds, whose `pack8` would
/// be two `pack4` calls anyway, keep the four-at-a-time loop alone.)
fn pack_lines<'a, T: Kernel>(line: impl Fn(usize) -> &'a [T], count: usize, out: &mut [T], stride: usize) {
    let mut q = 0;
    while cfg!(target_arch = "x86_64") && q + 8 <= count {
        let l = [0, 1, 2, 3, 4, 5, 6, 7].map(|i| line(q + i));
        T::pack8(l, out, q, stride);
        q += 8;
    }
    while q + 4 <= count {
        T::pack4([line(q), line(q + 1), line(q + 2), line(q + 3)], out, q, stride);
        q += 4;
    }
    if stride == 2 && count == 2 {
        T::pack2([line(0), line(1)], out);
        return;
    }
    for q in q..count {
        for (p, &v) in line(q).iter().enumerate() {
            out[p * stride + q] = v;
        }
    }
}

/// Pack depth `p0..p0+kc`, columns `j0..j0+nc` of B into `NR`-wide k-major panels (the
/// padding columns of a partial panel are zero). A row-major B (W in the input gradient, X
/// in the weight gradient) is copied a row segment at a time; a transposed one (Wᵀ in the
/// forward product) is read along W's rows, which are its columns.
pub(super) fn pack_b<T: Kernel>(b: &MatRef<T>, p0: usize, kc: usize, j0: usize, nc: usize, buf: &mut AlignedBuf<T>) {
    let panels = nc.div_ceil(NR);
    let dst = buf.reuse(panels * NR * kc);
    for (panel, out) in dst.chunks_exact_mut(NR * kc).enumerate() {
        let c0 = j0 + panel * NR;
        let cols = NR.min(j0 + nc - c0);
        if cols < NR {
            out.fill(T::ZERO);
        }
        if b.cs == 1 {
            for (p, dst) in out.chunks_exact_mut(NR).enumerate() {
                dst[..cols].copy_from_slice(&b.data[(p0 + p) * b.rs + c0..][..cols]);
            }
        } else if b.rs == 1 {
            pack_lines(|j| &b.data[(c0 + j) * b.cs + p0..][..kc], cols, out, NR);
        } else {
            for p in 0..kc {
                for j in 0..cols {
                    out[p * NR + j] = b.get(p0 + p, c0 + j);
                }
            }
        }
    }
}
