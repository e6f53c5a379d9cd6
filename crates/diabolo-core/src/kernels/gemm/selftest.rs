//! The GEMM against the textbook triple loop over every edge shape and layout: run by
//! `cargo test` and, through the binding's testing hooks, by every wasm build.

use crate::num::real::Real;
use crate::num::rng::Rng;

use super::driver::gemm;
use super::layout::{MatRef, Scratch};

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
    let mut rng = Rng::new(seed);
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
    use crate::kernels::gemm::gemm_with_epilogue;

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
