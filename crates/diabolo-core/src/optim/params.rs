//! The parameter set: a model's trainable tensors in their one canonical order.
//!
//! A model says once, in [`ParamSet::tensor_ids`], which tensors it trains and in what order (and
//! where each lives, in [`ParamSet::layer`]); the parameter vector, the gradient vector, the
//! optimizer states, global clipping and the optimizer step over every tensor are derived
//! here from that one list, so they cannot disagree about the order. Every tensor is a
//! dense layer's weight matrix or its bias; a tensor that is not trained on its own (a tied
//! decoder's weights, which follow their encoder layer) is simply not in the list.

use crate::error::{Error, Result};
use crate::nn::dense::{Dense, DenseGrad};
use crate::num::real::{Real, Sum};
use crate::optim::optimizer::{self, all_finite, Optimizer, OptimizerState};

/// One of the two tensors of a dense layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Weights,
    Bias,
}

/// A trainable tensor: a dense layer (named as the model names them) and which of its tensors.
pub type TensorId<L> = (L, Part);

/// A model's trainable tensors, their gradients and optimizer states, in one order.
pub trait ParamSet<T: Real> {
    /// Names one dense layer of the model.
    type Layer: Copy;

    /// Every trainable tensor, in the canonical order: the one place that defines it.
    fn tensor_ids(&self) -> Vec<TensorId<Self::Layer>>;

    /// A dense layer and its gradient.
    fn layer(&self, at: Self::Layer) -> (&Dense<T>, &DenseGrad<T>);

    /// [`ParamSet::layer`], to write.
    fn layer_mut(&mut self, at: Self::Layer) -> (&mut Dense<T>, &mut DenseGrad<T>);

    /// The optimizer state of every tensor of [`ParamSet::tensor_ids`], in the same order (built by
    /// [`ParamSet::fresh_states`]).
    fn states_mut(&mut self) -> &mut Vec<OptimizerState<T>>;

    /// A tensor's values and its gradient.
    fn tensor(&self, (at, part): TensorId<Self::Layer>) -> (&[T], &[T]) {
        let (l, g) = self.layer(at);
        match part {
            Part::Weights => (&l.w, &g.w),
            Part::Bias => (&l.b, &g.b),
        }
    }

    /// [`ParamSet::tensor`], to write.
    fn tensor_mut(&mut self, (at, part): TensorId<Self::Layer>) -> (&mut [T], &mut [T]) {
        let (l, g) = self.layer_mut(at);
        match part {
            Part::Weights => (&mut l.w, &mut g.w),
            Part::Bias => (&mut l.b, &mut g.b),
        }
    }

    /// Number of trainable values.
    fn value_count(&self) -> usize {
        self.tensor_ids().into_iter().map(|id| self.tensor(id).0.len()).sum()
    }

    /// All trainable values, tensor after tensor.
    fn values(&self) -> Vec<T> {
        let mut p = Vec::new();
        for id in self.tensor_ids() {
            p.extend_from_slice(self.tensor(id).0);
        }
        p
    }

    /// Overwrite all trainable values (the layout of [`ParamSet::values`]); a vector of the
    /// wrong length is refused before anything is written.
    fn set_values(&mut self, p: &[T]) -> Result<()> {
        self.check_value_count(p)?;
        let mut rest = p;
        for id in self.tensor_ids() {
            let t = self.tensor_mut(id).0;
            let (head, tail) = rest.split_at(t.len());
            t.copy_from_slice(head);
            rest = tail;
        }
        Ok(())
    }

    /// An error unless `p` holds exactly one value per trainable value.
    fn check_value_count(&self, p: &[T]) -> Result<()> {
        let want = self.value_count();
        if p.len() != want {
            return Err(Error::shape(
                "parameters",
                format!("[{want}]"),
                format!("[{}]", p.len()),
            ));
        }
        Ok(())
    }

    /// Squared norm of all trainable values.
    fn values_norm2(&self) -> f64 {
        self.tensor_ids()
            .into_iter()
            .map(|id| optimizer::sum_squares(self.tensor(id).0))
            .sum()
    }

    /// All gradients, tensor after tensor (the layout of [`ParamSet::values`]).
    fn grads(&self) -> Vec<T> {
        let mut g = Vec::new();
        for id in self.tensor_ids() {
            g.extend_from_slice(self.tensor(id).1);
        }
        g
    }

    /// The gradients where they lie, one slice per tensor.
    fn grad_slices(&self) -> Vec<&[T]> {
        self.tensor_ids().into_iter().map(|id| self.tensor(id).1).collect()
    }

    /// Whether every gradient value is finite.
    fn grads_finite(&self) -> bool {
        self.tensor_ids().into_iter().all(|id| all_finite(self.tensor(id).1))
    }

    /// Set every gradient value to `v`.
    fn fill_grads(&mut self, v: T) {
        for id in self.tensor_ids() {
            self.tensor_mut(id).1.fill(v);
        }
    }

