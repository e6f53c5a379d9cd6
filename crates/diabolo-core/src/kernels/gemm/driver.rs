//! The blocked loops around the micro-kernel: `C = op(A)·op(B)` in `KC`-deep blocks of
//! packed panels, with an epilogue on each finished piece of `C`.

use super::kernel::Kernel;
use super::layout::{MatRef, Scratch, KC, MC, MR, NC, NR};
use super::pack::{pack_a, pack_b};

/// `C = A·B`, or `C += A·B` with `accumulate`. `C` is row-major `A.rows × B.cols` with rows
/// `ldc` apart.
pub fn gemm<T: Kernel>(
    a: MatRef<T>,
    b: MatRef<T>,
    c: &mut [T],
    ldc: usize,
    accumulate: bool,
    scratch: &mut Scratch<T>,
) {
    gemm_with_epilogue(a, b, c, ldc, accumulate, scratch, |_, _| {});
}

/// [`gemm`] that hands each finished piece of `C` to `epilogue(first_column, row_segment)`
/// while it is still in L1 (used to fuse bias and activation into the forward product).
/// Every element of `C` passes through the epilogue exactly once, after its last update.
pub fn gemm_with_epilogue<T: Kernel, F: FnMut(usize, &mut [T])>(
    a: MatRef<T>,
    b: MatRef<T>,
    c: &mut [T],
    ldc: usize,
    accumulate: bool,
    scratch: &mut Scratch<T>,
    mut epilogue: F,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(
        b.rows, k,
        "gemm: inner dimensions differ ({m}x{k} times {}x{n})",
        b.rows
    );
    assert!(ldc >= n, "gemm: ldc {ldc} < n {n}");
    if m == 0 || n == 0 {
        return;
    }
    assert!(c.len() >= (m - 1) * ldc + n, "gemm: C slice too short");
    if k == 0 {
        for i in 0..m {
            let row = &mut c[i * ldc..i * ldc + n];
            if !accumulate {
                row.fill(T::ZERO);
            }
            epilogue(0, row);
        }
        return;
    }
    // One row times a matrix whose columns are contiguous (X·Wᵀ for a single sample, as in
    // inference): dot products straight from the operands. Packing would copy all of W for
    // one row of output.
    if m == 1 && a.cs == 1 && b.rs == 1 {
        let row = &a.data[..k];
        let out = &mut c[..n];
        for (j, o) in out.iter_mut().enumerate() {
            let col = &b.data[j * b.cs..j * b.cs + k];
            let v = T::dot(row, col);
            *o = if accumulate { *o + v } else { v };
        }
        epilogue(0, out);
        return;
    }
    // K in equal blocks of at most KC: every block pays a tile epilogue (stores, and loads
    // of C after the first block), so no short last block.
    let kc_step = k.div_ceil(k.div_ceil(KC));
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(kc_step) {
            let kc = kc_step.min(k - pc);
            let last = pc + kc == k;
            pack_b(&b, pc, kc, jc, nc, &mut scratch.b);
            let acc = accumulate || pc > 0;
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                pack_a(&a, ic, mc, pc, kc, &mut scratch.a);
                for jr in (0..nc).step_by(NR) {
                    let nr = NR.min(nc - jr);
                    let bp = &scratch.b.as_slice()[(jr / NR) * NR * kc..][..NR * kc];
                    for ir in (0..mc).step_by(MR) {
                        let mr = MR.min(mc - ir);
                        let ap = &scratch.a.as_slice()[(ir / MR) * MR * kc..][..MR * kc];
                        let off = (ic + ir) * ldc + jc + jr;
                        T::tile(kc, ap, bp, &mut c[off..], ldc, mr, nr, acc);
                        if last {
                            for r in 0..mr {
                                epilogue(jc + jr, &mut c[off + r * ldc..off + r * ldc + nr]);
                            }
                        }
                    }
                }
            }
        }
    }
}
