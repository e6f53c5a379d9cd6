//! Reconstruction losses. Each returns the batch loss (sum over features, mean over
//! samples) and writes its gradient with respect to the network output. Sums run in f64.

use crate::maths::elementary::{softplus, Elementary};
use crate::num::real::{Real, Sum};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `1/n Σ ‖x − x̂‖²`; the network output is `x̂` itself.
    Mse,
    /// Bernoulli log-likelihood from logits `a`: `1/n Σ softplus(a) − x·a`; the
    /// reconstruction is `σ(a)`.
    BceLogits,
}

impl Loss {
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::BceLogits => "bce",
        }
    }

    /// Loss of `n` samples of output `out` against targets `x`; the gradient with respect
    /// to `out` goes into `grad` (same layout).
    pub fn value_and_grad<T: Elementary>(self, out: &[T], x: &[T], n: usize, grad: &mut [T]) -> f64 {
        debug_assert!(out.len() == x.len() && grad.len() == x.len());
        let inv_n = T::from_f64(1.0 / n as f64);
        let mut total = Sum::default();
        match self {
            Loss::Mse => {
                let two_over_n = inv_n + inv_n;
                for ((g, &o), &t) in grad.iter_mut().zip(out).zip(x) {
                    let d = o - t;
                    total.add((d * d).to_f64());
                    *g = two_over_n * d;
                }
            }
            Loss::BceLogits => {
                // Element by element as in [`bce_logit`] (vectorised for f32). Each row is
                // summed in f64, the rows with compensation.
                let d = (out.len() / n.max(1)).max(1);
                for ((o, t), g) in out.chunks(d).zip(x.chunks(d)).zip(grad.chunks_mut(d)) {
                    total.add(T::bce_logits(o, t, inv_n, g));
                }
            }
        }
        total.value() / n as f64
    }

    /// The loss of one output element against its target.
    #[inline]
    pub fn element<T: Elementary>(self, out: T, target: T) -> f64 {
        match self {
            Loss::Mse => ((out - target) * (out - target)).to_f64(),
            Loss::BceLogits => (softplus(out) - target * out).to_f64(),
        }
    }

    /// Per-sample loss without gradient (for evaluation and anomaly scores).
    pub fn per_sample<T: Elementary>(self, out: &[T], x: &[T], features: usize, dst: &mut [f64]) {
        for ((o, t), d) in out
            .chunks_exact(features)
            .zip(x.chunks_exact(features))
            .zip(dst.iter_mut())
        {
            *d = o.iter().zip(t).map(|(&o, &t)| self.element(o, t)).sum();
        }
    }
}

pub use crate::maths::elementary::bce_logit;

/// Softmax cross-entropy of `n` rows of `classes` logits against integer labels, mean over
/// samples, through log-sum-exp (max subtracted). Writes `(softmax − onehot)/n` into `grad`.
/// Labels must be `< classes` (checked by callers at the API boundary).
pub fn softmax_cross_entropy<T: Real>(logits: &[T], labels: &[u32], classes: usize, grad: &mut [T]) -> f64 {
    let n = labels.len();
    let inv_n = 1.0 / n as f64;
    let mut total = Sum::default();
    for ((row, g), &label) in logits
        .chunks_exact(classes)
        .zip(grad.chunks_exact_mut(classes))
        .zip(labels)
    {
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v.to_f64()));
        let sum: f64 = row.iter().map(|&v| (v.to_f64() - max).exp()).sum();
        let lse = max + sum.ln();
        total.add(lse - row[label as usize].to_f64());
        for (j, (gv, &v)) in g.iter_mut().zip(row).enumerate() {
            let p = (v.to_f64() - lse).exp();
            *gv = T::from_f64((p - if j == label as usize { 1.0 } else { 0.0 }) * inv_n);
        }
    }
    total.value() * inv_n
}

