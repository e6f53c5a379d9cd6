//! The objective on a minibatch and its gradient: forward, reconstruction loss, backward
//! through decoder, VAE heads and encoder with every penalty, tied decoders folded into
//! their encoder layers; optionally clipped to a global norm.

use crate::error::{Error, Result};
use crate::kernels::gemm::Kernel;
use crate::models::autoencoder::{LossTerms, Model};
use crate::nn::chain::Chain;
use crate::nn::noise::Corruption;
use crate::nn::penalty;
use crate::optim::params::ParamSet;

impl<T: Kernel> Model<T> {
    /// Loss terms and gradients (kept inside the model) for the minibatch `x`: corrupts the
    /// input and samples the VAE code with the model's generator, but changes no weight.
    pub fn compute_gradients(&mut self, x: &[T], n: usize) -> Result<LossTerms> {
        self.gradients_of(x, n, true)
    }

    pub(crate) fn gradients_of(&mut self, x: &[T], n: usize, clip: bool) -> Result<LossTerms> {
        let d = self.spec.inputs;
        Self::check_data("minibatch", x, n, d)?;
        let corrupt = self.spec.corruption != Corruption::None;
        let mut noisy = std::mem::take(&mut self.ws.noisy);
        if corrupt {
            noisy.resize(x.len(), T::ZERO);
            self.spec.corruption.apply(x, &mut noisy, &mut self.rng);
        }
        let input: &[T] = if corrupt { &noisy } else { x };
        let result = self.gradients_on(input, x, n, clip);
        self.ws.noisy = noisy;
        result
    }

    /// The gradients of the last [`Model::compute_gradients`], in parameter order.
    pub fn gradients(&mut self) -> Vec<T> {
        self.grads()
    }

    fn gradients_on(&mut self, input: &[T], clean: &[T], n: usize, clip: bool) -> Result<LossTerms> {
        self.forward(input, n, true);
        let mut terms = LossTerms::default();
        self.dec.top_delta(n);
        {
            let Chain { acts, deltas, .. } = &mut self.dec;
            let (out, dout) = (acts.last().expect("decoder"), deltas.last_mut().expect("decoder"));
            terms.reconstruction = self.spec.loss.value_and_grad(out, clean, n, dout);
        }
        if !terms.reconstruction.is_finite() {
            return Err(Error::NonFinite {
                what: format!("reconstruction loss ({})", terms.reconstruction),
            });
        }
        let Model {
            spec,
            enc,
            heads,
            dec,
            ws,
            penalties,
            kl_scale,
            ..
        } = self;
        ws.dcode.resize(n * spec.code_size(), T::ZERO);
        let code: &[T] = match heads {
            Some(h) => &h.z,
            None => enc.output(),
        };
        dec.backward(code, n, &[], Some(&mut ws.dcode), &mut ws.scratch, &mut ws.ps);
        enc.top_delta(n);
        let kl_weight = spec.vae.map_or(0.0, |v| v.beta) * *kl_scale;
        {
            let Chain { acts, deltas, .. } = &mut *enc;
            let enc_top = deltas.last_mut().expect("encoder");
            match heads {
                Some(h) => {
                    let enc_out = acts.last().expect("encoder");
                    terms.kl = h.backward(enc_out, n, &ws.dcode, kl_weight, enc_top, &mut ws.scratch, &mut ws.ps);
                }
                None => enc_top.copy_from_slice(&ws.dcode),
            }
        }
        let pen = enc.backward(input, n, penalties, None, &mut ws.scratch, &mut ws.ps);
        terms.sparsity = pen.sparsity;
        terms.contractive = pen.contractive;
        terms.l2 = pen.l2;
        // Decoder weights: tied ones hand their gradient to the encoder; own ones take the
        // L2 of their mirror layer.
        if spec.vae.is_none() {
            let layers = enc.layers.len();
            for j in 0..dec.layers.len() {
                let i = layers - 1 - j;
                if spec.tied {
                    let (e, g) = (&enc.layers[i], &dec.grads[j].w);
                    let eg = &mut enc.grads[i].w;
                    for r in 0..e.outputs {
                        for c in 0..e.inputs {
                            eg[r * e.inputs + c] += g[c * e.outputs + r];
                        }
                    }
                } else if penalties[i].l2 > 0.0 {
                    terms.l2 += penalty::l2(&dec.layers[j].w, penalties[i].l2, &mut dec.grads[j].w);
                }
            }
        }
        terms.total = terms.reconstruction + terms.sparsity + terms.contractive + terms.l2 + kl_weight * terms.kl;
        // The stepped gradients: a tied decoder's, added to its encoder layer's above, shows there.
        if !terms.total.is_finite() || !self.grads_finite() {
            return Err(Error::NonFinite {
                what: "loss or gradient".to_string(),
            });
        }
        if clip && self.clip_norm > 0.0 {
            self.clip_gradients();
        }
        Ok(terms)
    }

