//! Packed, register-tiled matrix multiply: `C = op(A)·op(B)` (optionally `C +=`).
//!
//! The three products of training go through this one routine, differing only in the
//! strides of their operand views: forward `X·Wᵀ`, input gradient `dA·W`, weight gradient
//! `dAᵀ·X`. Transposition is absorbed by packing, so the micro-kernel always sees the
//! same layout (Goto/BLIS structure):
//!
//! - `B` is packed per `KC × NC` block into `NR`-wide column panels, k-major;
//! - `A` is packed per `MC × KC` block into `MR`-tall row panels, k-major;
//! - the micro-kernel keeps an `MR × NR` tile of `C` in registers for a whole `KC` run.
//!
//! `MR × NR = 4 × 8` f32 is eight `f32x4` accumulators: with one splat of `A` and two
//! loads of `B` per step it fits the 16 XMM registers V8 uses on x86. (The relaxed-SIMD
//! build uses 2 × 16; see [`MR`].)
//!
//! Every element of `C` is summed in the same order by every kernel (products added in
//! increasing `k`, one `KC` block after another), so the portable kernel, the native build
//! and the wasm `simd128` kernel give bit-identical results; only the relaxed-SIMD build,
//! whose multiply-add may be fused, rounds differently.

use crate::real::Real;

/// Rows of a register tile.
///
/// 4 × 8 (eight accumulators) for plain SIMD and scalar code. The relaxed build uses 2 × 16:
/// still eight accumulators (the FMA latency × throughput product), but two splats of A
/// instead of four per step. Measured under V8 on this x86: 4 × 8 with FMA ran at ~31–34
/// GFLOP/s, 2 × 16 at ~35–37, 3 × 12 the same; 5 × 8 and 6 × 8 spilled registers (LLVM
/// keeps several splats of A live) and fell to ~20–28. `bench/tiles.mjs` times hand-written
/// tiles for comparison: none beat ~42–44 GFLOP/s with FMA here.
pub const MR: usize = if RELAXED { 2 } else { 4 };
const RELAXED: bool = cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"));
/// Columns of a register tile.
pub const NR: usize = if RELAXED { 16 } else { 8 };
/// Largest depth of a packed block: a `KC × NR` panel of B (10–20 KiB) stays in L1. K is cut
/// into equal blocks of at most this depth (784 → 3 × 262, 512 → 2 × 256).
const KC: usize = 320;
/// Rows of a packed A block (64 KiB, L2-resident).
const MC: usize = 64;
/// Columns of a packed B block (1 MiB, L2-resident).
const NC: usize = 1024;

/// A read-only strided view of a matrix: element `(i, j)` is `data[i*rs + j*cs]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a, T: Copy> MatRef<'a, T> {
    /// A row-major `rows × cols` matrix. Panics if `data` is too short (a caller bug: the
    /// public entry points validate shapes before reaching here).
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        assert!(
            data.len() >= rows * cols,
            "matrix view {rows}x{cols} needs {} elements, slice has {}",
            rows * cols,
            data.len()
        );
        MatRef {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// The transposed view (no copy).
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    #[inline(always)]
    fn get(&self, i: usize, j: usize) -> T {
        self.data[i * self.rs + j * self.cs]
    }
}

/// 64 bytes of scalars, aligned to a cache line.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Line<T>([T; 16]);

/// A growable buffer whose start is cache-line aligned, so that every 16-byte load of a
/// packed panel stays inside one cache line (the allocator alone only promises 8 bytes,
/// and a misaligned panel was measured to cost up to half the kernel's speed).
#[derive(Clone, Debug, Default)]
struct AlignedBuf<T> {
    lines: Vec<Line<T>>,
    len: usize,
}

impl<T: Real> AlignedBuf<T> {
    /// Storage of `len` scalars holding whatever the previous use left (packing overwrites
    /// every element it reads later, and zeroes the padding of partial panels itself).
    fn reuse(&mut self, len: usize) -> &mut [T] {
        let lines = len.div_ceil(16);
        if self.lines.len() < lines {
            self.lines.resize(lines, Line([T::ZERO; 16]));
        }
        self.len = len;
        self.as_mut_slice()
    }

    fn as_slice(&self) -> &[T] {
        // SAFETY: `Line<T>` is `repr(C)` around `[T; 16]`, so the lines are `16·lines.len()`
        // contiguous initialised `T`s, of which the first `len` are used.
        unsafe { core::slice::from_raw_parts(self.lines.as_ptr() as *const T, self.len) }
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as in `as_slice`, with exclusive access through `&mut self`.
        unsafe { core::slice::from_raw_parts_mut(self.lines.as_mut_ptr() as *mut T, self.len) }
    }
}

