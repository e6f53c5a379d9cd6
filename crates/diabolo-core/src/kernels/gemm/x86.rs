//! Native x86_64 f32 kernels: an AVX-512F and an AVX2 + FMA micro-kernel for the `MR × NR =
//! 6 × 32` tile, an AVX2 dot product and packing transpose, chosen once at run time from what
//! the CPU reports (the same binary runs on any x86_64; without AVX2 the portable code runs).
//!
//! Rounding: both SIMD micro-kernels add the products of each element of `C` in increasing
//! `k` like every other kernel, but with fused multiply-adds, so they round differently from
//! the portable kernel and the wasm `simd128` build (one rounding per step instead of two).
//! They do the same fused operations in the same order as each other, so the AVX2 and
//! AVX-512 kernels agree bit for bit. The AVX2 dot product uses 32 partial sums instead of
//! the reference four (see [`dot`]). Setting `DIABOLO_NATIVE_KERNEL=portable` (read once,
//! at the first GEMM) brings back the portable code, bit-identical to the `simd128` build.

use core::arch::x86_64::*;
use std::sync::atomic::{AtomicU8, Ordering};

use super::layout::{MR, NR};

/// The native f32 kernels, in increasing order of preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NativeKernel {
    /// The plain-Rust kernels of every build (auto-vectorised for the compile-time target).
    Portable = 1,
    /// 256-bit AVX2 lanes with FMA.
    Avx2Fma = 2,
    /// The 512-bit AVX-512F micro-kernel (dot product and packing stay on AVX2).
    Avx512 = 3,
}

impl NativeKernel {
    /// Every kernel, worst first.
    pub const ALL: [NativeKernel; 3] = [NativeKernel::Portable, NativeKernel::Avx2Fma, NativeKernel::Avx512];

    /// The name the benches print and `DIABOLO_NATIVE_KERNEL` accepts.
    pub fn name(self) -> &'static str {
        match self {
            NativeKernel::Portable => "portable",
            NativeKernel::Avx2Fma => "avx2+fma",
            NativeKernel::Avx512 => "avx512f",
        }
    }

    /// Whether this CPU can run the kernel (the AVX-512 one uses the AVX2 dot product and
    /// packing, so it needs AVX2 and FMA too).
    pub fn available(self) -> bool {
        match self {
            NativeKernel::Portable => true,
            NativeKernel::Avx2Fma => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            NativeKernel::Avx512 => NativeKernel::Avx2Fma.available() && is_x86_feature_detected!("avx512f"),
        }
    }

    fn parse(name: &str) -> Option<NativeKernel> {
        match name.trim().to_ascii_lowercase().as_str() {
            "portable" | "scalar" => Some(NativeKernel::Portable),
            "avx2" | "avx2+fma" | "fma" => Some(NativeKernel::Avx2Fma),
            "avx512" | "avx512f" => Some(NativeKernel::Avx512),
            _ => None,
        }
    }

    fn from_u8(v: u8) -> NativeKernel {
        match v {
            3 => NativeKernel::Avx512,
            2 => NativeKernel::Avx2Fma,
            _ => NativeKernel::Portable,
        }
    }
}

/// The process-wide choice, 0 until the first GEMM makes it. A race between two first calls
/// is harmless: both compute the same value.
static CHOSEN: AtomicU8 = AtomicU8::new(0);

/// The kernel this process uses: the best one the CPU supports, or the one named by the
/// environment variable `DIABOLO_NATIVE_KERNEL` (`portable`, `avx2`, `avx512`) if that is
/// lower. Asking for a kernel the CPU lacks gives the best it has; an unknown name is
/// reported once on stderr and ignored. Detection and the variable are read once.
#[inline]
pub fn chosen() -> NativeKernel {
    match CHOSEN.load(Ordering::Relaxed) {
        0 => choose(),
        v => NativeKernel::from_u8(v),
    }
}