    /// Global gradient clipping to the model's `clip_norm`; returns the norm before clipping.
    pub(crate) fn clip_gradients(&mut self) -> f64 {
        // Tied decoder weights hand their gradient to the encoder: only what is stepped counts.
        let max_norm = self.clip_norm;
        self.clip_grads(max_norm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::test_support::{data, layer, spec};
    use crate::nn::activation::Activation;
    use crate::nn::loss::Loss;
    use crate::nn::penalty::{LayerPenalties, Sparsity};
    use crate::spec::VaeSpec;

    /// Central differences of the whole objective against the model's gradient, in f64.
    /// Each evaluation starts from a clone, so corruption and VAE noise are identical.
    fn gradcheck(model: &Model<f64>, x: &[f64], n: usize, what: &str) {
        let mut m0 = model.clone();
        m0.compute_gradients(x, n).unwrap();
        let grad = m0.gradients();
        let params = model.clone().parameters();
        let eps = 1e-6;
        let objective = |p: &[f64]| {
            let mut m = model.clone();
            m.set_parameters(p).unwrap();
            m.compute_gradients(x, n).unwrap().total
        };
        let mut worst: f64 = 0.0;
        for i in 0..params.len() {
            let (mut pp, mut pm) = (params.clone(), params.clone());
            pp[i] += eps;
            pm[i] -= eps;
            let fd = (objective(&pp) - objective(&pm)) / (2.0 * eps);
            let err = (fd - grad[i]).abs() / (1.0 + fd.abs());
            worst = worst.max(err);
            assert!(err < 1e-6, "{what}: parameter {i}: fd {fd} vs analytic {}", grad[i]);
        }
        assert!(worst.is_finite());
    }

    #[test]
    fn deep_model_with_composed_penalties_matches_finite_differences() {
        let pen = LayerPenalties {
            l2: 1e-2,
            sparsity: Some(Sparsity { rho: 0.1, beta: 2.0 }),
            contractive: 0.3,
        };
        let mut s = spec(vec![
            layer(5, Activation::Sigmoid, pen),
            layer(
                3,
                Activation::Tanh,
                LayerPenalties {
                    l2: 1e-3,
                    contractive: 0.2,
                    ..Default::default()
                },
            ),
        ]);
        let x = data(4, 6, 1);
        gradcheck(&Model::new(s.clone()).unwrap(), &x, 4, "deep, penalties");
        s.tied = true;
        gradcheck(&Model::new(s.clone()).unwrap(), &x, 4, "deep, tied");
        s.tied = false;
        s.loss = Loss::BceLogits;
        s.output_act = Activation::Linear;
        s.corruption = Corruption::Mask { nu: 0.3 };
        gradcheck(&Model::new(s).unwrap(), &x, 4, "deep, BCE, denoising");
    }

    /// Every activation of the registry with a second derivative (so new ones are covered,
    /// those whose derivatives read the pre-activation among them): a deep model with the
    /// contractive penalty on both layers (and their mirrors in the decoder), and a VAE's
    /// hidden layer.
    #[test]
    fn every_curved_activation_in_deep_and_variational_models_matches_finite_differences() {
        let curved = Activation::examples().into_iter().filter(|act| {
            [-1.3f64, -0.2, 0.3, 0.9]
                .iter()
                .any(|&a| act.second_derivative(if act.needs_pre_activation() { a } else { act.apply(a) }) != 0.0)
        });
        let x = data(4, 6, 3);
        for act in curved {
            let pen = LayerPenalties {
                contractive: 0.3,
                l2: 1e-3,
                ..Default::default()
            };
            let deep = spec(vec![layer(5, act, pen), layer(3, act, pen)]);
            gradcheck(&Model::new(deep).unwrap(), &x, 4, &format!("deep contractive {act:?}"));
            let mut vae = spec(vec![layer(5, act, pen)]);
            vae.vae = Some(VaeSpec { latent: 2, beta: 0.7 });
            gradcheck(&Model::new(vae).unwrap(), &x, 4, &format!("vae {act:?}"));
        }
    }

    /// Every loss of the registry (with its default output activation), in a deep model and
    /// in a VAE.
    #[test]
    fn every_loss_in_deep_and_variational_models_matches_finite_differences() {
        let x = data(4, 6, 4);
        for info in Loss::ALL {
            let loss = Loss::from_name(info.name).unwrap();
            let mut s = spec(vec![
                layer(5, Activation::Tanh, LayerPenalties::default()),
                layer(3, Activation::Sigmoid, LayerPenalties::default()),
            ]);
            (s.loss, s.output_act) = (loss, loss.default_output());
            gradcheck(&Model::new(s).unwrap(), &x, 4, &format!("deep {loss:?}"));
            let mut v = spec(vec![layer(5, Activation::Tanh, LayerPenalties::default())]);
            (v.loss, v.output_act) = (loss, loss.default_output());
            v.vae = Some(VaeSpec { latent: 2, beta: 0.7 });
            gradcheck(&Model::new(v).unwrap(), &x, 4, &format!("vae {loss:?}"));
        }
    }

    #[test]
    fn variational_model_matches_finite_differences() {
        let mut s = spec(vec![layer(5, Activation::Tanh, LayerPenalties::default())]);
        s.vae = Some(VaeSpec { latent: 2, beta: 0.7 });
        s.loss = Loss::BceLogits;
        s.output_act = Activation::Linear;
        let x = data(3, 6, 2);
        gradcheck(&Model::new(s.clone()).unwrap(), &x, 3, "vae bce");
        s.loss = Loss::Mse;
        s.output_act = Activation::Sigmoid;
        gradcheck(&Model::new(s).unwrap(), &x, 3, "vae mse");
    }
}
