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
        if n == 0 || x.len() != n * self.inputs {
            return Err(Error::shape(
                "input",
                format!("[{n}, {}]", self.inputs),
                format!("{} values", x.len()),
            ));
        }
        if let Some(labels) = labels {
            if labels.len() != n {
                return Err(Error::shape("labels", format!("[{n}]"), format!("[{}]", labels.len())));
            }
            if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l as usize >= self.classes) {
                return Err(Error::invalid(
                    "labels",
                    format!("{l} at index {i}"),
                    "integers in [0, classes − 1]",
                ));
            }
        }
        Ok(())
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
        self.check(x, Some(labels), n)?;
        let mut noisy = std::mem::take(&mut self.noisy);
        let x = if self.dropout_input > 0.0 {
            dropout(x, self.dropout_input, &mut self.rng, &mut self.input_mask, &mut noisy);
            &noisy[..]
        } else {
            x
        };
        let result = self.step_on(x, labels, n, lr);
        self.noisy = noisy;
        result
    }

    /// [`Classifier::train_batch`] on inputs already dropped out.
    fn step_on(&mut self, x: &[T], labels: &[u32], n: usize, lr: f64) -> Result<f64> {
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
        self.step += 1;
        let (opt, t, train_body) = (self.optimizer, self.step, self.train_body);
        let trains = |(at, _): TensorId<LayerId>| train_body || at == LayerId::Head;
        self.step_tensors(&opt, lr, t, trains, |_| {});
        Ok(loss)
    }

    /// One shuffled pass; returns the mean training loss.
    pub fn train_epoch(&mut self, data: &[T], labels: &[u32], rows: usize, batch_size: usize, lr: f64) -> Result<f64> {
        self.check(data, Some(labels), rows)?;
        crate::nn::chain::check_epoch_args(rows, batch_size, lr)?;
        let d = self.inputs;
        let mut order = std::mem::take(&mut self.order);
        crate::nn::chain::shuffled(&mut order, rows, &mut self.rng);
        let (mut batch, mut bl) = (std::mem::take(&mut self.batch), std::mem::take(&mut self.batch_labels));
        let mut total = Sum::default();
        let mut result = Ok(());
        for idx in order.chunks(batch_size) {
            batch.clear();
            bl.clear();
            for &i in idx {
                batch.extend_from_slice(&data[i * d..(i + 1) * d]);
                bl.push(labels[i]);
            }
            match self.train_batch(&batch, &bl, idx.len(), lr) {
                Ok(l) => total.add(l * idx.len() as f64),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        (self.order, self.batch, self.batch_labels) = (order, batch, bl);
        result.map(|()| total.value() / rows as f64)
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