/// Row-wise softmax probabilities.
pub fn softmax_rows<T: Real>(logits: &[T], classes: usize, out: &mut [T]) {
    for (row, o) in logits.chunks_exact(classes).zip(out.chunks_exact_mut(classes)) {
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v.to_f64()));
        let sum: f64 = row.iter().map(|&v| (v.to_f64() - max).exp()).sum();
        for (ov, &v) in o.iter_mut().zip(row) {
            *ov = T::from_f64((v.to_f64() - max).exp() / sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::activation::sigmoid;

    #[test]
    fn softmax_cross_entropy_matches_finite_differences_and_is_stable() {
        let logits = [0.3f64, -1.2, 2.0, 0.0, 5.0, -3.0, 1.0, 1.0, 1.0];
        let labels = [2u32, 0, 1];
        let mut g = [0.0; 9];
        let l = softmax_cross_entropy(&logits, &labels, 3, &mut g);
        assert!(l > 0.0);
        let eps = 1e-6;
        let mut tmp = [0.0; 9];
        for i in 0..9 {
            let (mut p, mut m) = (logits, logits);
            p[i] += eps;
            m[i] -= eps;
            let fd = (softmax_cross_entropy(&p, &labels, 3, &mut tmp)
                - softmax_cross_entropy(&m, &labels, 3, &mut tmp))
                / (2.0 * eps);
            assert!((fd - g[i]).abs() < 1e-8, "[{i}] fd {fd} vs {}", g[i]);
        }
        // Uniform logits: loss ln 3 per sample.
        let u = softmax_cross_entropy(&[7.0f64; 3], &[1], 3, &mut [0.0; 3]);
        assert!((u - 3f64.ln()).abs() < 1e-12);
        // Huge logits stay finite.
        let big = softmax_cross_entropy(&[1e4f32, -1e4, 0.0], &[1], 3, &mut [0.0; 3]);
        assert!((big - 2e4).abs() < 1.0, "{big}");
        let mut p = [0.0f64; 3];
        softmax_rows(&[1.0, 2.0, 3.0], 3, &mut p);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12 && p[2] > p[1]);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x = [0.0f64, 0.3, 1.0, 0.7, 0.5, 0.1];
        let out = [0.2f64, -1.0, 2.0, 0.4, 0.0, -3.0];
        let n = 2;
        for loss in [Loss::Mse, Loss::BceLogits] {
            let mut g = [0.0; 6];
            loss.value_and_grad(&out, &x, n, &mut g);
            let eps = 1e-6;
            for i in 0..out.len() {
                let mut p = out;
                let mut m = out;
                p[i] += eps;
                m[i] -= eps;
                let mut scratch = [0.0; 6];
                let fd = (loss.value_and_grad(&p, &x, n, &mut scratch) - loss.value_and_grad(&m, &x, n, &mut scratch))
                    / (2.0 * eps);
                assert!((fd - g[i]).abs() < 1e-8, "{loss:?} [{i}]: fd {fd} vs {}", g[i]);
            }
        }
    }

    #[test]
    fn per_sample_sums_to_batch_loss() {
        let x = [0.0f32, 1.0, 0.5, 0.5];
        let out = [0.5f32, 0.5, -1.0, 3.0];
        for loss in [Loss::Mse, Loss::BceLogits] {
            let mut g = [0.0; 4];
            let batch = loss.value_and_grad(&out, &x, 2, &mut g);
            let mut per = [0.0; 2];
            loss.per_sample(&out, &x, 2, &mut per);
            assert!(((per[0] + per[1]) / 2.0 - batch).abs() < 1e-12);
        }
    }

    #[test]
    fn fused_bce_equals_softplus_and_sigmoid_bit_for_bit() {
        let out: Vec<f32> = (-40..=40).map(|i| i as f32 * 0.37).collect();
        let x: Vec<f32> = (0..out.len()).map(|i| (i % 3) as f32 / 2.0).collect();
        let mut g = vec![0.0; out.len()];
        let total = Loss::BceLogits.value_and_grad(&out, &x, 1, &mut g);
        let mut want = crate::num::real::Sum::default();
        for ((&a, &t), &gv) in out.iter().zip(&x).zip(&g) {
            want.add((softplus(a) - t * a).to_f64());
            assert_eq!(gv.to_bits(), (sigmoid(a) - t).to_bits(), "a = {a}");
        }
        assert_eq!(total, want.value());
    }

    #[test]
    fn bce_is_stable_for_large_logits() {
        let mut g = [0.0f32; 2];
        let l = Loss::BceLogits.value_and_grad(&[80.0f32, -80.0], &[1.0, 0.0], 1, &mut g);
        assert!(l.is_finite() && l < 1e-6, "loss {l}");
        assert!(g.iter().all(|v| v.is_finite()));
    }
}
