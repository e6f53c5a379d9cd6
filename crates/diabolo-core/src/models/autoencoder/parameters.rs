//! The model's trainable tensors: their one order (the model's [`ParamSet`], from which the
//! parameter and gradient vectors, optimizer states and steps are derived), the parameter
//! vector, and single layers (read, or written to assemble a deep model from shallow ones).

use crate::error::{Error, Result};
use crate::kernels::gemm::Kernel;
use crate::models::autoencoder::{Model, Role};
use crate::nn::dense::{Dense, DenseGrad};
use crate::optim::optimizer::{all_finite, OptimizerState};
use crate::optim::params::{ParamSet, Part, TensorId};

/// Names one dense layer of an autoencoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerId {
    /// Encoder layer `i`, from the input side.
    Encoder(usize),
    /// The VAE's `μ` head.
    Mu,
    /// The VAE's `log σ²` head.
    LogVar,
    /// Decoder layer `j`, from the code side.
    Decoder(usize),
}

impl<T: Kernel> ParamSet<T> for Model<T> {
    type Layer = LayerId;

    /// Parameter order: per encoder layer W then b; VAE heads (μ W, μ b, log σ² W, log σ² b);
    /// per decoder layer W (absent when tied: it follows its encoder layer) then b.
    fn tensor_ids(&self) -> Vec<TensorId<LayerId>> {
        // The topology lists the layers in parameter order; a tied decoder has no weights.
        let mut v = Vec::new();
        for l in &self.topology.layers {
            let at = match l.role {
                Role::Encoder => LayerId::Encoder(l.index),
                Role::Mean => LayerId::Mu,
                Role::LogVariance => LayerId::LogVar,
                Role::Decoder => LayerId::Decoder(l.index),
            };
            if l.weights.is_some() {
                v.push((at, Part::Weights));
            }
            v.push((at, Part::Bias));
        }
        v
    }

    fn layer(&self, at: LayerId) -> (&Dense<T>, &DenseGrad<T>) {
        match (at, &self.heads) {
            (LayerId::Encoder(i), _) => (&self.enc.layers[i], &self.enc.grads[i]),
            (LayerId::Decoder(j), _) => (&self.dec.layers[j], &self.dec.grads[j]),
            (LayerId::Mu, Some(h)) => (&h.mu, &h.gmu),
            (LayerId::LogVar, Some(h)) => (&h.lv, &h.glv),
            (_, None) => unreachable!("a VAE head of a model without a variational code"),
        }
    }

    fn layer_mut(&mut self, at: LayerId) -> (&mut Dense<T>, &mut DenseGrad<T>) {
        match (at, &mut self.heads) {
            (LayerId::Encoder(i), _) => (&mut self.enc.layers[i], &mut self.enc.grads[i]),
            (LayerId::Decoder(j), _) => (&mut self.dec.layers[j], &mut self.dec.grads[j]),
            (LayerId::Mu, Some(h)) => (&mut h.mu, &mut h.gmu),
            (LayerId::LogVar, Some(h)) => (&mut h.lv, &mut h.glv),
            (_, None) => unreachable!("a VAE head of a model without a variational code"),
        }
    }

    fn states_mut(&mut self) -> &mut Vec<OptimizerState<T>> {
        &mut self.opt
    }
}

impl<T: Kernel> Model<T> {
    /// All parameters in a fixed order: per encoder layer W then b; VAE heads (μ W, μ b,
    /// log σ² W, log σ² b); per decoder layer W (absent when tied) then b.
    pub fn parameters(&mut self) -> Vec<T> {
        self.values()
    }

    pub fn parameter_count(&self) -> usize {
        self.value_count()
    }

    /// Replace all parameters (order of [`Model::parameters`]).
    pub fn set_parameters(&mut self, p: &[T]) -> Result<()> {
        self.check_value_count(p)?;
        if !all_finite(p) {
            return Err(Error::invalid("parameters", "a non-finite value", "finite numbers"));
        }
        self.set_values(p)?;
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
