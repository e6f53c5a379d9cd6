//! What a dense layer's backward pass offers a penalty: the [`Penalty`] hooks it calls, in
//! order, with what each may read and change, and the buffers a penalty keeps between its
//! hooks and from one minibatch to the next.

use crate::kernels::gemm::Kernel;
use crate::nn::activation::Activation;

/// What a penalty reads of a dense layer: its weights (`outputs × inputs`, row-major) and
/// its activation. (The layer builds it: penalties do not know `Dense`.)
#[derive(Clone, Copy)]
pub struct LayerView<'a, T> {
    pub w: &'a [T],
    pub inputs: usize,
    pub outputs: usize,
    pub act: Activation,
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

/// One penalty's buffers, kept from hook to hook and reused from minibatch to minibatch.
#[derive(Clone, Debug, Default)]
pub struct Buffers<T> {
    pub f64s: Vec<f64>,
    pub reals: Vec<T>,
}

/// Buffers for every penalty of a layer, one [`Buffers`] per penalty (by its place in
/// `LayerPenalties::each`).
#[derive(Clone, Debug, Default)]
pub struct PenaltyScratch<T> {
    slots: Vec<Buffers<T>>,
}

impl<T: Clone> PenaltyScratch<T> {
    /// The buffers of the penalty at place `i`.
    pub fn slot(&mut self, i: usize) -> &mut Buffers<T> {
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || Buffers {
                f64s: Vec::new(),
                reals: Vec::new(),
            });
        }
        &mut self.slots[i]
    }
}

/// A penalty on a dense layer `h = s(a)`, `a = x·Wᵀ + b`, over a minibatch of `n` samples.
/// The layer's backward pass calls each hook of every penalty in turn, in the order below;
/// each hook returns what it adds to the penalty's value (0 where it adds nothing).
pub trait Penalty<T: Kernel> {
    /// Where the penalty's value goes.
    fn term<'a>(&self, terms: &'a mut PenaltyTerms) -> &'a mut f64;

    /// First, on the loss gradient `dh` w.r.t. the layer's outputs `h` (`n × k`), before the
    /// activation's derivative is applied.
    fn on_output_delta(&self, _h: &[T], _n: usize, _k: usize, _dh: &mut [T], _buf: &mut Buffers<T>) -> f64 {
        0.0
    }

    /// Then on the gradient `da` w.r.t. the pre-activations, which afterwards reaches `W`,
    /// `b` and `x` through the layer's own GEMMs; `at` is what the activation's derivatives
    /// read (the pre-activations if they need them, else the outputs).
    fn on_preactivation_delta(
        &self,
        _layer: LayerView<'_, T>,
        _at: &[T],
        _n: usize,
        _da: &mut [T],
        _buf: &mut Buffers<T>,
    ) -> f64 {
        0.0
    }

    /// Last, on the weight gradient `gw`, after the GEMMs.
    fn on_weight_gradient(&self, _layer: LayerView<'_, T>, _gw: &mut [T], _buf: &mut Buffers<T>) -> f64 {
        0.0
    }
}
