//! Everything that runs the model forward only, in chunks of at most 256 samples: evaluation
//! (loss, KL), codes, reconstructions, anomaly scores, samples of a VAE, the importance-
//! weighted bound and the encoder's Jacobian norm.

use crate::error::{try_filled, Error, Result};
use crate::kernels::gemm::Kernel;
use crate::models::autoencoder::{encode_into, LossTerms, Model};
use crate::nn::penalty;
use crate::nn::vae;
use crate::num::real::Sum;
use crate::num::rng::Rng;

/// Samples evaluated at once: the per-chunk buffers of evaluation scale with this, not with
/// the data set.
pub const EVAL_CHUNK_ROWS: usize = 256;

impl<T: Kernel> Model<T> {
    /// Run `f` over `x` in chunks of at most [`EVAL_CHUNK_ROWS`] samples (bounded memory for big sets).
    fn chunked(&mut self, x: &[T], n: usize, f: impl FnMut(&mut Self, &[T], usize, usize)) -> Result<()> {
        let d = self.spec.inputs;
        self.chunked_rows("input", x, n, d, f)
    }

    /// [`Model::chunked`] over rows of `cols` values, named `what` in errors.
    fn chunked_rows(
        &mut self,
        what: &'static str,
        x: &[T],
        n: usize,
        cols: usize,
        mut f: impl FnMut(&mut Self, &[T], usize, usize),
    ) -> Result<()> {
        Self::check_data(what, x, n, cols)?;
        let mut start = 0;
        while start < n {
            let m = EVAL_CHUNK_ROWS.min(n - start);
            f(self, &x[start * cols..(start + m) * cols], m, start);
            start += m;
        }
        Ok(())
    }

    /// Reconstruction loss and (for a VAE, one-sample) KL on clean data; no corruption, no
    /// penalties, no update. VAE samples come from a generator seeded by the model's seed,
    /// so evaluation is repeatable and leaves the training stream alone.
    pub fn evaluate(&mut self, x: &[T], n: usize) -> Result<LossTerms> {
        let saved = self.rng.clone();
        self.rng = Rng::new(self.spec.seed ^ 0x5EED_E7A1);
        let (mut rec, mut kl) = (Sum::default(), Sum::default());
        let loss = self.spec.loss;
        let result = self.chunked(x, n, |m, xs, k, _| {
            m.forward(xs, k, true);
            let mut grad = vec![T::ZERO; xs.len()];
            rec.add(loss.value_and_grad(m.dec.output(), xs, k, &mut grad) * k as f64);
            if let Some(h) = &m.heads {
                kl.add(vae::kl_value(&h.mu_out, &h.lv_out, k) * k as f64);
            }
        });
        self.rng = saved;
        result?;
        let beta = self.spec.vae.map_or(0.0, |v| v.beta);
        let mut t = LossTerms {
            reconstruction: rec.value() / n as f64,
            kl: kl.value() / n as f64,
            ..Default::default()
        };
        t.total = t.reconstruction + beta * t.kl;
        Ok(t)
    }

    /// Codes of `n` samples (`n × code_size`): the last encoder layer, or `μ` for a VAE.
    pub fn encode(&mut self, x: &[T], n: usize) -> Result<Vec<T>> {
        let c = self.code_size();
        Self::check_data("input", x, n, self.spec.inputs)?;
        let mut out = try_filled("codes", n * c, T::ZERO)?;
        self.chunked(x, n, |m, xs, k, start| {
            let code = encode_into(&mut m.enc, &mut m.heads, xs, k, None, &mut m.ws.scratch);
            out[start * c..(start + k) * c].copy_from_slice(code);
        })?;
        Ok(out)
    }

    /// Reconstructions in data space from `n` codes (BCE logits go through σ).
    pub fn decode(&mut self, codes: &[T], n: usize) -> Result<Vec<T>> {
        let (c, d) = (self.code_size(), self.spec.inputs);
        Self::check_data("codes", codes, n, c)?;
        let mut out = try_filled("reconstructions", n * d, T::ZERO)?;
        self.chunked_rows("codes", codes, n, c, |m, zs, k, start| {
            m.dec.forward(zs, k, &mut m.ws.scratch);
            out[start * d..(start + k) * d].copy_from_slice(m.dec.output());
        })?;
        self.spec.loss.link().apply(&mut out);
        Ok(out)
    }

    /// `decode(encode(x))`.
    pub fn reconstruct(&mut self, x: &[T], n: usize) -> Result<Vec<T>> {
        let codes = self.encode(x, n)?;
        self.decode(&codes, n)
    }

    /// The model's reconstruction loss per sample (anomaly scores) and its mean per feature,
    /// from the deterministic reconstruction (a VAE decodes its mean code).
    pub fn errors(&mut self, x: &[T], n: usize) -> Result<(Vec<f64>, Vec<f64>)> {
        let d = self.spec.inputs;
        Self::check_data("input", x, n, d)?;
        let mut per_sample = try_filled("per-sample errors", n, 0.0)?;
        let mut per_feature = vec![0.0; d];
        let loss = self.spec.loss;
        self.chunked(x, n, |m, xs, k, start| {
            m.forward(xs, k, false);
            let out = m.dec.output();
            loss.per_sample(out, xs, d, &mut per_sample[start..start + k]);
            for (o, t) in out.chunks_exact(d).zip(xs.chunks_exact(d)) {
                for ((f, &ov), &tv) in per_feature.iter_mut().zip(o).zip(t) {
                    *f += loss.element(ov, tv);
                }
            }
        })?;
        for f in &mut per_feature {
            *f /= n as f64;
        }
        Ok((per_sample, per_feature))
    }