/// The first call's detection, out of line (every tile call goes through [`chosen`]).
#[cold]
fn choose() -> NativeKernel {
    let k = detect();
    CHOSEN.store(k as u8, Ordering::Relaxed);
    k
}

fn detect() -> NativeKernel {
    let best = NativeKernel::ALL
        .into_iter()
        .rev()
        .find(|k| k.available())
        .unwrap_or(NativeKernel::Portable);
    match std::env::var("DIABOLO_NATIVE_KERNEL") {
        Ok(name) => match NativeKernel::parse(&name) {
            Some(k) => k.min(best),
            None => {
                eprintln!(
                    "diabolo: DIABOLO_NATIVE_KERNEL={name:?} is not portable, avx2 or avx512; using {}",
                    best.name()
                );
                best
            }
        },
        Err(_) => best,
    }
}

#[cfg(any(test, feature = "testing"))]
std::thread_local! {
    static FORCED: core::cell::Cell<Option<NativeKernel>> = const { core::cell::Cell::new(None) };
}

/// Runs `f` with this thread's f32 GEMM on kernel `k` instead of [`chosen`] (tests and
/// benches compare the kernels in one process this way; a thread-local, so that tests
/// running in parallel do not see each other's choice). `None`, without running `f`, if
/// the CPU lacks the kernel.
#[cfg(any(test, feature = "testing"))]
pub fn with_kernel<R>(k: NativeKernel, f: impl FnOnce() -> R) -> Option<R> {
    if !k.available() {
        return None;
    }
    /// Restores the previous choice even if `f` panics (a failing test must not leave the
    /// thread, which the test harness may reuse, on another kernel).
    struct Restore(Option<NativeKernel>);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.set(self.0);
        }
    }
    let _restore = Restore(FORCED.replace(Some(k)));
    Some(f())
}

/// The kernel the next f32 GEMM call on this thread runs.
#[inline]
pub fn current() -> NativeKernel {
    #[cfg(any(test, feature = "testing"))]
    if let Some(k) = FORCED.get() {
        return k;
    }
    chosen()
}

// The entry points below do nothing and return false (None) when the portable kernel is
// current: the caller in kernel.rs then runs the portable code itself (this module does not
// reach back into kernel.rs).

/// [`super::Kernel::tile`] for f32 on the current SIMD kernel; false if it is `Portable`.
#[allow(clippy::too_many_arguments)]
#[inline]
#[must_use]
pub fn tile(
    kc: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    mr: usize,
    nr: usize,
    accumulate: bool,
) -> bool {
    let k = current();
    if k == NativeKernel::Portable {
        return false;
    }
    assert!((1..=MR).contains(&mr) && (1..=NR).contains(&nr));
    assert!(a.len() >= MR * kc && b.len() >= NR * kc && c.len() >= (mr - 1) * ldc + nr);
    // SAFETY: the assertions cover every address the kernels read (MR·kc of A, NR·kc of B)
    // and every element of C they load or store (rows < mr, columns < nr); `current` only
    // returns a SIMD kernel that `NativeKernel::available` confirmed on this CPU.
    unsafe {
        match k {
            NativeKernel::Avx512 => tile_avx512(kc, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), ldc, mr, nr, accumulate),
            _ => tile_avx2(kc, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), ldc, mr, nr, accumulate),
        }
    }
    true
}

/// [`super::Kernel::dot`] for f32 on AVX2; `None` if the portable kernel is current.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> Option<f32> {
    if current() == NativeKernel::Portable {
        return None;
    }
    let n = a.len().min(b.len());
    // SAFETY: the kernel reads a[..n] and b[..n], inside both slices; AVX2 and FMA were
    // confirmed by `available` before `current` could return a SIMD kernel.
    Some(unsafe { dot_avx2(a.as_ptr(), b.as_ptr(), n) })
}