    /// Global gradient clipping: rescale every gradient when their joint L2 norm exceeds
    /// `max_norm` (0: never). Returns the norm before clipping.
    fn clip_grads(&mut self, max_norm: f64) -> f64 {
        let mut sq = Sum::default();
        for id in self.tensor_ids() {
            for &v in self.tensor(id).1 {
                sq.add(v.to_f64() * v.to_f64());
            }
        }
        let norm = sq.value().sqrt();
        if max_norm > 0.0 && norm > max_norm {
            let scale = T::from_f64(max_norm / norm);
            for id in self.tensor_ids() {
                for v in self.tensor_mut(id).1 {
                    *v *= scale;
                }
            }
        }
        norm
    }

    /// Zeroed optimizer states for every tensor, in order.
    fn fresh_states(&self, opt: &Optimizer) -> Vec<OptimizerState<T>> {
        self.tensor_ids()
            .into_iter()
            .map(|id| OptimizerState::new(opt, self.tensor(id).0.len()))
            .collect()
    }

    /// One step of `opt` (step number `t`, rate `lr`) on every tensor that `trains` accepts,
    /// in order; `after` sees each tensor right after its update (while it is in cache).
    fn step_tensors(
        &mut self,
        opt: &Optimizer,
        lr: f64,
        t: u64,
        trains: impl Fn(TensorId<Self::Layer>) -> bool,
        mut after: impl FnMut(&[T]),
    ) {
        let mut states = std::mem::take(self.states_mut());
        for (id, state) in self.tensor_ids().into_iter().zip(states.iter_mut()) {
            if trains(id) {
                let (p, g) = self.tensor_mut(id);
                optimizer::step(opt, lr, t, p, g, state);
                after(p);
            }
        }
        *self.states_mut() = states;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::activation::Activation;

    /// Two layers; the second one's weights are not trained.
    struct Two {
        layers: [Dense<f64>; 2],
        grads: [DenseGrad<f64>; 2],
        states: Vec<OptimizerState<f64>>,
    }

    impl ParamSet<f64> for Two {
        type Layer = usize;
        fn tensor_ids(&self) -> Vec<TensorId<usize>> {
            vec![(0, Part::Weights), (0, Part::Bias), (1, Part::Bias)]
        }
        fn layer(&self, i: usize) -> (&Dense<f64>, &DenseGrad<f64>) {
            (&self.layers[i], &self.grads[i])
        }
        fn layer_mut(&mut self, i: usize) -> (&mut Dense<f64>, &mut DenseGrad<f64>) {
            (&mut self.layers[i], &mut self.grads[i])
        }
        fn states_mut(&mut self) -> &mut Vec<OptimizerState<f64>> {
            &mut self.states
        }
    }

    fn two() -> Two {
        let layers = [
            Dense::zeros(2, 3, Activation::Tanh),
            Dense::zeros(3, 1, Activation::Linear),
        ];
        let grads = [layers[0].grad_zeros(), layers[1].grad_zeros()];
        Two {
            layers,
            grads,
            states: Vec::new(),
        }
    }

    #[test]
    fn every_vector_follows_the_tensor_ids_and_skips_what_they_leave_out() {
        let mut m = two();
        assert_eq!(m.value_count(), 6 + 3 + 1);
        let p: Vec<f64> = (1..=10).map(f64::from).collect();
        m.set_values(&p).unwrap();
        assert_eq!(m.layers[0].w, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(m.layers[0].b, [7.0, 8.0, 9.0]);
        assert_eq!(
            (m.layers[1].w.clone(), m.layers[1].b.clone()),
            (vec![0.0; 3], vec![10.0])
        );
        assert_eq!(m.values(), p);
        assert_eq!(m.values_norm2(), p.iter().map(|v| v * v).sum::<f64>());
        assert!(m.set_values(&p[1..]).unwrap_err().to_string().contains("[10]"));

        m.grads[1].w.fill(f64::NAN); // not a trained tensor: never read
        m.fill_grads(3.0);
        assert!(m.grads_finite());
        assert_eq!(m.grads(), vec![3.0; 10]);
        assert_eq!(m.grad_slices().iter().map(|g| g.len()).collect::<Vec<_>>(), [6, 3, 1]);
        let norm = m.clip_grads(1.0);
        assert!((norm - 90.0f64.sqrt()).abs() < 1e-12);
        assert!(
            (m.clip_grads(0.0) - 1.0).abs() < 1e-12,
            "clipped to norm 1, 0 leaves it"
        );

        m.states = m.fresh_states(&Optimizer::Momentum {
            momentum: 0.5,
            nesterov: false,
        });
        assert_eq!(m.states.iter().map(|s| s.m.len()).collect::<Vec<_>>(), [6, 3, 1]);
        let before = m.values();
        let mut seen = Vec::new();
        let opt = Optimizer::Sgd;
        m.step_tensors(&opt, 1.0, 1, |(_, part)| part == Part::Bias, |t| seen.push(t.len()));
        assert_eq!(seen, [3, 1], "only the accepted tensors are stepped, in order");
        assert_eq!(m.values()[..6], before[..6]);
        assert_ne!(m.values()[6..], before[6..]);
    }
}
