//! A chain of dense layers with its activations, deltas and gradients: the encoder or the
//! decoder of a model, or the body of a classifier.

use crate::error::{Error, Result};
use crate::kernels::gemm::{Kernel, Scratch};
use crate::nn::dense::{Dense, DenseGrad, PenaltyScratch};
use crate::nn::noise::dropout;
use crate::nn::penalty::{LayerPenalties, PenaltyTerms};
use crate::num::rng::Rng;

/// Check the arguments of an epoch over `rows` samples.
pub fn check_epoch_args(rows: usize, batch_size: usize, lr: f64) -> Result<()> {
    if batch_size == 0 || batch_size > rows {
        return Err(Error::invalid(
            "batchSize",
            batch_size,
            "an integer in [1, number of samples]",
        ));
    }
    if !(lr.is_finite() && lr > 0.0) {
        return Err(Error::invalid("learningRate", lr, "a finite number > 0"));
    }
    Ok(())
}

/// Fill `order` with a fresh random permutation of `0..rows`.
pub fn shuffled(order: &mut Vec<usize>, rows: usize, rng: &mut Rng) {
    order.clear();
    order.extend(0..rows);
    rng.shuffle(order);
}

#[derive(Clone, Debug)]
pub struct Chain<T> {
    pub layers: Vec<Dense<T>>,
    pub grads: Vec<DenseGrad<T>>,
    /// Output of each layer for the current minibatch.
    pub acts: Vec<Vec<T>>,
    /// Pre-activations of each layer whose activation's derivatives need them (empty for
    /// the others).
    pub pre: Vec<Vec<T>>,
    /// Gradient of the loss w.r.t. each layer's output (then, in place, its pre-activation).
    pub deltas: Vec<Vec<T>>,
    /// With dropout ([`Chain::forward_dropout`]): each layer's mask (0 or 1 / (1 − p)) and its
    /// output times the mask, which is what the next layer read.
    masks: Vec<Vec<T>>,
    kept: Vec<Vec<T>>,
    /// Whether the last forward pass dropped units (the backward pass then follows its masks).
    dropped: bool,
}

impl<T: Kernel> Chain<T> {
    pub fn new(layers: Vec<Dense<T>>) -> Self {
        let grads = layers.iter().map(Dense::grad_zeros).collect();
        let n = layers.len();
        Chain {
            layers,
            grads,
            acts: vec![Vec::new(); n],
            pre: vec![Vec::new(); n],
            deltas: vec![Vec::new(); n],
            masks: vec![Vec::new(); n],
            kept: vec![Vec::new(); n],
            dropped: false,
        }
    }

    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs)
    }

    /// Run `n` samples of `x` through every layer; the result is [`Chain::output`].
    pub fn forward(&mut self, x: &[T], n: usize, scratch: &mut Scratch<T>) {
        for i in 0..self.layers.len() {
            let out_len = n * self.layers[i].outputs;
            let (before, rest) = self.acts.split_at_mut(i);
            let out = &mut rest[0];
            out.resize(out_len, T::ZERO);
            let input: &[T] = if i == 0 { x } else { &before[i - 1] };
            self.layers[i].forward_keeping(input, n, &mut self.pre[i], out, scratch);
        }
        self.dropped = false;
    }

    /// [`Chain::forward`] while training with dropout: every layer's output is dropped with
    /// probability `p` (inverted dropout, masks from `rng`) before the next layer reads it.
    /// [`Chain::output`] is then the dropped output of the last layer, and
    /// [`Chain::backward`] goes back through the same masks. `p = 0` is a plain forward pass.
    pub fn forward_dropout(&mut self, x: &[T], n: usize, p: f64, rng: &mut Rng, scratch: &mut Scratch<T>) {
        if p == 0.0 {
            return self.forward(x, n, scratch);
        }
        for i in 0..self.layers.len() {
            let out = &mut self.acts[i];
            out.resize(n * self.layers[i].outputs, T::ZERO);
            let input: &[T] = if i == 0 { x } else { &self.kept[i - 1] };
            self.layers[i].forward_keeping(input, n, &mut self.pre[i], out, scratch);
            dropout(&self.acts[i], p, rng, &mut self.masks[i], &mut self.kept[i]);
        }
        self.dropped = true;
    }

    /// The last layer's output for the current minibatch (after dropout, if it was on).
    pub fn output(&self) -> &[T] {
        let out = if self.dropped { &self.kept } else { &self.acts };
        out.last().map_or(&[], |v| v.as_slice())
    }

    /// The chain's output and the top delta buffer (sized by [`Chain::top_delta`]) to fill.
    pub fn output_and_top_delta(&mut self) -> (&[T], &mut [T]) {
        let out = if self.dropped { &self.kept } else { &self.acts };
        (
            out.last().map_or(&[], |v| v.as_slice()),
            self.deltas.last_mut().map_or(&mut [], |v| v.as_mut_slice()),
        )
    }

    /// Size the delta buffers for `n` samples and return the top one, for the caller to fill
    /// with the loss gradient w.r.t. the chain's output.
    pub fn top_delta(&mut self, n: usize) -> &mut Vec<T> {
        for (d, l) in self.deltas.iter_mut().zip(&self.layers) {
            d.resize(n * l.outputs, T::ZERO);
        }
        self.deltas.last_mut().expect("a chain has at least one layer")
    }

    /// Backward through every layer (penalties per layer; missing entries mean none). The
    /// gradient w.r.t. the chain's input goes into `dx` if given.
    pub fn backward(
        &mut self,
        x: &[T],
        n: usize,
        penalties: &[LayerPenalties],
        dx: Option<&mut [T]>,
        scratch: &mut Scratch<T>,
        ps: &mut PenaltyScratch<T>,
    ) -> PenaltyTerms {
        let none = LayerPenalties::default();
        let mut terms = PenaltyTerms::default();
        let mut dx = dx;
        for i in (0..self.layers.len()).rev() {
            let (lower, upper) = self.deltas.split_at_mut(i);
            let delta = &mut upper[0];
            if self.dropped {
                // From the dropped output back to the layer's own output.
                for (d, &m) in delta.iter_mut().zip(&self.masks[i]) {
                    *d *= m;
                }
            }
            let input: &[T] = match i {
                0 => x,
                _ if self.dropped => &self.kept[i - 1],
                _ => &self.acts[i - 1],
            };
            let target: Option<&mut [T]> = if i == 0 { dx.take() } else { Some(&mut lower[i - 1][..]) };
            let pen = penalties.get(i).unwrap_or(&none);
            terms.add(self.layers[i].backward_penalized(
                input,
                &self.pre[i],
                &self.acts[i],
                delta,
                n,
                pen,
                &mut self.grads[i],
                target,
                scratch,
                ps,
            ));
        }
        terms
    }
}
