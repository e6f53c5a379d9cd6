//! A dense layer `h = s(x·Wᵀ + b)` on a minibatch, with its backward pass.
//!
//! `W` is stored row-major `outputs × inputs` (one row per unit, the layout of the
//! lecture's `W x + b`), so the forward product is `X·Wᵀ`, the input gradient `dA·W` and
//! the weight gradient `dAᵀ·X`: one GEMM each, the transposes absorbed by packing.

use crate::activation::Activation;
use crate::gemm::{gemm, Kernel, MatRef, Scratch};
use crate::rng::Rng;

#[derive(Clone, Debug, PartialEq)]
pub struct Dense<T> {
    pub inputs: usize,
    pub outputs: usize,
    /// `outputs × inputs`, row-major.
    pub w: Vec<T>,
    pub b: Vec<T>,
    pub act: Activation,
}

/// Gradients of a dense layer's parameters, laid out like the layer.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseGrad<T> {
    pub w: Vec<T>,
    pub b: Vec<T>,
}

impl<T: Kernel> Dense<T> {
    /// A layer with zero weights (call an init before training).
    pub fn zeros(inputs: usize, outputs: usize, act: Activation) -> Self {
        Dense {
            inputs,
            outputs,
            w: vec![T::ZERO; inputs * outputs],
            b: vec![T::ZERO; outputs],
            act,
        }
    }

    /// Glorot/Xavier uniform: `W ~ U(−r, r)`, `r = √(6 / (inputs + outputs))`, `b = 0`.
    pub fn init_glorot(&mut self, rng: &mut Rng) {
        let r = (6.0 / (self.inputs + self.outputs) as f64).sqrt();
        for w in &mut self.w {
            *w = T::from_f64((2.0 * rng.next_f64() - 1.0) * r);
        }
        self.b.fill(T::ZERO);
    }

    pub fn grad_zeros(&self) -> DenseGrad<T> {
        DenseGrad {
            w: vec![T::ZERO; self.w.len()],
            b: vec![T::ZERO; self.b.len()],
        }
    }

    /// `out = s(x·Wᵀ + b)` for `n` samples; `x` is `n × inputs`, `out` is `n × outputs`.
    pub fn forward(&self, x: &[T], n: usize, out: &mut [T], scratch: &mut Scratch<T>) {
        let out = &mut out[..n * self.outputs];
        gemm(
            MatRef::row_major(x, n, self.inputs),
            MatRef::row_major(&self.w, self.outputs, self.inputs).t(),
            out,
            self.outputs,
            false,
            scratch,
        );
        for row in out.chunks_exact_mut(self.outputs) {
            for (h, &b) in row.iter_mut().zip(&self.b) {
                *h = self.act.apply(*h + b);
            }
        }
    }

    /// Backward pass for `n` samples. `h` is this layer's forward output; `dh` holds the
    /// loss gradient with respect to `h` and is turned in place into the gradient with
    /// respect to the pre-activation. Parameter gradients are written (not added) into
    /// `grad`; the input gradient goes into `dx` when asked for.
    pub fn backward(
        &self,
        x: &[T],
        h: &[T],
        dh: &mut [T],
        n: usize,
        grad: &mut DenseGrad<T>,
        dx: Option<&mut [T]>,
        scratch: &mut Scratch<T>,
    ) {
        let k = self.outputs;
        let da = &mut dh[..n * k];
        for (d, &hv) in da.iter_mut().zip(&h[..n * k]) {
            *d *= self.act.derivative_from_output(hv);
        }
        grad.b.fill(T::ZERO);
        for row in da.chunks_exact(k) {
            for (gb, &d) in grad.b.iter_mut().zip(row) {
                *gb += d;
            }
        }
        let da = MatRef::row_major(da, n, k);
        gemm(
            da.t(),
            MatRef::row_major(x, n, self.inputs),
            &mut grad.w,
            self.inputs,
            false,
            scratch,
        );
        if let Some(dx) = dx {
            gemm(
                da,
                MatRef::row_major(&self.w, k, self.inputs),
                dx,
                self.inputs,
                false,
                scratch,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::Loss;

    /// Loss of a single layer followed by MSE against `target`, in f64.
    fn layer_loss(layer: &Dense<f64>, x: &[f64], n: usize, target: &[f64]) -> f64 {
        let mut out = vec![0.0; n * layer.outputs];
        layer.forward(x, n, &mut out, &mut Scratch::new());
        let mut g = vec![0.0; out.len()];
        Loss::Mse.value_and_grad(&out, target, n, &mut g)
    }

    #[test]
    fn backward_matches_finite_differences_for_every_activation() {
        let (n, d, k) = (5, 7, 3);
        let mut rng = Rng::new(2);
        let x: Vec<f64> = (0..n * d).map(|_| rng.normal()).collect();
        let target: Vec<f64> = (0..n * k).map(|_| rng.next_f64()).collect();
        for act in [
            Activation::Linear,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Relu,
            Activation::LeakyRelu { alpha: 0.1 },
            Activation::Elu { alpha: 1.0 },
            Activation::Softplus,
        ] {
            let mut layer = Dense::<f64>::zeros(d, k, act);
            layer.init_glorot(&mut rng);
            for b in &mut layer.b {
                *b = 0.1 * rng.normal();
            }
            let mut s = Scratch::new();
            let mut h = vec![0.0; n * k];
            layer.forward(&x, n, &mut h, &mut s);
            let mut dh = vec![0.0; n * k];
            Loss::Mse.value_and_grad(&h, &target, n, &mut dh);
            let mut grad = layer.grad_zeros();
            let mut dx = vec![0.0; n * d];
            layer.backward(&x, &h, &mut dh, n, &mut grad, Some(&mut dx), &mut s);

            let eps = 1e-6;
            let check = |analytic: f64, plus: f64, minus: f64, what: String| {
                let fd = (plus - minus) / (2.0 * eps);
                assert!(
                    (fd - analytic).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "{act:?} {what}: fd {fd} vs analytic {analytic}"
                );
            };
            for i in 0..layer.w.len() {
                let (mut p, mut m) = (layer.clone(), layer.clone());
                p.w[i] += eps;
                m.w[i] -= eps;
                check(
                    grad.w[i],
                    layer_loss(&p, &x, n, &target),
                    layer_loss(&m, &x, n, &target),
                    format!("dW[{i}]"),
                );
            }
            for i in 0..k {
                let (mut p, mut m) = (layer.clone(), layer.clone());
                p.b[i] += eps;
                m.b[i] -= eps;
                check(
                    grad.b[i],
                    layer_loss(&p, &x, n, &target),
                    layer_loss(&m, &x, n, &target),
                    format!("db[{i}]"),
                );
            }
            for i in 0..x.len() {
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[i] += eps;
                xm[i] -= eps;
                check(
                    dx[i],
                    layer_loss(&layer, &xp, n, &target),
                    layer_loss(&layer, &xm, n, &target),
                    format!("dX[{i}]"),
                );
            }
        }
    }
}
