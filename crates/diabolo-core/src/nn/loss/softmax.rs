//! Softmax cross-entropy from logits against integer labels (the classifier's loss; not a
//! reconstruction loss of the registry).

use crate::num::real::{Real, Sum};

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
}