    /// `n` new samples from a VAE: `z ~ N(0, I)` (seeded by `seed`), decoded.
    pub fn sample(&mut self, n: usize, seed: u64) -> Result<Vec<T>> {
        if self.heads.is_none() {
            return Err(Error::invalid(
                "sample",
                "a non-variational model",
                "a model with a vae code",
            ));
        }
        let mut rng = Rng::new(seed);
        let count = n.saturating_mul(self.spec.inputs.max(self.code_size()));
        if n == 0 || count > (1 << 29) {
            return Err(Error::invalid(
                "sample count",
                n,
                "an integer in [1, 2^29 / inputs] (≤ 2 GiB of samples)",
            ));
        }
        let mut z = try_filled("latent draws", n * self.code_size(), T::ZERO)?;
        for v in &mut z {
            *v = T::from_f64(rng.normal());
        }
        self.decode(&z, n)
    }

    /// Importance-weighted bound (Burda et al.) on `log p(x)` with `k` samples per input,
    /// in nats per sample (k = 1 gives the ELBO). `−log p(x|z)` is the loss plus its
    /// likelihood constant per dimension (MSE: a Gaussian with σ² = ½; see `nn/loss/`).
    pub fn iwae_bound(&mut self, x: &[T], n: usize, k: usize, seed: u64) -> Result<f64> {
        if self.heads.is_none() {
            return Err(Error::invalid(
                "iwae",
                "a non-variational model",
                "a model with a vae code",
            ));
        }
        if k == 0 {
            return Err(Error::invalid("samples", k, "an integer ≥ 1"));
        }
        let saved = std::mem::replace(&mut self.rng, Rng::new(seed));
        let d = self.spec.inputs;
        let nll_const = d as f64 * self.spec.loss.nll_per_dimension();
        let mut total = Sum::default();
        let loss = self.spec.loss;
        let result = self.chunked(x, n, |m, xs, rows, _| {
            let mut logw = vec![Vec::with_capacity(k); rows];
            for _ in 0..k {
                m.forward(xs, rows, true);
                let h = m.heads.as_ref().expect("vae");
                let mut rec = vec![0.0; rows];
                loss.per_sample(m.dec.output(), xs, d, &mut rec);
                let z_dim = h.mu.outputs;
                for (i, lw) in logw.iter_mut().enumerate() {
                    // log p(z) − log q(z|x), per sample; the 2π terms cancel.
                    let mut lp = 0.0;
                    for j in i * z_dim..(i + 1) * z_dim {
                        let (z, e, lv) = (h.z[j].to_f64(), h.eps[j].to_f64(), h.lv_out[j].to_f64());
                        lp += -0.5 * z * z + 0.5 * e * e + 0.5 * lv;
                    }
                    lw.push(-rec[i] - nll_const + lp);
                }
            }
            for lw in &logw {
                let max = lw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let s: f64 = lw.iter().map(|v| (v - max).exp()).sum();
                total.add(max + (s / k as f64).ln());
            }
        });
        self.rng = saved;
        result?;
        Ok(total.value() / n as f64)
    }

    /// `1/n Σ ‖J_f(x_i)‖_F²` of the first encoder layer (the whole encoder of a one-layer
    /// model): what the contractive penalty shrinks.
    pub fn jacobian_norm(&mut self, x: &[T], n: usize) -> Result<f64> {
        let mut total = Sum::default();
        self.chunked(x, n, |m, xs, k, _| {
            let layer = &m.enc.layers[0];
            let (mut pre, mut h) = (Vec::new(), vec![T::ZERO; k * layer.outputs]);
            layer.forward_keeping(xs, k, &mut pre, &mut h, &mut m.ws.scratch);
            let at = layer.act.derivative_input(&pre, &h);
            total.add(penalty::mean_jacobian_norm(layer.view(), at, k) * k as f64);
        })?;
        Ok(total.value() / n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::test_support::{data, layer, spec};
    use crate::nn::activation::Activation;
    use crate::nn::loss::Loss;
    use crate::nn::penalty::LayerPenalties;
    use crate::optim::optimizer::Optimizer;
    use crate::spec::VaeSpec;

    #[test]
    fn vae_trains_samples_and_bounds_are_ordered() {
        let mut s = spec(vec![layer(8, Activation::Tanh, LayerPenalties::default())]);
        s.vae = Some(VaeSpec { latent: 2, beta: 1.0 });
        s.loss = Loss::BceLogits;
        s.output_act = Activation::Linear;
        s.optimizer = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        let x: Vec<f32> = data(64, 6, 5)
            .iter()
            .map(|&v| if v > 0.5 { 1.0 } else { 0.0 })
            .collect();
        let mut m = Model::<f32>::new(s).unwrap();
        let before = m.evaluate(&x, 64).unwrap().total;
        for _ in 0..200 {
            m.train_epoch(&x, 64, 16, 0.01).unwrap();
        }
        let after = m.evaluate(&x, 64).unwrap().total;
        assert!(after < before, "negative ELBO {before} -> {after}");
        let samples = m.sample(10, 3).unwrap();
        assert!(samples.iter().all(|v| (0.0..=1.0).contains(v)));
        let elbo = m.iwae_bound(&x, 64, 1, 9).unwrap();
        let iwae = m.iwae_bound(&x, 64, 50, 9).unwrap();
        assert!(iwae >= elbo - 0.05, "IWAE {iwae} should not be below the ELBO {elbo}");
        assert!(elbo.is_finite() && elbo < 0.0);
    }
}
