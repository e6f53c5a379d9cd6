//! The contractive penalty `λ/n Σ_i ‖J_f(x_i)‖_F²` with `J_f = ∂h/∂x`, which for an
//! element-wise activation is `Σ_j s′(a_ij)² q_j`, `q_j = ‖W_j‖²` (row j of W). Its gradient
//! has two parts: through the activation, `∂/∂a_ij = λ/n · 2 s′ s″ q_j`, which joins the
//! pre-activation gradient (and so reaches `W`, `b` and `x` through the layer's own GEMMs),
//! and through `q_j` directly, `∂/∂W_jk = c_j W_jk` with `c_j = 2λ/n Σ_i s′(a_ij)²`, added to
//! the weight gradient after the GEMMs.

use super::hooks::{Buffers, LayerView, Penalty, PenaltyTerms};
use crate::kernels::gemm::Kernel;
use crate::num::real::Real;

/// The contractive penalty of weight `lambda` on one layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contractive {
    pub lambda: f64,
}

impl<T: Kernel> Penalty<T> for Contractive {
    fn term<'a>(&self, terms: &'a mut PenaltyTerms) -> &'a mut f64 {
        &mut terms.contractive
    }

    fn on_preactivation_delta(
        &self,
        layer: LayerView<'_, T>,
        at: &[T],
        n: usize,
        da: &mut [T],
        buf: &mut Buffers<T>,
    ) -> f64 {
        contractive(layer, at, n, self.lambda, da, &mut buf.reals)
    }

    fn on_weight_gradient(&self, layer: LayerView<'_, T>, gw: &mut [T], buf: &mut Buffers<T>) -> f64 {
        add_scaled_rows(layer.w, &buf.reals, layer.inputs, gw);
        0.0
    }
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
