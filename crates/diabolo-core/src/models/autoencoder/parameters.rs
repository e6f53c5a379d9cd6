//! The model's trainable tensors: the parameter vector in its fixed order, replacing it,
//! and single layers (read, or written to assemble a deep model from shallow ones).

use crate::error::{Error, Result};
use crate::kernels::gemm::Kernel;
use crate::models::autoencoder::Model;
use crate::optim::optimizer::{self as optim, all_finite};

impl<T: Kernel> Model<T> {
    /// Every gradient buffer, in no particular order.
    pub(crate) fn grad_buffers(&mut self) -> Vec<&mut Vec<T>> {
        let mut v: Vec<&mut Vec<T>> = Vec::new();
        for g in self.enc.grads.iter_mut().chain(self.dec.grads.iter_mut()) {
            v.push(&mut g.w);
            v.push(&mut g.b);
        }
        if let Some(h) = &mut self.heads {
            v.extend([&mut h.gmu.w, &mut h.gmu.b, &mut h.glv.w, &mut h.glv.b]);
        }
        v
    }

    /// The gradients that are stepped (tied decoder weights excluded), in parameter order.
    pub(crate) fn stepped_grads(&mut self) -> Vec<&mut Vec<T>> {
        let tied = self.spec.tied;
        let mut v: Vec<&mut Vec<T>> = Vec::new();
        for g in &mut self.enc.grads {
            v.push(&mut g.w);
            v.push(&mut g.b);
        }
        if let Some(h) = &mut self.heads {
            v.extend([&mut h.gmu.w, &mut h.gmu.b, &mut h.glv.w, &mut h.glv.b]);
        }
        for g in &mut self.dec.grads {
            if !tied {
                v.push(&mut g.w);
            }
            v.push(&mut g.b);
        }
        v
    }

    /// Lengths of the trainable tensors, in parameter order.
    pub(crate) fn tensor_lens(&self) -> Vec<usize> {
        let mut lens = Vec::new();
        for l in &self.enc.layers {
            lens.extend([l.w.len(), l.b.len()]);
        }
        if let Some(h) = &self.heads {
            lens.extend([h.mu.w.len(), h.mu.b.len(), h.lv.w.len(), h.lv.b.len()]);
        }
        for l in &self.dec.layers {
            if !self.spec.tied {
                lens.push(l.w.len());
            }
            lens.push(l.b.len());
        }
        lens
    }

    /// Trainable tensors with their gradients, in parameter order.
    pub(crate) fn tensors(&mut self) -> Vec<(&mut Vec<T>, &Vec<T>)> {
        let tied = self.spec.tied;
        let mut v: Vec<(&mut Vec<T>, &Vec<T>)> = Vec::new();
        for (l, g) in self.enc.layers.iter_mut().zip(&self.enc.grads) {
            v.push((&mut l.w, &g.w));
            v.push((&mut l.b, &g.b));
        }
        if let Some(h) = &mut self.heads {
            v.push((&mut h.mu.w, &h.gmu.w));
            v.push((&mut h.mu.b, &h.gmu.b));
            v.push((&mut h.lv.w, &h.glv.w));
            v.push((&mut h.lv.b, &h.glv.b));
        }
        for (l, g) in self.dec.layers.iter_mut().zip(&self.dec.grads) {
            if !tied {
                v.push((&mut l.w, &g.w));
            }
            v.push((&mut l.b, &g.b));
        }
        v
    }

    /// Squared norm of all trainable parameters.
    pub(crate) fn weights_norm2(&mut self) -> f64 {
        self.tensors().into_iter().map(|(p, _)| optim::sum_squares(p)).sum()
    }

    /// All parameters in a fixed order: per encoder layer W then b; VAE heads (μ W, μ b,
    /// log σ² W, log σ² b); per decoder layer W (absent when tied) then b.
    pub fn parameters(&mut self) -> Vec<T> {
        let mut p = Vec::new();
        for (t, _) in self.tensors() {
            p.extend_from_slice(t);
        }
        p
    }

