//! KL sparsity `β Σ_j KL(ρ‖ρ̂_j)`, `ρ̂_j = 1/n Σ_i h_ij` (the mean activation of unit j over the
//! minibatch); its gradient w.r.t. `h_ij` is `β/n · (−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j))`, added to the
//! loss gradient w.r.t. the outputs (codes in (0, 1): sigmoid units).

use super::hooks::{Buffers, Penalty, PenaltyTerms};
use crate::kernels::gemm::Kernel;
use crate::num::real::Real;

/// KL sparsity settings: target mean activation `rho` ∈ (0, 1), weight `beta` ≥ 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sparsity {
    pub rho: f64,
    pub beta: f64,
}

impl<T: Kernel> Penalty<T> for Sparsity {
    fn term<'a>(&self, terms: &'a mut PenaltyTerms) -> &'a mut f64 {
        &mut terms.sparsity
    }

    fn on_output_delta(&self, h: &[T], n: usize, k: usize, dh: &mut [T], buf: &mut Buffers<T>) -> f64 {
        kl_sparsity(h, n, k, *self, dh, &mut buf.f64s)
    }
}

/// Mean activations are kept inside `[CLAMP, 1 − CLAMP]` so that a dead or saturated unit
/// gives a large but finite penalty and gradient instead of ±∞.
const CLAMP: f64 = 1e-6;

/// `KL(ρ‖ρ̂)` for Bernoulli means.
pub fn kl_bernoulli(rho: f64, rho_hat: f64) -> f64 {
    rho * (rho / rho_hat).ln() + (1.0 - rho) * ((1.0 - rho) / (1.0 - rho_hat)).ln()
}

/// Mean activation of each of the `k` units over `n` samples of `h` (in f64).
pub fn mean_activations<T: Real>(h: &[T], n: usize, k: usize, out: &mut [f64]) {
    out[..k].fill(0.0);
    for row in h[..n * k].chunks_exact(k) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v.to_f64();
        }
    }
    for o in &mut out[..k] {
        *o /= n as f64;
    }
}

/// KL sparsity of codes `h` (`n × k`); adds its gradient w.r.t. `h` into `dh`.
pub fn kl_sparsity<T: Real>(h: &[T], n: usize, k: usize, s: Sparsity, dh: &mut [T], rho_hat: &mut Vec<f64>) -> f64 {
    rho_hat.resize(k, 0.0);
    mean_activations(h, n, k, rho_hat);
    let mut value = 0.0;
    for r in rho_hat.iter_mut() {
        let clamped = r.clamp(CLAMP, 1.0 - CLAMP);
        value += kl_bernoulli(s.rho, clamped);
        // Store the per-unit gradient factor in place of ρ̂, ready for the broadcast below.
        *r = s.beta / n as f64 * (-s.rho / clamped + (1.0 - s.rho) / (1.0 - clamped));
    }
    let factors: Vec<T> = rho_hat.iter().map(|&f| T::from_f64(f)).collect();
    for row in dh[..n * k].chunks_exact_mut(k) {
        for (d, &f) in row.iter_mut().zip(&factors) {
            *d += f;
        }
    }
    s.beta * value
}