/// Packing buffers, kept between calls so that training allocates nothing per minibatch.
#[derive(Clone, Debug, Default)]
pub struct Scratch<T> {
    a: AlignedBuf<T>,
    b: AlignedBuf<T>,
}

impl<T: Real> Scratch<T> {
    pub fn new() -> Self {
        Scratch {
            a: AlignedBuf {
                lines: Vec::new(),
                len: 0,
            },
            b: AlignedBuf {
                lines: Vec::new(),
                len: 0,
            },
        }
    }
}

/// A scalar type with a GEMM micro-kernel.
pub trait Kernel: Real {
    /// Multiply an `MR × kc` packed panel of A by a `kc × NR` packed panel of B and write
    /// (or, with `accumulate`, add) the top-left `mr × nr` of the product into `c`, whose
    /// rows are `ldc` apart.
    fn tile(kc: usize, a: &[Self], b: &[Self], c: &mut [Self], ldc: usize, mr: usize, nr: usize, accumulate: bool);

    /// `Σ a[p]·b[p]` over equal-length slices, in four interleaved partial sums (lane `l`
    /// takes `p ≡ l mod 4`, the tail goes to lanes 0, 1, 2 in order), reduced as
    /// `(s0 + s1) + (s2 + s3)`: every implementation adds in exactly this order.
    fn dot(a: &[Self], b: &[Self]) -> Self {
        dot_portable(a, b)
    }

    /// Packing transposes: source line `q` of `lines` (contiguous along k: a column of Wᵀ
    /// for B, a row of X for A) goes to `out[p·stride + j + q]` for every step `p`; four
    /// lines at a time.
    fn pack4(lines: [&[Self]; 4], out: &mut [Self], j: usize, stride: usize) {
        pack4_portable(lines, out, j, stride)
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
        tile_portable(kc, a, b, c, ldc, mr, nr, accumulate)
    }

