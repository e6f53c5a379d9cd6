//! A softmax classifier on top of (optionally) pretrained encoder layers: the supervised
//! fine-tuning of a stacked autoencoder (head alone first with `train_body = false`, then
//! every layer), and the linear probe that measures how useful a representation is.

use crate::error::{Error, Result};
use crate::kernels::gemm::{Kernel, Scratch};
use crate::nn::activation::Activation;
use crate::nn::chain::Chain;
use crate::nn::dense::{Dense, DenseGrad, PenaltyScratch};
use crate::nn::loss::{softmax_cross_entropy, softmax_rows};
use crate::nn::noise::dropout;
use crate::nn::penalty::{self, LayerPenalties};
use crate::num::real::Sum;
use crate::num::rng::Rng;
use crate::optim::optimizer::{all_finite, Optimizer, OptimizerState};
use crate::optim::params::{ParamSet, Part, TensorId};
use crate::optim::shards;
use crate::optim::state::TrainState;

#[derive(Clone, Debug)]
pub struct Classifier<T> {
    pub body: Chain<T>,
    pub head: Dense<T>,
    head_grad: DenseGrad<T>,
    pub classes: usize,
    inputs: usize,
    optimizer: Optimizer,
    /// L2 weight decay on every weight matrix.
    l2: f64,
    /// When false, only the softmax head learns (the body is frozen).
    pub train_body: bool,
    /// Dropout while training (see [`Classifier::set_dropout`]): on the inputs, on the
    /// outputs of every body layer.
    dropout_input: f64,
    dropout_hidden: f64,
    opt: Vec<OptimizerState<T>>,
    step: u64,
    rng: Rng,
    scratch: Scratch<T>,
    ps: PenaltyScratch<T>,
    order: Vec<usize>,
    /// The minibatch (rows, shards) of the last shard gradient (data-parallel training).
    split: (usize, usize),
    batch: Vec<T>,
    batch_labels: Vec<u32>,
    logits: Vec<T>,
    dlogits: Vec<T>,
    input_mask: Vec<T>,
    noisy: Vec<T>,
}

impl<T: Kernel> Classifier<T> {
    /// A classifier of `inputs` features into `classes`, on the given body layers (may be
    /// none: softmax regression), with a freshly initialised head.
    pub fn new(
        inputs: usize,
        body: Vec<Dense<T>>,
        classes: usize,
        optimizer: Optimizer,
        l2: f64,
        seed: u64,
    ) -> Result<Self> {
        if classes < 2 {
            return Err(Error::invalid("classes", classes, "an integer ≥ 2"));
        }
        optimizer.validate()?;
        if !(l2.is_finite() && l2 >= 0.0) {
            return Err(Error::invalid("l2", l2, "a finite number ≥ 0"));
        }
        let mut fan_in = inputs;
        for (i, l) in body.iter().enumerate() {
            if l.inputs != fan_in {
                return Err(Error::shape(
                    "body layer",
                    format!("{fan_in} inputs"),
                    format!("layer {i} has {}", l.inputs),
                ));
            }
            fan_in = l.outputs;
        }
        let mut rng = Rng::new(seed);
        let mut head = Dense::zeros(fan_in, classes, Activation::Linear);
        head.init_glorot(&mut rng);
        let body = Chain::new(body);
        let mut c = Classifier {
            head_grad: head.grad_zeros(),
            head,
            body,
            classes,
            inputs,
            optimizer,
            l2,
            train_body: true,
            dropout_input: 0.0,
            dropout_hidden: 0.0,
            opt: Vec::new(),
            step: 0,
            rng,
            scratch: Scratch::new(),
            ps: PenaltyScratch::default(),
            order: Vec::new(),
            split: (1, 1),
            batch: Vec::new(),
            batch_labels: Vec::new(),
            logits: Vec::new(),
            dlogits: Vec::new(),
            input_mask: Vec::new(),
            noisy: Vec::new(),
        };
        c.opt = c.fresh_states(&optimizer);
        Ok(c)
    }

    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Train with dropout (Srivastava et al. 2014): each input is zeroed with probability
    /// `input`, each output of a body layer with probability `hidden`, afresh for every
    /// minibatch, and the kept ones scaled by 1 / (1 − p) so that prediction uses the whole
    /// network unchanged. 0 and 0 (the default): none.
    pub fn set_dropout(&mut self, input: f64, hidden: f64) -> Result<()> {
        for (name, p) in [("dropout.input", input), ("dropout.hidden", hidden)] {
            if !(0.0..1.0).contains(&p) {
                return Err(Error::invalid(name, p, "a probability in [0, 1)"));
            }
        }
        (self.dropout_input, self.dropout_hidden) = (input, hidden);
        Ok(())
    }