/// [`super::Kernel::pack4`] for f32 on AVX2; false if the portable kernel is current.
#[inline]
#[must_use]
pub fn pack4(lines: [&[f32]; 4], out: &mut [f32], j: usize, stride: usize) -> bool {
    if current() == NativeKernel::Portable {
        return false;
    }
    let kc = lines[0].len();
    assert!(lines.iter().all(|l| l.len() == kc) && j + 4 <= stride);
    assert!(kc == 0 || out.len() >= (kc - 1) * stride + j + 4);
    if kc > 0 {
        // SAFETY: the assertions cover the kc floats read from each line and the writes to
        // out[p·stride + j .. p·stride + j + 4] for p < kc; AVX2 was confirmed by `available`.
        unsafe { pack4_avx2(lines.map(|l| l.as_ptr()), kc, out.as_mut_ptr().add(j), stride) }
    }
    true
}

/// [`super::Kernel::pack8`] for f32 on AVX2; false if the portable kernel is current.
#[inline]
#[must_use]
pub fn pack8(lines: [&[f32]; 8], out: &mut [f32], j: usize, stride: usize) -> bool {
    if current() == NativeKernel::Portable {
        return false;
    }
    let kc = lines[0].len();
    assert!(lines.iter().all(|l| l.len() == kc) && j + 8 <= stride);
    assert!(kc == 0 || out.len() >= (kc - 1) * stride + j + 8);
    if kc > 0 {
        // SAFETY: the assertions cover the kc floats read from each line and the writes to
        // out[p·stride + j .. p·stride + j + 8] for p < kc; AVX2 was confirmed by `available`.
        unsafe { pack8_avx2(lines.map(|l| l.as_ptr()), kc, out.as_mut_ptr().add(j), stride) }
    }
    true
}

/// Lanes of a 256-bit vector; a tile row is four of them, an AVX2 half-tile row two.
const W: usize = 8;

/// The AVX2 tile: the 6 × 32 tile as two 6 × 16 halves, each a full pass over the `kc`
/// steps with twelve accumulators (twelve plus two vectors of B plus one broadcast of A fill
/// the sixteen YMM registers; the whole tile at once would spill). The second half reads the
/// same A panel again, from L1. Halves entirely right of `nr` are skipped.
///
/// # Safety
/// AVX2 and FMA; `a` readable for `MR·kc` floats, `b` for `NR·kc`; `c` row `r < mr` readable
/// and writable for its first `nr ≤ NR` floats, rows `ldc` apart.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2(
    kc: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
    mr: usize,
    nr: usize,
    accumulate: bool,
) {
    const HALF: usize = NR / 2;
    for h in 0..2 {
        let col0 = h * HALF;
        if col0 >= nr {
            break;
        }
        let mut t = [[_mm256_setzero_ps(); 2]; MR];
        let mut bp = b.add(col0);
        let mut ap = a;
        for _ in 0..kc {
            let b0 = _mm256_loadu_ps(bp);
            let b1 = _mm256_loadu_ps(bp.add(W));
            for (r, row) in t.iter_mut().enumerate() {
                let ar = _mm256_broadcast_ss(&*ap.add(r));
                row[0] = _mm256_fmadd_ps(ar, b0, row[0]);
                row[1] = _mm256_fmadd_ps(ar, b1, row[1]);
            }
            ap = ap.add(MR);
            bp = bp.add(NR);
        }
        for (r, row) in t.iter().enumerate().take(mr) {
            for (v, &acc) in row.iter().enumerate() {
                let first = col0 + v * W;
                if first >= nr {
                    break;
                }
                store_avx2(c.add(r * ldc + first), acc, nr - first, accumulate);
            }
        }
    }
}

/// Writes (or adds) the first `min(valid, 8)` lanes of `v` at `dst`: a plain store for a
/// whole vector, a masked one at the right edge of `C` (masked-off lanes are neither read
/// nor written, so they may lie past the end of the slice).
///
/// # Safety
/// AVX2; `dst` readable and writable for `min(valid, 8)` floats.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_avx2(dst: *mut f32, v: __m256, valid: usize, accumulate: bool) {
    if valid >= W {
        let v = if accumulate {
            _mm256_add_ps(_mm256_loadu_ps(dst), v)
        } else {
            v
        };
        _mm256_storeu_ps(dst, v);
    } else {
        let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid as i32), lane);
        let v = if accumulate {
            _mm256_add_ps(_mm256_maskload_ps(dst, mask), v)
        } else {
            v
        };
        _mm256_maskstore_ps(dst, mask, v);
    }
}

