//! Penalties on a dense layer, each returning its value and adding its gradient where the
//! layer's backward pass picks it up. They compose: one layer may carry sparsity,
//! contraction and weight decay at once (denoising acts on the input, not here).
//!
//! With `h = s(a)`, `a = x·Wᵀ + b` on a minibatch of `n` samples:
//! - **KL sparsity** `β Σ_j KL(ρ‖ρ̂_j)`, `ρ̂_j = 1/n Σ_i h_ij`; gradient w.r.t. `h_ij`
//!   `β/n · (−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j))`.
//! - **Contractive** `λ/n Σ_i ‖J_f(x_i)‖_F²` with `J_f = ∂h/∂x`, which for an element-wise
//!   activation is `Σ_j s′(a_ij)² q_j`, `q_j = ‖W_j‖²` (row j of W). Its gradient has two
//!   parts: through the activation, `∂/∂a_ij = λ/n · 2 s′ s″ q_j`, which joins the
//!   pre-activation gradient (and so reaches `W`, `b` and `x` through the layer's own
//!   GEMMs), and through `q_j` directly, `∂/∂W_jk = c_j W_jk` with `c_j = 2λ/n Σ_i s′(a_ij)²`.
//! - **L2 weight decay** `λ/2 ‖W‖²` (biases are not decayed); gradient `λ W`.

use crate::error::{Error, Result};
use crate::kernels::gemm::Kernel;
use crate::nn::activation::Activation;
use crate::num::real::Real;

/// KL sparsity settings: target mean activation `rho` ∈ (0, 1), weight `beta` ≥ 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sparsity {
    pub rho: f64,
    pub beta: f64,
}

/// The penalties attached to one layer. All zero / `None` means none.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerPenalties {
    /// L2 weight decay λ (on W, not b).
    pub l2: f64,
    pub sparsity: Option<Sparsity>,
    /// Contractive weight λ.
    pub contractive: f64,
}

impl LayerPenalties {
    pub fn validate(&self) -> Result<()> {
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(Error::invalid("l2", self.l2, "a finite number ≥ 0"));
        }
        if !(self.contractive.is_finite() && self.contractive >= 0.0) {
            return Err(Error::invalid("contractive", self.contractive, "a finite number ≥ 0"));
        }
        if let Some(s) = self.sparsity {
            if !(s.rho > 0.0 && s.rho < 1.0) {
                return Err(Error::invalid("sparsity.rho", s.rho, "a number in (0, 1)"));
            }
            if !(s.beta.is_finite() && s.beta >= 0.0) {
                return Err(Error::invalid("sparsity.beta", s.beta, "a finite number ≥ 0"));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.l2 == 0.0 && self.sparsity.is_none() && self.contractive == 0.0
    }
}

/// The value of each penalty on one minibatch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PenaltyTerms {
    pub sparsity: f64,
    pub contractive: f64,
    pub l2: f64,
}

impl PenaltyTerms {
    pub fn total(&self) -> f64 {
        self.sparsity + self.contractive + self.l2
    }

    pub fn add(&mut self, other: PenaltyTerms) {
        self.sparsity += other.sparsity;
        self.contractive += other.contractive;
        self.l2 += other.l2;
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

/// What the contractive penalty reads of a dense layer: its weights (`outputs × inputs`,
/// row-major) and its activation. (The layer builds it: penalties do not know `Dense`.)
#[derive(Clone, Copy)]
pub struct LayerView<'a, T> {
    pub w: &'a [T],
    pub inputs: usize,
    pub outputs: usize,
    pub act: Activation,
}

/// Squared norm of each row of W (`q_j = ‖W_j‖²`).
fn row_norms<T: Kernel>(layer: LayerView<'_, T>) -> Vec<f64> {
    layer
        .w
        .chunks_exact(layer.inputs)
        .map(|row| row.iter().map(|&v| v.to_f64() * v.to_f64()).sum())
        .collect()
}

/// Contractive penalty of `layer` given `at`, what its activation's derivatives read (its
/// pre-activations if they need them, else its outputs `h`). Adds the through-activation
/// part of its gradient into `da` (the gradient w.r.t. pre-activations) and writes the direct
/// coefficients `c_j` into `coef` (apply them with [`add_scaled_rows`] after the weight GEMM).
pub fn contractive<T: Kernel>(
    layer: LayerView<'_, T>,
    at: &[T],
    n: usize,
    lambda: f64,
    da: &mut [T],
    coef: &mut Vec<T>,
) -> f64 {
    let k = layer.outputs;
    let q = row_norms(layer);
    let scale = lambda / n as f64;
    let mut c = vec![0.0f64; k];
    let mut value = 0.0;
    let q_t: Vec<T> = q.iter().map(|&v| T::from_f64(2.0 * scale * v)).collect();
    for (xrow, drow) in at[..n * k].chunks_exact(k).zip(da[..n * k].chunks_exact_mut(k)) {
        for j in 0..k {
            let d1 = layer.act.derivative(xrow[j]);
            let d2 = layer.act.second_derivative(xrow[j]);
            let d1f = d1.to_f64();
            value += d1f * d1f * q[j];
            c[j] += d1f * d1f;
            drow[j] += q_t[j] * d1 * d2;
        }
    }
    coef.clear();
    coef.extend(c.iter().map(|&v| T::from_f64(2.0 * scale * v)));
    scale * value
}

/// `gw_j += coef_j · W_j` for every row j.
pub fn add_scaled_rows<T: Real>(w: &[T], coef: &[T], inputs: usize, gw: &mut [T]) {
    for ((g, row), &c) in gw.chunks_exact_mut(inputs).zip(w.chunks_exact(inputs)).zip(coef) {
        for (gv, &wv) in g.iter_mut().zip(row) {
            *gv += c * wv;
        }
    }
}

/// L2 weight decay `λ/2 ‖W‖²`; adds `λ W` into `gw`.
pub fn l2<T: Real>(w: &[T], lambda: f64, gw: &mut [T]) -> f64 {
    let lt = T::from_f64(lambda);
    let mut sq = 0.0;
    for (g, &v) in gw.iter_mut().zip(w) {
        sq += v.to_f64() * v.to_f64();
        *g += lt * v;
    }
    0.5 * lambda * sq
}

/// The mean squared Frobenius norm of the encoder Jacobian over `n` samples, `1/n Σ ‖J_f(x_i)‖²`
/// (the contractive penalty without λ), for evaluation; `at` as for [`contractive`].
pub fn mean_jacobian_norm<T: Kernel>(layer: LayerView<'_, T>, at: &[T], n: usize) -> f64 {
    let q = row_norms(layer);
    let mut total = 0.0;
    for row in at[..n * layer.outputs].chunks_exact(layer.outputs) {
        for (j, &v) in row.iter().enumerate() {
            let d = layer.act.derivative(v).to_f64();
            total += d * d * q[j];
        }
    }
    total / n as f64
}