    pub fn parameter_count(&self) -> usize {
        self.tensor_lens().iter().sum()
    }

    /// Replace all parameters (order of [`Model::parameters`]).
    pub fn set_parameters(&mut self, p: &[T]) -> Result<()> {
        let want = self.parameter_count();
        if p.len() != want {
            return Err(Error::shape(
                "parameters",
                format!("[{want}]"),
                format!("[{}]", p.len()),
            ));
        }
        if !all_finite(p) {
            return Err(Error::invalid("parameters", "a non-finite value", "finite numbers"));
        }
        let mut rest = p;
        for (t, _) in self.tensors() {
            let (head, tail) = rest.split_at(t.len());
            t.copy_from_slice(head);
            rest = tail;
        }
        self.sync_tied();
        // New weights: steps are judged against them.
        self.reset_divergence_watch();
        Ok(())
    }

    /// Weights and bias of encoder layer `i` (`units × inputs`, `units`).
    pub fn encoder_layer(&self, i: usize) -> Result<(Vec<T>, Vec<T>)> {
        let l = self
            .enc
            .layers
            .get(i)
            .ok_or_else(|| Error::invalid("layer", i, "an existing encoder layer"))?;
        Ok((l.w.clone(), l.b.clone()))
    }

    /// Weights and bias of decoder layer `j` (counted from the code side).
    pub fn decoder_layer(&self, j: usize) -> Result<(Vec<T>, Vec<T>)> {
        let l = self
            .dec
            .layers
            .get(j)
            .ok_or_else(|| Error::invalid("layer", j, "an existing decoder layer"))?;
        Ok((l.w.clone(), l.b.clone()))
    }

    /// Overwrite encoder layer `i` (or decoder layer `i` when `decoder`), e.g. to assemble a
    /// deep model from greedily trained shallow ones.
    pub fn set_layer(&mut self, decoder: bool, i: usize, w: &[T], b: &[T]) -> Result<()> {
        let layers = if decoder {
            &mut self.dec.layers
        } else {
            &mut self.enc.layers
        };
        let l = layers
            .get_mut(i)
            .ok_or_else(|| Error::invalid("layer", i, "an existing layer"))?;
        if w.len() != l.w.len() || b.len() != l.b.len() {
            return Err(Error::shape(
                "layer parameters",
                format!("W [{}, {}] and b [{}]", l.outputs, l.inputs, l.outputs),
                format!("{} and {} values", w.len(), b.len()),
            ));
        }
        if decoder && self.spec.tied {
            return Err(Error::invalid(
                "layer",
                "a tied decoder layer",
                "an encoder layer (tied decoders follow it)",
            ));
        }
        l.w.copy_from_slice(w);
        l.b.copy_from_slice(b);
        self.sync_tied();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::test_support::{data, layer, spec};
    use crate::nn::activation::Activation;
    use crate::nn::penalty::LayerPenalties;
    use crate::optim::optimizer::Optimizer;

    #[test]
    fn tied_weights_stay_transposed_and_are_counted_once() {
        let mut s = spec(vec![layer(4, Activation::Sigmoid, LayerPenalties::default())]);
        s.tied = true;
        s.optimizer = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        let mut m = Model::<f32>::new(s).unwrap();
        assert_eq!(m.parameter_count(), 6 * 4 + 4 + 6);
        let x: Vec<f32> = data(8, 6, 3).iter().map(|&v| v as f32).collect();
        for _ in 0..5 {
            m.train_batch(&x, 8, 0.01).unwrap();
        }
        let (e, d) = (&m.enc.layers[0], &m.dec.layers[0]);
        for r in 0..4 {
            for c in 0..6 {
                assert_eq!(d.w[c * 4 + r], e.w[r * 6 + c]);
            }
        }
    }
}