    fn check(&self, x: &[T], labels: Option<&[u32]>, n: usize) -> Result<()> {
        let Some(labels) = labels else {
            return self.check_shape(x, None, n);
        };
        self.check_shape(x, Some(labels), n)?;
        if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l as usize >= self.classes) {
            return Err(Error::invalid(
                "labels",
                format!("{l} at index {i}"),
                "integers in [0, classes − 1]",
            ));
        }
        Ok(())
    }

    /// The shapes of `n` samples and their labels, if any (not the labels' range).
    fn check_shape(&self, x: &[T], labels: Option<&[u32]>, n: usize) -> Result<()> {
        if n == 0 || x.len() != n * self.inputs {
            return Err(Error::shape(
                "input",
                format!("[{n}, {}]", self.inputs),
                format!("{} values", x.len()),
            ));
        }
        match labels {
            Some(l) if l.len() != n => Err(Error::shape("labels", format!("[{n}]"), format!("[{}]", l.len()))),
            _ => Ok(()),
        }
    }

    /// Logits of `n` samples into `self.logits`, the body's outputs dropped with probability
    /// `p_hidden` (0 for prediction).
    fn forward(&mut self, x: &[T], n: usize, p_hidden: f64) {
        self.logits.resize(n * self.classes, T::ZERO);
        if self.body.layers.is_empty() {
            self.head.forward(x, n, &mut self.logits, &mut self.scratch);
        } else {
            self.body
                .forward_dropout(x, n, p_hidden, &mut self.rng, &mut self.scratch);
            self.head
                .forward(self.body.output(), n, &mut self.logits, &mut self.scratch);
        }
    }

    /// One step on a minibatch; returns the mean cross-entropy (plus L2) before the step
    /// (with the dropout of this step, if any).
    pub fn train_batch(&mut self, x: &[T], labels: &[u32], n: usize, lr: f64) -> Result<f64> {
        let loss = self.gradients(x, labels, n)?;
        self.take_step(lr);
        Ok(loss)
    }

    /// The gradient of the mean cross-entropy (plus L2) of a minibatch, with this step's
    /// dropout if any, into the gradient tensors; returns that loss. A non-finite loss or
    /// gradient is an error.
    fn gradients(&mut self, x: &[T], labels: &[u32], n: usize) -> Result<f64> {
        self.check(x, Some(labels), n)?;
        let mut noisy = std::mem::take(&mut self.noisy);
        let x = if self.dropout_input > 0.0 {
            dropout(x, self.dropout_input, &mut self.rng, &mut self.input_mask, &mut noisy);
            &noisy[..]
        } else {
            x
        };
        let result = self.gradients_on(x, labels, n);
        self.noisy = noisy;
        result
    }

    /// [`Classifier::gradients`] on inputs already dropped out.
    fn gradients_on(&mut self, x: &[T], labels: &[u32], n: usize) -> Result<f64> {
        self.forward(x, n, self.dropout_hidden);
        self.dlogits.resize(self.logits.len(), T::ZERO);
        let mut loss = softmax_cross_entropy(&self.logits, labels, self.classes, &mut self.dlogits);
        let none = LayerPenalties::default();
        let features_grad = !self.body.layers.is_empty() && self.train_body;
        if features_grad {
            self.body.top_delta(n);
        }
        {
            let Classifier {
                body,
                head,
                head_grad,
                logits,
                dlogits,
                scratch,
                ps,
                ..
            } = self;
            let (features, target) = if body.layers.is_empty() {
                (x, None)
            } else {
                let (features, top) = body.output_and_top_delta();
                (features, features_grad.then_some(top))
            };
            head.backward_penalized(features, &[], logits, dlogits, n, &none, head_grad, target, scratch, ps);
        }
        if features_grad {
            self.body.backward(x, n, &[], None, &mut self.scratch, &mut self.ps);
        }
        if self.l2 > 0.0 {
            loss += penalty::l2(&self.head.w, self.l2, &mut self.head_grad.w);
            if self.train_body {
                for (l, g) in self.body.layers.iter().zip(self.body.grads.iter_mut()) {
                    loss += penalty::l2(&l.w, self.l2, &mut g.w);
                }
            }
        }
        let finite =
            all_finite(&self.head_grad.w) && self.body.grads.iter().all(|g| all_finite(&g.w) && all_finite(&g.b));
        if !loss.is_finite() || !finite {
            return Err(Error::NonFinite {
                what: format!("classifier loss ({loss}) or gradient"),
            });
        }
        Ok(loss)
    }

    /// One optimizer step, with the gradients in the tensors, on the tensors that learn.
    fn take_step(&mut self, lr: f64) {
        self.step += 1;
        let (opt, t, learns) = (self.optimizer, self.step, self.learns());
        self.step_tensors(&opt, lr, t, learns, |_| {});
    }

    /// Whether a tensor learns: every one, or the head's alone when the body is frozen.
    fn learns(&self) -> impl Fn(TensorId<LayerId>) -> bool {
        let train_body = self.train_body;
        move |(at, _)| train_body || at == LayerId::Head
    }

    /// The tensors that learn, in parameter order.
    fn learning_tensors(&self) -> Vec<TensorId<LayerId>> {
        let learns = self.learns();
        let mut ids = self.tensor_ids();
        ids.retain(|&id| learns(id));
        ids
    }

    /// One shuffled pass; returns the mean training loss.
    pub fn train_epoch(&mut self, data: &[T], labels: &[u32], rows: usize, batch_size: usize, lr: f64) -> Result<f64> {
        self.check(data, Some(labels), rows)?;
        crate::nn::chain::check_epoch_args(rows, batch_size, lr)?;
        self.begin_epoch(rows);
        let order = std::mem::take(&mut self.order);
        let mut total = Sum::default();
        let mut result = Ok(());
        for idx in order.chunks(batch_size) {
            let (x, y) = self.gather(data, labels, idx);
            match self.with_batch(x, y, |c, x, y| c.train_batch(x, y, idx.len(), lr)) {
                Ok(l) => total.add(l * idx.len() as f64),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.order = order;
        result.map(|()| total.value() / rows as f64)
    }

    /// Draw the order of the rows for a new epoch (data-parallel replicas take replica 0's,
    /// see [`Classifier::set_epoch_order`]).
    pub fn begin_epoch(&mut self, rows: usize) {
        crate::nn::chain::shuffled(&mut self.order, rows, &mut self.rng);
    }

    /// The current epoch's order of rows (drawn by [`Classifier::begin_epoch`]).
    pub fn epoch_order(&self) -> &[usize] {
        &self.order
    }

    /// Take another replica's epoch order (a permutation of `0 .. rows`).
    pub fn set_epoch_order(&mut self, order: &[u32], rows: usize) -> Result<()> {
        shards::take_epoch_order(&mut self.order, order, rows)
    }

    /// Restart the classifier's random stream (epoch orders, dropout masks) from `seed`:
    /// data-parallel replicas draw different masks for their shards.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }

    /// Step count, RNG state and optimizer moments: with the parameters, what continues
    /// training exactly (data-parallel replicas start from the first one's).
    pub fn train_state(&self) -> TrainState<T> {
        TrainState::capture(self.step, &self.rng, &self.opt)
    }

    pub fn set_train_state(&mut self, state: &TrainState<T>) -> Result<()> {
        (self.step, self.rng) = state.restore(&mut self.opt)?;
        Ok(())
    }

    /// Data-parallel training: the gradient (a mean over the shard's rows, with its dropout
    /// masks and L2, nothing stepped) of shard `shard` of `shards` of minibatch `batch` of
    /// the current epoch, kept in the gradient tensors; returns the shard's loss and rows.
    /// An empty shard (a minibatch smaller than `shards`) leaves zero gradients.
    #[allow(clippy::too_many_arguments)]
    pub fn shard_gradients(
        &mut self,
        data: &[T],
        labels: &[u32],
        rows: usize,
        batch_size: usize,
        batch: usize,
        shard: usize,
        shards: usize,
    ) -> Result<(f64, usize)> {
        // The labels' range is checked minibatch by minibatch, as they are gathered.
        self.check_shape(data, Some(labels), rows)?;
        let (positions, split) = shards::locate_shard(self.order.len(), rows, batch_size, batch, shard, shards)?;
        self.split = split;
        let n = positions.len();
        if n == 0 {
            for id in self.learning_tensors() {
                self.tensor_mut(id).1.fill(T::ZERO);
            }
            return Ok((0.0, 0));
        }
        let order = std::mem::take(&mut self.order);
        let (x, y) = self.gather(data, labels, &order[positions]);
        self.order = order;
        let loss = self.with_batch(x, y, |c, x, y| c.gradients(x, y, n))?;
        Ok((loss, n))
    }

    /// The gradients of the last [`Classifier::shard_gradients`] where they lie, one slice
    /// per tensor that learns, in parameter order: what a replica publishes to the others.
    pub fn shard_gradient_tensors(&self) -> Vec<&[T]> {
        self.learning_tensors()
            .into_iter()
            .map(|id| self.tensor(id).1)
            .collect()
    }

    /// How many values [`Classifier::shard_gradient_tensors`] holds.
    pub fn shard_gradient_len(&self) -> usize {
        self.shard_gradient_tensors().iter().map(|g| g.len()).sum()
    }

    /// Sum the shard gradients of one minibatch, each weighted by its share of it, in shard
    /// order (`slots`: one gradient per shard, laid out as [`Classifier::shard_gradient_tensors`];
    /// with `own = Some(k)` shard `k`'s is this classifier's own, in place), then step: the
    /// update the whole minibatch gives one classifier, the same on every replica. A
    /// non-finite sum leaves the parameters untouched.
    pub fn apply_gradient_sum(&mut self, slots: &[T], own: Option<usize>, lr: f64) -> Result<()> {
        let ids = self.learning_tensors();
        shards::sum_shard_gradients(self, &ids, slots, own, self.split)?;
        self.take_step(lr);
        Ok(())
    }

    /// The rows `idx` of `data` and their labels (indices of the epoch order, below the rows
    /// whose shapes the caller checked), copied into the minibatch buffers taken out of the
    /// classifier: give them back with [`Classifier::with_batch`].
    fn gather(&mut self, data: &[T], labels: &[u32], idx: &[usize]) -> (Vec<T>, Vec<u32>) {
        let d = self.inputs;
        let (mut batch, mut bl) = (std::mem::take(&mut self.batch), std::mem::take(&mut self.batch_labels));
        batch.clear();
        bl.clear();
        for &i in idx {
            batch.extend_from_slice(&data[i * d..(i + 1) * d]);
            bl.push(labels[i]);
        }
        (batch, bl)
    }

    /// Run `f` on a gathered minibatch, then keep its buffers for the next one.
    fn with_batch<R>(&mut self, x: Vec<T>, y: Vec<u32>, f: impl FnOnce(&mut Self, &[T], &[u32]) -> R) -> R {
        let r = f(self, &x, &y);
        (self.batch, self.batch_labels) = (x, y);
        r
    }

    /// Class probabilities (`n × classes`).
    pub fn predict_proba(&mut self, x: &[T], n: usize) -> Result<Vec<T>> {
        self.check(x, None, n)?;
        let mut out = crate::error::try_filled("class probabilities", n * self.classes, T::ZERO)?;
        let (d, c) = (self.inputs, self.classes);
        let mut start = 0;
        while start < n {
            let k = 256.min(n - start);
            self.forward(&x[start * d..(start + k) * d], k, 0.0);
            softmax_rows(&self.logits, c, &mut out[start * c..(start + k) * c]);
            start += k;
        }
        Ok(out)
    }

    /// Mean cross-entropy and accuracy on labelled data.
    pub fn evaluate(&mut self, x: &[T], labels: &[u32], n: usize) -> Result<(f64, f64)> {
        self.check(x, Some(labels), n)?;
        let p = self.predict_proba(x, n)?;
        let c = self.classes;
        let (mut loss, mut correct) = (Sum::default(), 0usize);
        for (row, &l) in p.chunks_exact(c).zip(labels) {
            loss.add(-row[l as usize].to_f64().max(1e-30).ln());
            let best = (0..c).fold(0, |b, j| if row[j] > row[b] { j } else { b });
            correct += usize::from(best == l as usize);
        }
        Ok((loss.value() / n as f64, correct as f64 / n as f64))
    }

    /// All parameters in a fixed order: per body layer W then b, then the head's W and b.
    pub fn parameters(&mut self) -> Vec<T> {
        self.values()
    }

    /// Replace all parameters (order of [`Classifier::parameters`]).
    pub fn set_parameters(&mut self, p: &[T]) -> Result<()> {
        self.set_values(p)
    }
}

/// Names one dense layer of a classifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerId {
    /// Body layer `i`, from the input side.
    Body(usize),
    /// The softmax layer.
    Head,
}

