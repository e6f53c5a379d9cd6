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
//! increasing `k`, one `KC` block after another), so the portable kernel and the wasm
//! `simd128` kernel give bit-identical results; the relaxed-SIMD build, whose multiply-add
//! may be fused, and the native x86_64 AVX2/AVX-512 kernels, whose multiply-add is fused,
//! round differently. Natively on x86_64 the tile is 6 × 32 (see [`MR`]) and the kernel is
//! chosen at run time ([`x86::chosen`]); `DIABOLO_NATIVE_KERNEL=portable` forces the
//! portable one, which is bit-identical to `simd128` (the order does not depend on the
//! tile shape).

mod driver;
mod kernel;
mod layout;
mod pack;
mod selftest;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm_simd;
#[cfg(target_arch = "x86_64")]
pub mod x86;

pub use driver::{gemm, gemm_with_epilogue};
pub use kernel::{dot_portable, pack2_portable, pack4_portable, tile_portable, Kernel};
pub use layout::{MatRef, Scratch, MR, NR};
pub use selftest::{gemm_reference, self_test};

/// The f32 micro-kernel this build and CPU run (for bench reports): `avx512f`, `avx2+fma`
/// or `portable` natively on x86_64 (see [`x86::chosen`]), `relaxed-simd` or `simd128` in
/// those wasm builds, `portable` elsewhere.
pub fn f32_kernel_name() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        x86::current().name()
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    {
        "relaxed-simd"
    }
    #[cfg(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        not(target_feature = "relaxed-simd")
    ))]
    {
        "simd128"
    }
    #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
    {
        "portable"
    }
}
