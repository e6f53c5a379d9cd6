//! A dense layer `h = s(x·Wᵀ + b)` on a minibatch, with its backward pass.
//!
//! `W` is stored row-major `outputs × inputs` (one row per unit, the layout of the
//! lecture's `W x + b`), so the forward product is `X·Wᵀ`, the input gradient `dA·W` and
//! the weight gradient `dAᵀ·X`: one GEMM each, the transposes absorbed by packing.

use crate::kernels::gemm::{gemm, gemm_with_epilogue, Kernel, MatRef, Scratch};
use crate::nn::activation::Activation;
use crate::nn::penalty::{LayerPenalties, LayerView, PenaltyTerms};
use crate::num::rng::Rng;

/// Buffers the penalties reuse between minibatches (defined with the penalties).
pub use crate::nn::penalty::PenaltyScratch;

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
    /// What penalties read of this layer (its weights and activation).
    pub fn view(&self) -> LayerView<'_, T> {
        LayerView {
            w: &self.w,
            inputs: self.inputs,
            outputs: self.outputs,
            act: self.act,
        }
    }

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
    /// Bias and activation are applied in the GEMM's epilogue, tile by tile.
    pub fn forward(&self, x: &[T], n: usize, out: &mut [T], scratch: &mut Scratch<T>) {
        let (act, bias) = (self.act, &self.b);
        gemm_with_epilogue(
            MatRef::row_major(x, n, self.inputs),
            MatRef::row_major(&self.w, self.outputs, self.inputs).t(),
            &mut out[..n * self.outputs],
            self.outputs,
            false,
            scratch,
            |j0, seg| {
                for (h, &b) in seg.iter_mut().zip(&bias[j0..]) {
                    *h += b;
                }
                act.apply_slice(seg);
            },
        );
    }

    /// [`Dense::forward`] that also keeps the pre-activations `x·Wᵀ + b` in `pre` when the
    /// activation's derivatives need them (`pre` is left empty otherwise: a layer whose
    /// derivatives read its outputs costs no extra memory).
    pub fn forward_keeping(&self, x: &[T], n: usize, pre: &mut Vec<T>, out: &mut [T], scratch: &mut Scratch<T>) {
        pre.clear();
        if !self.act.needs_pre_activation() {
            return self.forward(x, n, out, scratch);
        }
        let bias = &self.b;
        let out = &mut out[..n * self.outputs];
        gemm_with_epilogue(
            MatRef::row_major(x, n, self.inputs),
            MatRef::row_major(&self.w, self.outputs, self.inputs).t(),
            out,
            self.outputs,
            false,
            scratch,
            |j0, seg| {
                for (h, &b) in seg.iter_mut().zip(&bias[j0..]) {
                    *h += b;
                }
            },
        );
        pre.extend_from_slice(out);
        self.act.apply_slice(out);
    }

    /// PyTorch's `nn.Linear` default: weights and biases `U(−1/√inputs, 1/√inputs)`.
    pub fn init_uniform_fan_in(&mut self, rng: &mut Rng) {
        let r = 1.0 / (self.inputs as f64).sqrt();
        for v in self.w.iter_mut().chain(self.b.iter_mut()) {
            *v = T::from_f64((2.0 * rng.next_f64() - 1.0) * r);
        }
    }

    /// He/Kaiming normal: `W ~ N(0, 2 / inputs)`, `b = 0` (for ReLU-family units).
    pub fn init_he(&mut self, rng: &mut Rng) {
        let std = (2.0 / self.inputs as f64).sqrt();
        for w in &mut self.w {
            *w = T::from_f64(std * rng.normal());
        }
        self.b.fill(T::ZERO);
    }

    /// Backward pass for `n` samples. `h` is this layer's forward output and `pre` its
    /// pre-activations as [`Dense::forward_keeping`] left them (empty unless the activation
    /// needs them); `dh` holds the loss gradient with respect to `h` and is turned in place
    /// into the gradient with respect to the pre-activation. Parameter gradients are written
    /// (not added) into `grad`; the input gradient goes into `dx` when asked for.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        x: &[T],
        pre: &[T],
        h: &[T],
        dh: &mut [T],
        n: usize,
        grad: &mut DenseGrad<T>,
        dx: Option<&mut [T]>,
        scratch: &mut Scratch<T>,
    ) {
        let none = LayerPenalties::default();
        self.backward_penalized(
            x,
            pre,
            h,
            dh,
            n,
            &none,
            grad,
            dx,
            scratch,
            &mut PenaltyScratch::default(),
        );
    }

    /// [`Dense::backward`] with the layer's penalties added to the loss: their gradients
    /// join `grad` (and `dx`), their values are returned.
    #[allow(clippy::too_many_arguments)]
    pub fn backward_penalized(
        &self,
        x: &[T],
        pre: &[T],
        h: &[T],
        dh: &mut [T],
        n: usize,
        penalties: &LayerPenalties,
        grad: &mut DenseGrad<T>,
        dx: Option<&mut [T]>,
        scratch: &mut Scratch<T>,
        ps: &mut PenaltyScratch<T>,
    ) -> PenaltyTerms {
        let k = self.outputs;
        let mut terms = PenaltyTerms::default();
        penalties.each(|i, p| {
            let v = p.on_output_delta(h, n, k, dh, ps.slot(i));
            *p.term(&mut terms) += v;
        });
        // What the activation's derivatives read: `a` if they need it, else `h`.
        let at = &self.act.derivative_input(pre, h)[..n * k];
        let da = &mut dh[..n * k];
        self.act.scale_by_derivative(at, da);
        penalties.each(|i, p| {
            let v = p.on_preactivation_delta(self.view(), at, n, da, ps.slot(i));
            *p.term(&mut terms) += v;
        });
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
        penalties.each(|i, p| {
            let v = p.on_weight_gradient(self.view(), &mut grad.w, ps.slot(i));
            *p.term(&mut terms) += v;
        });
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::loss::Loss;

    /// Loss of a single layer followed by MSE against `target`, in f64.
    fn layer_loss(layer: &Dense<f64>, x: &[f64], n: usize, target: &[f64]) -> f64 {
        let mut out = vec![0.0; n * layer.outputs];
        layer.forward(x, n, &mut out, &mut Scratch::new());
        let mut g = vec![0.0; out.len()];
        Loss::Mse.value_and_grad(&out, target, n, &mut g)
    }

    /// Central differences of `loss` w.r.t. every weight, bias and input against the
    /// analytic `grad` and `dx` (relative tolerance 1e-6, f64).
    fn assert_gradients(
        layer: &Dense<f64>,
        x: &[f64],
        grad: &DenseGrad<f64>,
        dx: &[f64],
        loss: impl Fn(&Dense<f64>, &[f64]) -> f64,
        what: &str,
    ) {
        let eps = 1e-6;
        let check = |analytic: f64, plus: f64, minus: f64, which: String| {
            let fd = (plus - minus) / (2.0 * eps);
            assert!(
                (fd - analytic).abs() <= 1e-6 * (1.0 + fd.abs()),
                "{what} {which}: fd {fd} vs analytic {analytic}"
            );
        };
        for i in 0..layer.w.len() {
            let (mut p, mut m) = (layer.clone(), layer.clone());
            p.w[i] += eps;
            m.w[i] -= eps;
            check(grad.w[i], loss(&p, x), loss(&m, x), format!("dW[{i}]"));
        }
        for i in 0..layer.b.len() {
            let (mut p, mut m) = (layer.clone(), layer.clone());
            p.b[i] += eps;
            m.b[i] -= eps;
            check(grad.b[i], loss(&p, x), loss(&m, x), format!("db[{i}]"));
        }
        for i in 0..x.len() {
            let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
            xp[i] += eps;
            xm[i] -= eps;
            check(dx[i], loss(layer, &xp), loss(layer, &xm), format!("dX[{i}]"));
        }
    }

    /// A Glorot-initialised layer with biases of scale `bias`, run forward on `x`, with the
    /// MSE gradient w.r.t. its output: `(layer, pre, h, dh)`.
    fn layer_at(
        act: Activation,
        d: usize,
        k: usize,
        bias: f64,
        x: &[f64],
        target: &[f64],
        rng: &mut Rng,
    ) -> (Dense<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let n = x.len() / d;
        let mut layer = Dense::<f64>::zeros(d, k, act);
        layer.init_glorot(rng);
        for b in &mut layer.b {
            *b = bias * rng.normal();
        }
        let (mut pre, mut h) = (Vec::new(), vec![0.0; n * k]);
        layer.forward_keeping(x, n, &mut pre, &mut h, &mut Scratch::new());
        let mut dh = vec![0.0; n * k];
        Loss::Mse.value_and_grad(&h, target, n, &mut dh);
        (layer, pre, h, dh)
    }

    /// MSE of the layer's output plus every penalty, in f64.
    fn penalized_loss(layer: &Dense<f64>, x: &[f64], n: usize, target: &[f64], pen: &LayerPenalties) -> f64 {
        let (mut pre, mut h) = (Vec::new(), vec![0.0; n * layer.outputs]);
        let mut s = Scratch::new();
        layer.forward_keeping(x, n, &mut pre, &mut h, &mut s);
        let mut dh = vec![0.0; h.len()];
        let rec = Loss::Mse.value_and_grad(&h, target, n, &mut dh);
        let mut grad = layer.grad_zeros();
        let terms = layer.backward_penalized(
            x,
            &pre,
            &h,
            &mut dh,
            n,
            pen,
            &mut grad,
            None,
            &mut s,
            &mut PenaltyScratch::default(),
        );
        rec + terms.total()
    }

    /// Sparse + contractive + L2 on one layer, each alone and all together, for every
    /// activation with a non-zero second derivative: dW, db and dX against central differences in f64.
    #[test]
    fn composed_penalties_match_finite_differences() {
        use crate::nn::penalty::Sparsity;
        let (n, d, k) = (6, 5, 4);
        let mut rng = Rng::new(21);
        let x: Vec<f64> = (0..n * d).map(|_| rng.next_f64()).collect();
        let target: Vec<f64> = (0..n * k).map(|_| rng.next_f64()).collect();
        let sparse = Some(Sparsity { rho: 0.05, beta: 3.0 });
        let all = LayerPenalties {
            l2: 1e-2,
            sparsity: sparse,
            contractive: 0.5,
        };
        let cases = [
            LayerPenalties {
                sparsity: sparse,
                ..Default::default()
            },
            LayerPenalties {
                contractive: 0.5,
                ..Default::default()
            },
            LayerPenalties {
                l2: 1e-2,
                ..Default::default()
            },
            all,
        ];
        // Every activation of the registry whose second derivative is not zero everywhere.
        let curved = Activation::examples().into_iter().filter(|act| {
            [-1.3f64, -0.2, 0.3, 0.9]
                .iter()
                .any(|&a| act.second_derivative(if act.needs_pre_activation() { a } else { act.apply(a) }) != 0.0)
        });
        for act in curved {
            for pen in cases {
                // Sparsity needs codes in (0, 1).
                if pen.sparsity.is_some() && act != Activation::Sigmoid {
                    continue;
                }
                let (layer, pre, h, mut dh) = layer_at(act, d, k, 0.3, &x, &target, &mut rng);
                let mut s = Scratch::new();
                let mut grad = layer.grad_zeros();
                let mut dx = vec![0.0; n * d];
                let terms = layer.backward_penalized(
                    &x,
                    &pre,
                    &h,
                    &mut dh,
                    n,
                    &pen,
                    &mut grad,
                    Some(&mut dx),
                    &mut s,
                    &mut PenaltyScratch::default(),
                );
                assert!(terms.total() > 0.0, "{act:?} {pen:?}: penalties are active");
                // Sparsity's batch mean couples samples; the loss is still a function of x.
                let loss = |l: &Dense<f64>, xs: &[f64]| penalized_loss(l, xs, n, &target, &pen);
                assert_gradients(&layer, &x, &grad, &dx, loss, &format!("{act:?} {pen:?}"));
            }
        }
    }

    #[test]
    fn backward_matches_finite_differences_for_every_activation() {
        let (n, d, k) = (5, 7, 3);
        let mut rng = Rng::new(2);
        let x: Vec<f64> = (0..n * d).map(|_| rng.normal()).collect();
        let target: Vec<f64> = (0..n * k).map(|_| rng.next_f64()).collect();
        for act in Activation::examples() {
            let (layer, pre, h, mut dh) = layer_at(act, d, k, 0.1, &x, &target, &mut rng);
            let mut s = Scratch::new();
            let mut grad = layer.grad_zeros();
            let mut dx = vec![0.0; n * d];
            layer.backward(&x, &pre, &h, &mut dh, n, &mut grad, Some(&mut dx), &mut s);
            let loss = |l: &Dense<f64>, xs: &[f64]| layer_loss(l, xs, n, &target);
            assert_gradients(&layer, &x, &grad, &dx, loss, &format!("{act:?}"));
        }
    }
}