impl<T: Kernel> ParamSet<T> for Classifier<T> {
    type Layer = LayerId;

    /// Parameter order: per body layer W then b, then the head's W and b.
    fn tensor_ids(&self) -> Vec<TensorId<LayerId>> {
        let layers = (0..self.body.layers.len()).map(LayerId::Body).chain([LayerId::Head]);
        layers.flat_map(|at| [(at, Part::Weights), (at, Part::Bias)]).collect()
    }

    fn layer(&self, at: LayerId) -> (&Dense<T>, &DenseGrad<T>) {
        match at {
            LayerId::Body(i) => (&self.body.layers[i], &self.body.grads[i]),
            LayerId::Head => (&self.head, &self.head_grad),
        }
    }

    fn layer_mut(&mut self, at: LayerId) -> (&mut Dense<T>, &mut DenseGrad<T>) {
        match at {
            LayerId::Body(i) => (&mut self.body.layers[i], &mut self.body.grads[i]),
            LayerId::Head => (&mut self.head, &mut self.head_grad),
        }
    }

    fn states_mut(&mut self) -> &mut Vec<OptimizerState<T>> {
        &mut self.opt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three Gaussian blobs in 4-D: a one-layer body + softmax separates them; cross-entropy
    /// gradients of body and head are checked by central differences in f64.
    fn blobs(n: usize, rng: &mut Rng) -> (Vec<f64>, Vec<u32>) {
        let centres = [[2.0, 0.0, 0.0, 1.0], [0.0, 2.0, 0.0, -1.0], [0.0, 0.0, 2.0, 0.0]];
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let c = i % 3;
            y.push(c as u32);
            x.extend(centres[c].iter().map(|&m| m + 0.5 * rng.normal()));
        }
        (x, y)
    }

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = Rng::new(3);
        let (x, y) = blobs(6, &mut rng);
        let mut body = Dense::<f64>::zeros(4, 5, Activation::Tanh);
        body.init_glorot(&mut rng);
        let c0 = Classifier::new(4, vec![body], 3, Optimizer::Sgd, 1e-2, 1).unwrap();
        check_gradients(&c0, &x, &y);
    }

    /// With dropout the gradient is that of the thinned network of the step: every copy of
    /// the classifier draws the same masks, so central differences see the same network.
    #[test]
    fn gradients_with_dropout_match_finite_differences() {
        let mut rng = Rng::new(5);
        let (x, y) = blobs(6, &mut rng);
        let mut lower = Dense::<f64>::zeros(4, 7, Activation::Sigmoid);
        lower.init_glorot(&mut rng);
        let mut upper = Dense::<f64>::zeros(7, 6, Activation::Tanh);
        upper.init_glorot(&mut rng);
        let mut c0 = Classifier::new(4, vec![lower, upper], 3, Optimizer::Sgd, 1e-2, 2).unwrap();
        c0.set_dropout(0.2, 0.5).unwrap();
        check_gradients(&c0, &x, &y);
        // The masks really thin the network: the same step without dropout differs.
        let (mut with, mut without) = (c0.clone(), c0.clone());
        without.set_dropout(0.0, 0.0).unwrap();
        let (a, b) = (
            with.train_batch(&x, &y, 6, 0.1).unwrap(),
            without.train_batch(&x, &y, 6, 0.1).unwrap(),
        );
        assert_ne!(a, b);
        // Prediction uses the whole network: equal before any step.
        let (mut p, mut q) = (c0.clone(), c0.clone());
        q.set_dropout(0.0, 0.0).unwrap();
        assert_eq!(p.predict_proba(&x, 6).unwrap(), q.predict_proba(&x, 6).unwrap());
        let e = c0.clone().set_dropout(1.0, 0.0).unwrap_err();
        assert!(e.to_string().contains("dropout.input = 1"), "{e}");
        assert!(c0.clone().set_dropout(0.0, -0.1).is_err());
    }

    fn check_gradients(c0: &Classifier<f64>, x: &[f64], y: &[u32]) {
        // With SGD and lr = 1, the step is exactly the gradient.
        let mut c = c0.clone();
        let before = c.parameters();
        c.train_batch(x, y, 6, 1.0).unwrap();
        let grad: Vec<f64> = before.iter().zip(c.parameters()).map(|(a, b)| a - b).collect();
        let objective = |p: &[f64]| {
            let mut m = c0.clone();
            m.set_parameters(p).unwrap();
            m.train_batch(x, y, 6, 1e-300).unwrap()
        };
        let eps = 1e-6;
        for i in 0..before.len() {
            let (mut pp, mut pm) = (before.clone(), before.clone());
            pp[i] += eps;
            pm[i] -= eps;
            let fd = (objective(&pp) - objective(&pm)) / (2.0 * eps);
            assert!(
                (fd - grad[i]).abs() < 1e-6 * (1.0 + fd.abs()),
                "param {i}: fd {fd} vs {}",
                grad[i]
            );
        }
    }

    /// Data-parallel training: two and three replicas, each with its shard of every
    /// minibatch, summing the shards' gradients, take the step one classifier takes on the
    /// whole minibatch (L2 included), body frozen or not; the replicas stay identical.
    #[test]
    fn shards_summed_step_like_the_whole_minibatch() {
        let mut rng = Rng::new(8);
        let (rows, bs) = (23, 8);
        let (x, y) = blobs(rows, &mut rng);
        let mut body = Dense::<f64>::zeros(4, 5, Activation::Tanh);
        body.init_glorot(&mut rng);
        let adam = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        for (n, train_body) in [(2usize, true), (3, true), (2, false)] {
            let mut one = Classifier::new(4, vec![body.clone()], 3, adam, 1e-3, 6).unwrap();
            one.train_body = train_body;
            // Replicas of a classifier that has trained already (Adam's moments and step
            // count matter), built afresh from its parameters and training state.
            one.train_epoch(&x, &y, rows, bs, 0.05).unwrap();
            let (params, state) = (one.parameters(), one.train_state());
            let mut replicas: Vec<_> = (0..n)
                .map(|k| {
                    let mut r = Classifier::new(4, vec![body.clone()], 3, adam, 1e-3, 50 + k as u64).unwrap();
                    r.train_body = train_body;
                    r.set_parameters(&params).unwrap();
                    r.set_train_state(&state).unwrap();
                    r.reseed(k as u64);
                    r
                })
                .collect();
            let (mut whole, mut sharded) = (Sum::default(), Sum::default());
            for _ in 0..3 {
                whole.add(one.train_epoch(&x, &y, rows, bs, 0.05).unwrap());
                let order: Vec<u32> = one.epoch_order().iter().map(|&i| i as u32).collect();
                for r in &mut replicas {
                    r.set_epoch_order(&order, rows).unwrap();
                }
                for b in 0..rows.div_ceil(bs) {
                    let (mut slots, mut seen) = (Vec::new(), 0);
                    for (k, r) in replicas.iter_mut().enumerate() {
                        let (loss, m) = r.shard_gradients(&x, &y, rows, bs, b, k, n).unwrap();
                        sharded.add(loss * m as f64);
                        seen += m;
                        slots.extend(r.shard_gradient_tensors().concat());
                    }
                    assert_eq!(seen, bs.min(rows - b * bs));
                    assert_eq!(slots.len(), n * replicas[0].shard_gradient_len());
                    // Replica 0 reads every gradient from the slots; the others their own in
                    // place, their slot poisoned to prove it unread.
                    replicas[0].apply_gradient_sum(&slots, None, 0.05).unwrap();
                    let len = replicas[0].shard_gradient_len();
                    for (k, r) in replicas.iter_mut().enumerate().skip(1) {
                        let mut poisoned = slots.clone();
                        poisoned[k * len..(k + 1) * len].fill(f64::NAN);
                        r.apply_gradient_sum(&poisoned, Some(k), 0.05).unwrap();
                    }
                }
            }
            let (w, p) = (one.parameters(), replicas[0].parameters());
            for r in &mut replicas[1..] {
                assert_eq!(r.parameters(), p, "replicas stay identical");
            }
            for (a, b) in p.iter().zip(&w) {
                assert!((a - b).abs() < 1e-12, "{n} replicas: {a} vs {b}");
            }
            assert!(
                (whole.value() - sharded.value() / rows as f64).abs() < 1e-12,
                "the same losses"
            );
            assert_eq!(p[..20] == body.w[..], !train_body, "a frozen body does not move");
            let r = &mut replicas[0];
            assert!(r.shard_gradients(&x, &y, rows, bs, 3, 0, n).is_err(), "batch 3 of 3");
            assert!(
                r.shard_gradients(&x, &y[1..], rows, bs, 0, 0, n).is_err(),
                "labels short"
            );
            assert!(r.set_epoch_order(&[0, 99], 2).is_err());
            let short = TrainState {
                optimizer: vec![0.0; 3],
                ..r.train_state()
            };
            assert!(r.set_train_state(&short).is_err());
            let len = r.shard_gradient_len();
            assert!(r.apply_gradient_sum(&[0.0; 3], None, 0.1).is_err());
            let mut nan = vec![0.0; n * len];
            nan[len] = f64::NAN;
            let before = r.parameters();
            assert!(
                r.apply_gradient_sum(&nan, Some(0), 0.1).is_err(),
                "a NaN slot is refused"
            );
            assert_eq!(r.parameters(), before, "and leaves the parameters alone");
        }
        // A label out of range in a shard is named.
        let mut c = Classifier::new(4, Vec::new(), 3, adam, 0.0, 1).unwrap();
        let mut bad = y.clone();
        bad[5] = 3;
        c.set_epoch_order(&(0..rows as u32).collect::<Vec<_>>(), rows).unwrap();
        let e = c.shard_gradients(&x, &bad, rows, rows, 0, 0, 1).unwrap_err();
        assert!(e.to_string().contains("labels = 3"), "{e}");
    }

    #[test]
    fn learns_blobs_and_freezing_keeps_the_body() {
        let mut rng = Rng::new(4);
        let (x, y) = blobs(300, &mut rng);
        let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut body = Dense::<f32>::zeros(4, 6, Activation::Sigmoid);
        body.init_glorot(&mut rng);
        let adam = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        let mut c = Classifier::new(4, vec![body], 3, adam, 0.0, 2).unwrap();
        c.train_body = false;
        let body_before = c.body.layers[0].w.clone();
        c.train_epoch(&x, &y, 300, 30, 0.05).unwrap();
        assert_eq!(c.body.layers[0].w, body_before);
        c.train_body = true;
        for _ in 0..30 {
            c.train_epoch(&x, &y, 300, 30, 0.05).unwrap();
        }
        assert_ne!(c.body.layers[0].w, body_before);
        let (_, acc) = c.evaluate(&x, &y, 300).unwrap();
        assert!(acc > 0.95, "accuracy {acc}");
        let p = c.predict_proba(&x[..8], 2).unwrap();
        assert!((p[..3].iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let e = c.evaluate(&x[..4], &[7], 1).unwrap_err();
        assert!(e.to_string().contains("labels = 7 at index 0"), "{e}");
    }
}
