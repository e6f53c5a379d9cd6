//! Arithmetic ceilings: tight multiply-add loops with independent accumulators and no
//! memory traffic. Benchmarks time these in the same run as the GEMMs and report each GEMM
//! as a fraction of them (the machine's speed moves from run to run; the fraction does not).

/// Independent accumulators: enough to cover the latency of an add on any current core.
const ACC: usize = 12;

/// Flops done by one iteration of [`mul_add_peak`] / [`relaxed_madd_peak`].
pub const FLOPS_PER_ITER: f64 = (ACC * 4 * 2) as f64;

/// `iters` rounds of `acc = acc·m + c` (separate multiply and add) on 12 four-lane vectors.
/// Returns a value depending on every accumulator so nothing is optimised away.
pub fn mul_add_peak(iters: u32, seed: f32) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        wasm::mul_add(iters, seed)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        let mut acc = [seed; ACC * 4];
        let (m, c) = (std::hint::black_box(0.999_f32), std::hint::black_box(1e-3_f32));
        for _ in 0..iters {
            for v in acc.iter_mut() {
                *v = *v * m + c;
            }
        }
        acc.iter().sum()
    }
}

/// The same loop with `f32x4.relaxed_madd` (FMA where the engine fuses it). `None` when this
/// binary was built without relaxed SIMD.
pub fn relaxed_madd_peak(iters: u32, seed: f32) -> Option<f32> {
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    {
        Some(wasm::relaxed_madd(iters, seed))
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "relaxed-simd")))]
    {
        let _ = (iters, seed);
        None
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use super::ACC;
    use core::arch::wasm32::*;

    #[inline(always)]
    fn run(iters: u32, seed: f32, step: impl Fn(v128, v128, v128) -> v128) -> f32 {
        let mut acc = [f32x4_splat(seed); ACC];
        let m = f32x4_splat(core::hint::black_box(0.999));
        let c = f32x4_splat(core::hint::black_box(1e-3));
        for _ in 0..iters {
            for a in acc.iter_mut() {
                *a = step(*a, m, c);
            }
        }
        let mut s = f32x4_splat(0.0);
        for a in acc {
            s = f32x4_add(s, a);
        }
        f32x4_extract_lane::<0>(s)
            + f32x4_extract_lane::<1>(s)
            + f32x4_extract_lane::<2>(s)
            + f32x4_extract_lane::<3>(s)
    }

    pub fn mul_add(iters: u32, seed: f32) -> f32 {
        run(iters, seed, |a, m, c| f32x4_add(f32x4_mul(a, m), c))
    }

    #[cfg(target_feature = "relaxed-simd")]
    pub fn relaxed_madd(iters: u32, seed: f32) -> f32 {
        run(iters, seed, |a, m, c| f32x4_relaxed_madd(a, m, c))
    }
}
