//! Native column of `npm run bench:gemm`: the same GEMM workloads and kernels as the wasm
//! builds, timed here, printed as one JSON object. On x86_64 the f32 micro-kernel is chosen
//! at run time (AVX-512F, AVX2 + FMA, or the portable code; `DIABOLO_NATIVE_KERNEL` lowers
//! the choice) and named in the output's `kernel` field. The bench script builds with
//! `-C target-cpu=native`, which only matters to the portable code (LLVM vectorises it for
//! the machine's own width); the SIMD kernels are compiled for their features either way.

use diabolo_core::testing::bench::{GemmBench, GemmOp};
use std::hint::black_box;
use std::time::Instant;

/// Best time per repetition over `trials` trials of at least `min_s` seconds each.
fn best_seconds(mut f: impl FnMut(u32), trials: usize, min_s: f64) -> f64 {
    f(1);
    let mut reps = 1u32;
    loop {
        let t = Instant::now();
        f(reps);
        if t.elapsed().as_secs_f64() >= min_s / 4.0 {
            break;
        }
        reps *= 2;
    }
    let mut best = f64::INFINITY;
    for _ in 0..trials {
        let t = Instant::now();
        f(reps);
        best = best.min(t.elapsed().as_secs_f64() / reps as f64);
    }
    best
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (trials, min_s) = if quick { (2, 0.05) } else { (5, 0.2) };
    let mut rows = Vec::new();
    for op in GemmOp::ALL {
        for batch in [32, 128, 256] {
            for hidden in [64, 256, 512] {
                let mut b = GemmBench::new(op, batch, 784, hidden);
                let flops = b.flops();
                let s = best_seconds(
                    |r| {
                        black_box(b.run(r));
                    },
                    trials,
                    min_s,
                );
                let (m, k, n) = b.mkn();
                rows.push(format!(
                    "{{\"build\":\"native\",\"op\":\"{}\",\"m\":{m},\"k\":{k},\"n\":{n},\"gflops\":{:.3}}}",
                    op.name(),
                    flops / s / 1e9
                ));
            }
        }
    }
    println!(
        "{{\"kernel\":\"{}\",\"rows\":[{}]}}",
        diabolo_core::kernels::gemm::f32_kernel_name(),
        rows.join(",")
    );
}
