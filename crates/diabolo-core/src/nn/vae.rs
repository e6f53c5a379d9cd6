//! The pieces of a variational autoencoder that are not dense layers: the
//! reparameterisation `z = μ + σ ⊙ ε` with `σ = exp(½ log σ²)`, `ε ~ N(0, I)`, and the
//! closed-form `KL(q(z|x) ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²)`, with their gradients.

use crate::num::real::Real;
use crate::num::rng::Rng;

/// Draw `ε ~ N(0, 1)` into `eps` and write `z = μ + exp(½ logvar)·ε`.
pub fn reparameterize<T: Real>(mu: &[T], logvar: &[T], eps: &mut [T], z: &mut [T], rng: &mut Rng) {
    for e in eps.iter_mut() {
        *e = T::from_f64(rng.normal());
    }
    reparameterize_with(mu, logvar, eps, z);
}

/// `z = μ + exp(½ logvar)·ε` for a given `ε`.
pub fn reparameterize_with<T: Real>(mu: &[T], logvar: &[T], eps: &[T], z: &mut [T]) {
    let half = T::from_f64(0.5);
    for (((zv, &m), &lv), &e) in z.iter_mut().zip(mu).zip(logvar).zip(eps) {
        *zv = m + (half * lv).exp() * e;
    }
}

/// Gradients w.r.t. `μ` and `logvar` of a loss whose gradient w.r.t. `z` is `dz`
/// (written, not added).
pub fn reparameterize_backward<T: Real>(logvar: &[T], eps: &[T], dz: &[T], dmu: &mut [T], dlogvar: &mut [T]) {
    let half = T::from_f64(0.5);
    for ((((dm, dl), &lv), &e), &g) in dmu.iter_mut().zip(dlogvar.iter_mut()).zip(logvar).zip(eps).zip(dz) {
        *dm = g;
        *dl = g * e * half * (half * lv).exp();
    }
}

/// `weight · 1/n Σ_samples KL(N(μ, σ²) ‖ N(0, I))`, adding its gradient into `dmu`, `dlogvar`.
pub fn kl_standard_normal<T: Real>(
    mu: &[T],
    logvar: &[T],
    n: usize,
    weight: f64,
    dmu: &mut [T],
    dlogvar: &mut [T],
) -> f64 {
    let scale = weight / n as f64;
    let (s, half) = (T::from_f64(scale), T::from_f64(0.5));
    let mut total = 0.0;
    for (((&m, &lv), dm), dl) in mu.iter().zip(logvar).zip(dmu.iter_mut()).zip(dlogvar.iter_mut()) {
        let (mf, lf) = (m.to_f64(), lv.to_f64());
        total += -0.5 * (1.0 + lf - mf * mf - lf.exp());
        *dm += s * m;
        *dl += s * half * (lv.exp() - T::ONE);
    }
    scale * total
}

/// `1/n Σ_samples KL(N(μ, σ²) ‖ N(0, I))` without gradient.
pub fn kl_value<T: Real>(mu: &[T], logvar: &[T], n: usize) -> f64 {
    let mut total = crate::num::real::Sum::default();
    for (&m, &lv) in mu.iter().zip(logvar) {
        let (mf, lf) = (m.to_f64(), lv.to_f64());
        total.add(-0.5 * (1.0 + lf - mf * mf - lf.exp()));
    }
    total.value() / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kl_and_reparameterisation_gradients_match_finite_differences() {
        let mut rng = Rng::new(4);
        let (n, z) = (3, 4);
        let mu: Vec<f64> = (0..n * z).map(|_| rng.normal()).collect();
        let lv: Vec<f64> = (0..n * z).map(|_| 0.5 * rng.normal()).collect();
        let eps: Vec<f64> = (0..n * z).map(|_| rng.normal()).collect();
        let w: Vec<f64> = (0..n * z).map(|_| rng.normal()).collect();
        // Loss = Σ w·z (a linear "decoder") + β·KL.
        let beta = 0.7;
        let loss = |mu: &[f64], lv: &[f64]| {
            let mut zz = vec![0.0; n * z];
            reparameterize_with(mu, lv, &eps, &mut zz);
            let lin: f64 = zz.iter().zip(&w).map(|(a, b)| a * b).sum();
            let (mut a, mut b) = (vec![0.0; n * z], vec![0.0; n * z]);
            lin + kl_standard_normal(mu, lv, n, beta, &mut a, &mut b)
        };
        let (mut dmu, mut dlv) = (vec![0.0; n * z], vec![0.0; n * z]);
        reparameterize_backward(&lv, &eps, &w, &mut dmu, &mut dlv);
        kl_standard_normal(&mu, &lv, n, beta, &mut dmu, &mut dlv);
        let e = 1e-6;
        for i in 0..n * z {
            let (mut p, mut m) = (mu.clone(), mu.clone());
            p[i] += e;
            m[i] -= e;
            let fd = (loss(&p, &lv) - loss(&m, &lv)) / (2.0 * e);
            assert!((fd - dmu[i]).abs() < 1e-7, "dmu[{i}] {fd} vs {}", dmu[i]);
            let (mut p, mut m) = (lv.clone(), lv.clone());
            p[i] += e;
            m[i] -= e;
            let fd = (loss(&mu, &p) - loss(&mu, &m)) / (2.0 * e);
            assert!((fd - dlv[i]).abs() < 1e-7, "dlogvar[{i}] {fd} vs {}", dlv[i]);
        }
    }

    #[test]
    fn kl_is_zero_at_the_prior_and_positive_elsewhere() {
        let (mut a, mut b) = ([0.0f64; 2], [0.0f64; 2]);
        assert_eq!(
            kl_standard_normal(&[0.0, 0.0], &[0.0, 0.0], 1, 1.0, &mut a, &mut b),
            0.0
        );
        assert!(kl_standard_normal(&[1.0, 0.0], &[0.0, -1.0], 1, 1.0, &mut a, &mut b) > 0.0);
    }

    #[test]
    fn samples_have_the_requested_moments() {
        let mut rng = Rng::new(8);
        let n = 100_000;
        let mu = vec![2.0f64; n];
        let lv = vec![(0.25f64).ln(); n]; // σ = 0.5
        let (mut eps, mut z) = (vec![0.0; n], vec![0.0; n]);
        reparameterize(&mu, &lv, &mut eps, &mut z, &mut rng);
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            (mean - 2.0).abs() < 0.01 && (var - 0.25).abs() < 0.01,
            "mean {mean} var {var}"
        );
    }
}
