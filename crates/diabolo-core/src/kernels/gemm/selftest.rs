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

/// Every native x86_64 kernel this CPU can run, each forced in turn: against the f64
/// reference on edge shapes, strided and transposed views, `k = 1` and both `accumulate`
/// modes, and against each other (the two SIMD tiles bit for bit, the SIMD and portable
/// ones within the rounding bound, since FMA rounds once per step instead of twice).
#[cfg(target_arch = "x86_64")]
#[cfg(test)]
mod native_tests {
    use super::*;
    use crate::kernels::gemm::kernel::{dot_portable, pack4_portable};
    use crate::kernels::gemm::x86::{self, with_kernel, NativeKernel};
    use crate::kernels::gemm::Kernel;

    fn random(n: usize, rng: &mut Rng) -> Vec<f32> {
        (0..n).map(|_| rng.next_f32() * 2.0 - 1.0).collect()
    }

    fn kernels() -> Vec<NativeKernel> {
        let ks: Vec<_> = NativeKernel::ALL.into_iter().filter(|k| k.available()).collect();
        eprintln!(
            "native kernels tested: {:?}",
            ks.iter().map(|k| k.name()).collect::<Vec<_>>()
        );
        ks
    }

    /// A view of `rows × cols` in `data` with arbitrary strides (neither of them 1 when
    /// `general`, so packing takes its element-by-element branch).
    fn view(data: &[f32], rows: usize, cols: usize, layout: u8) -> MatRef<'_, f32> {
        match layout {
            0 => MatRef::row_major(data, rows, cols),
            1 => MatRef::row_major(data, cols, rows).t(),
            _ => MatRef {
                data,
                rows,
                cols,
                rs: 2 * cols + 1,
                cs: 2,
            },
        }
    }

    fn len(rows: usize, cols: usize, layout: u8) -> usize {
        if layout == 2 {
            rows * (2 * cols + 1) + 1
        } else {
            rows * cols
        }
    }

    /// `C` after `gemm` (with `accumulate`, onto `start`) on kernel `k`, rows `ldc` apart.
    #[allow(clippy::too_many_arguments)]
    fn run(k: NativeKernel, a: MatRef<f32>, b: MatRef<f32>, ldc: usize, start: &[f32], accumulate: bool) -> Vec<f32> {
        let mut c = start.to_vec();
        with_kernel(k, || gemm(a, b, &mut c, ldc, accumulate, &mut Scratch::new())).unwrap();
        c
    }

    #[test]
    fn every_native_kernel_passes_the_self_test() {
        for k in kernels() {
            let worst = with_kernel(k, || self_test(23)).unwrap();
            assert!(worst <= 1.0, "{}: worst error {worst} × bound", k.name());
        }
    }

    #[test]
    fn every_native_kernel_matches_the_reference_on_awkward_shapes() {
        let mut rng = Rng::new(31);
        let shapes = [
            (1, 1, 1),
            (1, 7, 40),
            (6, 1, 32),
            (7, 1, 33),
            (5, 3, 31),
            (6, 32, 32),
            (11, 17, 15),
            (13, 9, 16),
            (12, 8, 17),
            (97, 321, 65),
            (2, 650, 3),
            (100, 40, 1100),
        ];
        let ks = kernels();
        for &(m, kd, n) in &shapes {
            for (la, lb) in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 0), (0, 2)] {
                let (av, bv) = (random(len(m, kd, la), &mut rng), random(len(kd, n, lb), &mut rng));
                let (a, b) = (view(&av, m, kd, la), view(&bv, kd, n, lb));
                let want = gemm_reference(a, b);
                let ldc = n + 5;
                let mut start = random((m - 1) * ldc + n, &mut rng);
                // Padding between rows must survive untouched.
                for i in 0..m - 1 {
                    start[i * ldc + n..(i + 1) * ldc].fill(f32::NAN);
                }
                let bound = 1e-6 * kd as f64 + 1e-6;
                let mut outputs = Vec::new();
                for &k in &ks {
                    for accumulate in [false, true] {
                        let c = run(k, a, b, ldc, &start, accumulate);
                        for i in 0..m {
                            for j in 0..n {
                                let base = if accumulate { start[i * ldc + j] as f64 } else { 0.0 };
                                let err = (c[i * ldc + j] as f64 - base - want[i * n + j]).abs();
                                assert!(
                                    err <= bound,
                                    "{} ({m},{kd},{n}) layouts {la}/{lb} acc {accumulate} [{i},{j}]: err {err}",
                                    k.name()
                                );
                            }
                            if i + 1 < m {
                                assert!(c[i * ldc + n..(i + 1) * ldc].iter().all(|v| v.is_nan()));
                            }
                        }
                        outputs.push((k, accumulate, c));
                    }
                }
                // The AVX2 and AVX-512 tiles do the same fused operations in the same order.
                for (k1, acc1, c1) in &outputs {
                    for (k2, acc2, c2) in &outputs {
                        if acc1 == acc2 && *k1 != NativeKernel::Portable && *k2 != NativeKernel::Portable {
                            let same = c1.iter().zip(c2).all(|(x, y)| x.to_bits() == y.to_bits());
                            assert!(same, "{} and {} differ on ({m},{kd},{n})", k1.name(), k2.name());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn native_dot_matches_the_reference_and_the_portable_order_when_forced() {
        let mut rng = Rng::new(41);
        for n in (0..80).chain([255, 256, 257, 784, 1001]) {
            let (a, b) = (random(n, &mut rng), random(n, &mut rng));
            let want: f64 = a.iter().zip(&b).map(|(&x, &y)| x as f64 * y as f64).sum();
            for k in kernels() {
                let got = with_kernel(k, || <f32 as Kernel>::dot(&a, &b)).unwrap();
                assert!(
                    (got as f64 - want).abs() <= 1e-6 * n as f64 + 1e-6,
                    "{} n={n}",
                    k.name()
                );
                if k == NativeKernel::Portable {
                    assert_eq!(got.to_bits(), dot_portable(&a, &b).to_bits());
                }
            }
            // The m = 1 path of the GEMM goes through the dot product.
            let x = &a[..];
            if n > 0 {
                let mut c = [0.0f32; 3];
                let w = [b.clone(), b.clone(), b.clone()].concat();
                for k in kernels() {
                    let bm = MatRef::row_major(&w, 3, n).t();
                    c.fill(1.0);
                    with_kernel(k, || {
                        gemm(MatRef::row_major(x, 1, n), bm, &mut c, 3, true, &mut Scratch::new())
                    });
                    for v in c {
                        assert!(
                            (v as f64 - 1.0 - want).abs() <= 1e-6 * n as f64 + 1e-6,
                            "{} n={n}",
                            k.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn native_packing_equals_the_portable_packing() {
        let mut rng = Rng::new(43);
        for kc in [0, 1, 3, 7, 8, 9, 16, 23, 262] {
            let src: Vec<Vec<f32>> = (0..8).map(|_| random(kc, &mut rng)).collect();
            for (stride, j) in [(4, 0), (6, 2), (32, 0), (32, 8), (32, 28), (8, 0), (13, 5)] {
                let mut want = vec![f32::NAN; kc * stride + 8];
                let l4 = [&src[0][..], &src[1], &src[2], &src[3]];
                pack4_portable(l4, &mut want, j, stride);
                for k in kernels() {
                    let mut got = vec![f32::NAN; kc * stride + 8];
                    with_kernel(k, || <f32 as Kernel>::pack4(l4, &mut got, j, stride));
                    let same = got.iter().zip(&want).all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(same, "pack4 {} kc={kc} stride={stride} j={j}", k.name());
                }
                if j + 8 <= stride {
                    let l8: [&[f32]; 8] = core::array::from_fn(|q| &src[q][..]);
                    let mut want8 = vec![f32::NAN; kc * stride + 8];
                    pack4_portable(l4, &mut want8, j, stride);
                    pack4_portable([&src[4][..], &src[5], &src[6], &src[7]], &mut want8, j + 4, stride);
                    for k in kernels() {
                        let mut got = vec![f32::NAN; kc * stride + 8];
                        with_kernel(k, || <f32 as Kernel>::pack8(l8, &mut got, j, stride));
                        let same = got.iter().zip(&want8).all(|(x, y)| x.to_bits() == y.to_bits());
                        assert!(same, "pack8 {} kc={kc} stride={stride} j={j}", k.name());
                    }
                }
            }
        }
    }

    #[test]
    fn forcing_restores_the_previous_choice() {
        let before = x86::current();
        let inner = with_kernel(NativeKernel::Portable, || {
            with_kernel(NativeKernel::Portable, x86::current);
            x86::current()
        });
        assert_eq!(inner, Some(NativeKernel::Portable));
        assert_eq!(x86::current(), before);
        assert_eq!(before, x86::chosen());
    }
}