/// The AVX-512 tile: the whole 6 × 32 tile in twelve 512-bit accumulators (two loads of B
/// and six broadcasts of A per twelve FMAs), written back under lane masks so that edge
/// tiles need no spill.
///
/// # Safety
/// AVX-512F; the same pointer ranges as [`tile_avx2`].
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f")]
unsafe fn tile_avx512(
    kc: usize,
    mut a: *const f32,
    mut b: *const f32,
    c: *mut f32,
    ldc: usize,
    mr: usize,
    nr: usize,
    accumulate: bool,
) {
    const V: usize = 16;
    let mut t = [[_mm512_setzero_ps(); NR / V]; MR];
    for _ in 0..kc {
        let b0 = _mm512_loadu_ps(b);
        let b1 = _mm512_loadu_ps(b.add(V));
        for (r, row) in t.iter_mut().enumerate() {
            let ar = _mm512_set1_ps(*a.add(r));
            row[0] = _mm512_fmadd_ps(ar, b0, row[0]);
            row[1] = _mm512_fmadd_ps(ar, b1, row[1]);
        }
        a = a.add(MR);
        b = b.add(NR);
    }
    // Lane masks of the two vectors of a row: all ones inside the tile, the first nr - 16·v
    // lanes at the right edge, none past it.
    let mask = |v: usize| -> __mmask16 {
        let valid = nr.saturating_sub(v * V).min(V);
        ((1u32 << valid) - 1) as __mmask16
    };
    let masks = [mask(0), mask(1)];
    for (r, row) in t.iter().enumerate().take(mr) {
        for (v, (&acc, &m)) in row.iter().zip(&masks).enumerate() {
            if m == 0 {
                break;
            }
            let dst = c.add(r * ldc + v * V);
            let out = if accumulate {
                _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst), acc)
            } else {
                acc
            };
            _mm512_mask_storeu_ps(dst, m, out);
        }
    }
}

/// The AVX2 dot product: 32 partial sums (four vectors, for four independent FMA chains),
/// lane `l` of vector `v` taking `p ≡ 8v + l mod 32`; a tail of whole vectors goes to vector
/// 0. The vectors are reduced as `(s0 + s1) + (s2 + s3)`, the lanes of the result by halving,
/// `((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))`, and the last `n mod 8` products are
/// added to that total in order. A fixed order, but not the portable one.
///
/// # Safety
/// AVX2 and FMA; `a` and `b` readable for `n` floats.
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2(a: *const f32, b: *const f32, n: usize) -> f32 {
    let mut s = [_mm256_setzero_ps(); 4];
    let mut p = 0;
    while p + 4 * W <= n {
        for (v, acc) in s.iter_mut().enumerate() {
            let q = p + v * W;
            *acc = _mm256_fmadd_ps(_mm256_loadu_ps(a.add(q)), _mm256_loadu_ps(b.add(q)), *acc);
        }
        p += 4 * W;
    }
    while p + W <= n {
        s[0] = _mm256_fmadd_ps(_mm256_loadu_ps(a.add(p)), _mm256_loadu_ps(b.add(p)), s[0]);
        p += W;
    }
    let v = _mm256_add_ps(_mm256_add_ps(s[0], s[1]), _mm256_add_ps(s[2], s[3]));
    let q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    let q = _mm_add_ss(q, _mm_shuffle_ps::<1>(q, q));
    let mut total = _mm_cvtss_f32(q);
    while p < n {
        total += *a.add(p) * *b.add(p);
        p += 1;
    }
    total
}

