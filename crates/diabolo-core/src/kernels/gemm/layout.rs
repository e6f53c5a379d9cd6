//! Tile and block sizes, the strided matrix views the GEMM reads, and its packing buffers.

use crate::num::real::Real;

/// Rows of a register tile.
///
/// 4 × 8 (eight accumulators) for plain SIMD and scalar code. The relaxed build uses 2 × 16:
/// still eight accumulators (the FMA latency × throughput product), but two splats of A
/// instead of four per step. Measured under V8 on this x86: 4 × 8 with FMA ran at ~31–34
/// GFLOP/s, 2 × 16 at ~35–37, 3 × 12 the same; 5 × 8 and 6 × 8 spilled registers (LLVM
/// keeps several splats of A live) and fell to ~20–28. `bench/tiles.mjs` times hand-written
/// tiles for comparison: none beat ~42–44 GFLOP/s with FMA here.
///
/// Native x86_64 uses 6 × 32, whatever the CPU turns out to support at run time (the tile
/// shape fixes the packing, which is compiled once): twelve 512-bit accumulators for the
/// AVX-512 kernel (two loads of B and six broadcasts of A per twelve FMAs, enough
/// independent chains to cover the FMA latency on both ports), and for the AVX2 kernel two
/// 6 × 16 halves of twelve 256-bit accumulators each, which fit the 16 YMM registers with
/// the two loads of B and one broadcast. The portable fallback uses the same shape.
pub const MR: usize = if RELAXED {
    2
} else if X86 {
    6
} else {
    4
};
const RELAXED: bool = cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"));
const X86: bool = cfg!(target_arch = "x86_64");
/// Columns of a register tile.
pub const NR: usize = if RELAXED {
    16
} else if X86 {
    32
} else {
    8
};
/// Largest depth of a packed block: a `KC × NR` panel of B (10–20 KiB) stays in L1. K is cut
/// into equal blocks of at most this depth (784 → 3 × 262, 512 → 2 × 256).
pub(super) const KC: usize = 320;
/// Rows of a packed A block (64 KiB, L2-resident). 96 natively on x86_64, a whole number of
/// 6-row panels: 64 would leave a partial panel in every block.
pub(super) const MC: usize = if X86 { 96 } else { 64 };
/// Columns of a packed B block (1 MiB, L2-resident).
pub(super) const NC: usize = 1024;

/// A read-only strided view of a matrix: element `(i, j)` is `data[i*rs + j*cs]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    pub(super) data: &'a [T],
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) rs: usize,
    pub(super) cs: usize,
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
    pub(super) fn get(&self, i: usize, j: usize) -> T {
        self.data[i * self.rs + j * self.cs]
    }
}

/// 64 bytes of scalars, aligned to a cache line.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(super) struct Line<T>([T; 16]);

/// A growable buffer whose start is cache-line aligned, so that every 16-byte load of a
/// packed panel stays inside one cache line (the allocator alone only promises 8 bytes,
/// and a misaligned panel was measured to cost up to half the kernel's speed).
#[derive(Clone, Debug, Default)]
pub(super) struct AlignedBuf<T> {
    lines: Vec<Line<T>>,
    len: usize,
}

impl<T: Real> AlignedBuf<T> {
    /// Storage of `len` scalars holding whatever the previous use left (packing overwrites
    /// every element it reads later, and zeroes the padding of partial panels itself).
    pub(super) fn reuse(&mut self, len: usize) -> &mut [T] {
        let lines = len.div_ceil(16);
        if self.lines.len() < lines {
            self.lines.resize(lines, Line([T::ZERO; 16]));
        }
        self.len = len;
        self.as_mut_slice()
    }

    pub(super) fn as_slice(&self) -> &[T] {
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
    pub(super) a: AlignedBuf<T>,
    pub(super) b: AlignedBuf<T>,
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