    #[inline]
    fn dot(a: &[f32], b: &[f32]) -> f32 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            wasm_simd::dot(a, b)
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        dot_portable(a, b)
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
        pack4_portable(lines, out, j, stride)
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

/// Plain Rust micro-kernel: scalar code in the wasm scalar build, auto-vectorised natively.
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

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm_simd {
    use super::{MR, NR};
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

    /// [`super::dot_portable`]'s order with the four partial sums in one vector.
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

    /// [`super::pack4_portable`] with a 4 × 4 transpose in registers per four steps:
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

    /// [`super::pack2_portable`] four steps at a time: `out[2p + q] = lines[q][p]`.
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
}

/// Pack rows `i0..i0+mc`, depth `p0..p0+kc` of A into `MR`-tall k-major panels (the
/// padding rows of a partial panel are zero). A row-major A is read row by row, a
/// transposed one (dHᵀ in the weight gradient) column by column: contiguous runs either way.
fn pack_a<T: Kernel>(a: &MatRef<T>, i0: usize, mc: usize, p0: usize, kc: usize, buf: &mut AlignedBuf<T>) {
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
/// goes to `out[p·stride + q]` for every step `p` — four lines at a time, then one by one.
fn pack_lines<'a, T: Kernel>(line: impl Fn(usize) -> &'a [T], count: usize, out: &mut [T], stride: usize) {
    let mut q = 0;
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
fn pack_b<T: Kernel>(b: &MatRef<T>, p0: usize, kc: usize, j0: usize, nc: usize, buf: &mut AlignedBuf<T>) {
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

/// The textbook triple loop, in f64: the reference every kernel is tested against.
pub fn gemm_reference<T: Real>(a: MatRef<T>, b: MatRef<T>) -> Vec<f64> {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0;
            for p in 0..k {
                s += a.get(i, p).to_f64() * b.get(p, j).to_f64();
            }
            c[i * n + j] = s;
        }
    }
    c
}

/// Largest error, relative to the bound `1e-6·k + 1e-6`, of [`gemm`] against
/// [`gemm_reference`] over shapes that straddle every tile and block edge and all four
/// transpose combinations (≤ 1 passes). Public so that every wasm build can run it too.
pub fn self_test(seed: u64) -> f64 {
    let mut rng = crate::rng::Rng::new(seed);
    let mut random = |n: usize| (0..n).map(|_| rng.next_f32() * 2.0 - 1.0).collect::<Vec<f32>>();
    let shapes = [
        (1, 1, 1),
        (3, 5, 7),
        (4, 8, 8),
        (5, 9, 17),
        (2, 3, 33),
        (65, 257, 33),
        (128, 300, 1030),
        (7, 513, 9),
    ];
    let mut scratch = Scratch::new();
    let mut worst: f64 = 0.0;
    for &(m, k, n) in &shapes {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let (av, bv) = (random(m * k), random(k * n));
            let a = if ta {
                MatRef::row_major(&av, k, m).t()
            } else {
                MatRef::row_major(&av, m, k)
            };
            let b = if tb {
                MatRef::row_major(&bv, n, k).t()
            } else {
                MatRef::row_major(&bv, k, n)
            };
            let want = gemm_reference(a, b);
            let ldc = n + 3;
            let mut c = vec![f32::NAN; (m - 1) * ldc + n];
            gemm(a, b, &mut c, ldc, false, &mut scratch);
            for i in 0..m {
                for j in 0..n {
                    // f32 accumulation of k products of magnitude ≤ 1: error ≲ k·2⁻²⁴.
                    let err = (c[i * ldc + j] as f64 - want[i * n + j]).abs() / (1e-6 * k as f64 + 1e-6);
                    worst = worst.max(if err.is_nan() { f64::INFINITY } else { err });
                }
            }
            // Padding between rows is never touched.
            if m > 1 && !c[n].is_nan() {
                return f64::INFINITY;
            }
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random(n: usize, rng: &mut Rng) -> Vec<f32> {
        (0..n).map(|_| rng.next_f32() * 2.0 - 1.0).collect()
    }

    /// Every transpose combination, shapes that straddle every block and tile edge.
    #[test]
    fn matches_reference_for_all_layouts_and_edge_shapes() {
        let worst = self_test(11);
        assert!(worst <= 1.0, "worst error {worst} × bound");
    }

    #[test]
    fn accumulate_adds_to_existing_values() {
        let mut rng = Rng::new(5);
        let (m, k, n) = (9, 300, 13);
        let av = random(m * k, &mut rng);
        let bv = random(k * n, &mut rng);
        let a = MatRef::row_major(&av, m, k);
        let b = MatRef::row_major(&bv, k, n);
        let mut s = Scratch::new();
        let mut once = vec![0.0; m * n];
        gemm(a, b, &mut once, n, false, &mut s);
        let mut twice = once.clone();
        gemm(a, b, &mut twice, n, true, &mut s);
        for (o, t) in once.iter().zip(&twice) {
            assert!((2.0 * o - t).abs() <= 1e-5 * o.abs().max(1.0));
        }
    }

    #[test]
    fn epilogue_sees_every_element_once_after_its_last_update() {
        let mut rng = Rng::new(8);
        for &(m, k, n) in &[(5, 600, 19), (70, 3, 1030), (3, 0, 4)] {
            let av = random(m * k, &mut rng);
            let bv = random(k * n, &mut rng);
            let (a, b) = (MatRef::row_major(&av, m, k), MatRef::row_major(&bv, k, n));
            let mut plain = vec![0.0; m * n];
            gemm(a, b, &mut plain, n, false, &mut Scratch::new());
            let mut fused = vec![0.0; m * n];
            let mut calls = vec![0u8; n];
            gemm_with_epilogue(a, b, &mut fused, n, false, &mut Scratch::new(), |j0, seg| {
                for (j, v) in seg.iter_mut().enumerate() {
                    calls[j0 + j] += 1;
                    *v = 2.0 * *v + (j0 + j) as f32;
                }
            });
            assert!(calls.iter().all(|&c| c as usize == m), "({m},{k},{n}) {calls:?}");
            for i in 0..m {
                for j in 0..n {
                    assert_eq!(fused[i * n + j], 2.0 * plain[i * n + j] + j as f32);
                }
            }
        }
    }

    #[test]
    fn f64_kernel_is_exact_on_integers() {
        let a: Vec<f64> = (0..6).map(f64::from).collect();
        let b: Vec<f64> = (0..12).map(f64::from).collect();
        let mut c = vec![0.0; 8];
        gemm(
            MatRef::row_major(&a, 2, 3),
            MatRef::row_major(&b, 3, 4),
            &mut c,
            4,
            false,
            &mut Scratch::new(),
        );
        assert_eq!(c, vec![20.0, 23.0, 26.0, 29.0, 56.0, 68.0, 80.0, 92.0]);
    }
}