/// [`super::kernel::pack4_portable`] eight steps at a time: the four lines' next eight floats go through a
/// 4 × 4 transpose in each 128-bit half of the registers, and each half is stored as one
/// step's four packed values (`out[p·stride + q] = lines[q][p]`, `out` already offset by j).
///
/// # Safety
/// AVX2; each line readable for `kc` floats; `out[p·stride .. p·stride + 4]` writable for
/// every `p < kc`.
#[target_feature(enable = "avx2")]
unsafe fn pack4_avx2(lines: [*const f32; 4], kc: usize, out: *mut f32, stride: usize) {
    let [l0, l1, l2, l3] = lines;
    let mut p = 0;
    while p + W <= kc {
        let (r0, r1) = (_mm256_loadu_ps(l0.add(p)), _mm256_loadu_ps(l1.add(p)));
        let (r2, r3) = (_mm256_loadu_ps(l2.add(p)), _mm256_loadu_ps(l3.add(p)));
        // Interleave lines 0/1 and 2/3, then take pairs: vector t holds step p + t in its
        // low half and step p + 4 + t in its high half.
        let (lo01, hi01) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
        let (lo23, hi23) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
        let steps = [
            _mm256_shuffle_ps::<0x44>(lo01, lo23),
            _mm256_shuffle_ps::<0xEE>(lo01, lo23),
            _mm256_shuffle_ps::<0x44>(hi01, hi23),
            _mm256_shuffle_ps::<0xEE>(hi01, hi23),
        ];
        for (t, &v) in steps.iter().enumerate() {
            _mm_storeu_ps(out.add((p + t) * stride), _mm256_castps256_ps128(v));
            _mm_storeu_ps(out.add((p + 4 + t) * stride), _mm256_extractf128_ps::<1>(v));
        }
        p += W;
    }
    while p < kc {
        for (q, l) in lines.iter().enumerate() {
            *out.add(p * stride + q) = *l.add(p);
        }
        p += 1;
    }
}

/// [`pack4_avx2`] on eight lines: an 8 × 8 transpose per eight steps (the 4 × 4 one on
/// lines 0–3 and on lines 4–7, then the 128-bit halves recombined), so each step's eight
/// packed values go out as one 32-byte store.
///
/// # Safety
/// AVX2; each line readable for `kc` floats; `out[p·stride .. p·stride + 8]` writable for
/// every `p < kc`.
#[target_feature(enable = "avx2")]
unsafe fn pack8_avx2(lines: [*const f32; 8], kc: usize, out: *mut f32, stride: usize) {
    /// Steps p..p+4 of four lines in the low halves, p+4..p+8 in the high halves.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn quad(l: &[*const f32], p: usize) -> [__m256; 4] {
        let (r0, r1) = (_mm256_loadu_ps(l[0].add(p)), _mm256_loadu_ps(l[1].add(p)));
        let (r2, r3) = (_mm256_loadu_ps(l[2].add(p)), _mm256_loadu_ps(l[3].add(p)));
        let (lo01, hi01) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
        let (lo23, hi23) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
        [
            _mm256_shuffle_ps::<0x44>(lo01, lo23),
            _mm256_shuffle_ps::<0xEE>(lo01, lo23),
            _mm256_shuffle_ps::<0x44>(hi01, hi23),
            _mm256_shuffle_ps::<0xEE>(hi01, hi23),
        ]
    }
    let mut p = 0;
    while p + W <= kc {
        let (first, second) = (quad(&lines[..4], p), quad(&lines[4..], p));
        for t in 0..4 {
            let (x, y) = (first[t], second[t]);
            _mm256_storeu_ps(out.add((p + t) * stride), _mm256_permute2f128_ps::<0x20>(x, y));
            _mm256_storeu_ps(out.add((p + 4 + t) * stride), _mm256_permute2f128_ps::<0x31>(x, y));
        }
        p += W;
    }
    while p < kc {
        for (q, l) in lines.iter().enumerate() {
            *out.add(p * stride + q) = *l.add(p);
        }
        p += 1;
    }
}
