//! The single-hidden-layer autoencoder `x̂ = g(f(x))`, `f(x) = s₁(W₁x + b₁)`,
//! `g(h) = s₂(W₂h + b₂)`, trained by minibatch SGD on data already in memory.

use crate::activation::{sigmoid, Activation};
use crate::dense::{Dense, DenseGrad};
use crate::error::{Error, Result};
use crate::gemm::{Kernel, Scratch};
use crate::loss::Loss;
use crate::optim::{all_finite, sgd_step};
use crate::rng::Rng;

#[derive(Clone, Debug, PartialEq)]
pub struct AutoencoderConfig {
    pub inputs: usize,
    pub hidden: usize,
    pub hidden_act: Activation,
    pub output_act: Activation,
    pub loss: Loss,
    pub seed: u64,
}

/// What one pass over the data did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochStats {
    /// Mean loss per sample over the epoch (each minibatch weighted by its size), measured
    /// before each minibatch's update.
    pub loss: f64,
    pub batches: usize,
    pub samples: usize,
}

/// Buffers reused from minibatch to minibatch.
#[derive(Clone, Debug)]
struct Workspace<T> {
    batch: Vec<T>,
    h: Vec<T>,
    out: Vec<T>,
    dout: Vec<T>,
    dh: Vec<T>,
    order: Vec<usize>,
    scratch: Scratch<T>,
}

#[derive(Clone, Debug)]
pub struct Autoencoder<T> {
    pub config: AutoencoderConfig,
    pub encoder: Dense<T>,
    pub decoder: Dense<T>,
    rng: Rng,
    grad_enc: DenseGrad<T>,
    grad_dec: DenseGrad<T>,
    ws: Workspace<T>,
}

fn resize<T: Copy + Default>(v: &mut Vec<T>, len: usize) {
    v.resize(len, T::default());
}

impl<T: Kernel> Autoencoder<T> {
    /// Build and initialise (Glorot uniform) from a seed.
    pub fn new(config: AutoencoderConfig) -> Result<Self> {
        if config.inputs == 0 {
            return Err(Error::invalid("inputs", 0, "an integer ≥ 1"));
        }
        if config.hidden == 0 {
            return Err(Error::invalid("hidden", 0, "an integer ≥ 1"));
        }
        if config.loss == Loss::BceLogits && config.output_act != Activation::Linear {
            return Err(Error::invalid(
                "outputActivation",
                config.output_act.name(),
                "\"linear\" with loss \"bce\" (the loss applies the sigmoid to the logits itself)",
            ));
        }
        let mut rng = Rng::new(config.seed);
        let mut encoder = Dense::zeros(config.inputs, config.hidden, config.hidden_act);
        let mut decoder = Dense::zeros(config.hidden, config.inputs, config.output_act);
        encoder.init_glorot(&mut rng);
        decoder.init_glorot(&mut rng);
        Ok(Autoencoder {
            grad_enc: encoder.grad_zeros(),
            grad_dec: decoder.grad_zeros(),
            config,
            encoder,
            decoder,
            rng,
            ws: Workspace {
                batch: Vec::new(),
                h: Vec::new(),
                out: Vec::new(),
                dout: Vec::new(),
                dh: Vec::new(),
                order: Vec::new(),
                scratch: Scratch::new(),
            },
        })
    }

    /// Check that `data` holds `rows` samples of `inputs` features.
    pub fn check_data(&self, what: &'static str, data: &[T], rows: usize) -> Result<()> {
        let d = self.config.inputs;
        if rows == 0 {
            return Err(Error::shape(
                what,
                format!("[n ≥ 1, {d}]"),
                format!("[0, {d}] (no samples)"),
            ));
        }
        if data.len() != rows * d {
            let actual = if data.len() % d == 0 {
                format!("[{}, {d}]", data.len() / d)
            } else {
                format!("{} values, which is not a multiple of {d}", data.len())
            };
            return Err(Error::shape(
                what,
                format!("[{rows}, {d}] ({} values)", rows * d),
                actual,
            ));
        }
        Ok(())
    }

    fn ensure_workspace(&mut self, n: usize) {
        let (d, k) = (self.config.inputs, self.config.hidden);
        resize(&mut self.ws.h, n * k);
        resize(&mut self.ws.dh, n * k);
        resize(&mut self.ws.out, n * d);
        resize(&mut self.ws.dout, n * d);
    }

    /// One SGD step on the minibatch `x` (`n` samples). Returns the loss before the step.
    /// A non-finite loss or gradient leaves the weights untouched and returns an error.
    pub fn train_batch(&mut self, x: &[T], n: usize, lr: f64) -> Result<f64> {
        self.check_data("minibatch", x, n)?;
        self.ensure_workspace(n);
        let Workspace {
            h,
            out,
            dout,
            dh,
            scratch,
            ..
        } = &mut self.ws;
        self.encoder.forward(x, n, h, scratch);
        self.decoder.forward(h, n, out, scratch);
        let loss = self
            .config
            .loss
            .value_and_grad(&out[..n * self.config.inputs], x, n, dout);
        if !loss.is_finite() {
            return Err(Error::NonFinite {
                what: format!("training loss ({loss})"),
            });
        }
        self.decoder
            .backward(h, out, dout, n, &mut self.grad_dec, Some(dh), scratch);
        self.encoder.backward(x, h, dh, n, &mut self.grad_enc, None, scratch);
        for g in [&self.grad_enc, &self.grad_dec] {
            if !all_finite(&g.w) || !all_finite(&g.b) {
                return Err(Error::NonFinite {
                    what: "gradient".to_string(),
                });
            }
        }
        sgd_step(&mut self.encoder.w, &self.grad_enc.w, lr);
        sgd_step(&mut self.encoder.b, &self.grad_enc.b, lr);
        sgd_step(&mut self.decoder.w, &self.grad_dec.w, lr);
        sgd_step(&mut self.decoder.b, &self.grad_dec.b, lr);
        Ok(loss)
    }

    /// One pass over `rows` samples in a fresh random order, `batch_size` at a time.
    pub fn train_epoch(&mut self, data: &[T], rows: usize, batch_size: usize, lr: f64) -> Result<EpochStats> {
        self.check_data("training data", data, rows)?;
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
        let d = self.config.inputs;
        let mut order = std::mem::take(&mut self.ws.order);
        order.clear();
        order.extend(0..rows);
        self.rng.shuffle(&mut order);
        let mut batch = std::mem::take(&mut self.ws.batch);
        let mut total = crate::real::Sum::default();
        let mut batches = 0;
        let mut result = Ok(());
        for idx in order.chunks(batch_size) {
            batch.clear();
            for &i in idx {
                batch.extend_from_slice(&data[i * d..(i + 1) * d]);
            }
            match self.train_batch(&batch, idx.len(), lr) {
                Ok(l) => total.add(l * idx.len() as f64),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            batches += 1;
        }
        self.ws.order = order;
        self.ws.batch = batch;
        result.map(|()| EpochStats {
            loss: total.value() / rows as f64,
            batches,
            samples: rows,
        })
    }

    /// Codes `f(x)` of `n` samples (`n × hidden`).
    pub fn encode(&mut self, x: &[T], n: usize) -> Result<Vec<T>> {
        self.check_data("input", x, n)?;
        let mut h = vec![T::ZERO; n * self.config.hidden];
        self.encoder.forward(x, n, &mut h, &mut self.ws.scratch);
        Ok(h)
    }

    /// Reconstructions `g(f(x))` of `n` samples, in data space (BCE logits go through σ).
    pub fn reconstruct(&mut self, x: &[T], n: usize) -> Result<Vec<T>> {
        let h = self.encode(x, n)?;
        let mut out = vec![T::ZERO; n * self.config.inputs];
        self.decoder.forward(&h, n, &mut out, &mut self.ws.scratch);
        if self.config.loss == Loss::BceLogits {
            for v in &mut out {
                *v = sigmoid(*v);
            }
        }
        Ok(out)
    }

    /// Loss of each sample (the model's own loss, summed over features).
    pub fn sample_losses(&mut self, x: &[T], n: usize) -> Result<Vec<f64>> {
        let h = self.encode(x, n)?;
        let mut out = vec![T::ZERO; n * self.config.inputs];
        self.decoder.forward(&h, n, &mut out, &mut self.ws.scratch);
        let mut per = vec![0.0; n];
        self.config.loss.per_sample(&out, x, self.config.inputs, &mut per);
        Ok(per)
    }

    /// All parameters in a fixed order: encoder W, encoder b, decoder W, decoder b.
    pub fn parameters(&self) -> Vec<T> {
        let mut p = Vec::with_capacity(self.parameter_count());
        p.extend_from_slice(&self.encoder.w);
        p.extend_from_slice(&self.encoder.b);
        p.extend_from_slice(&self.decoder.w);
        p.extend_from_slice(&self.decoder.b);
        p
    }

    pub fn parameter_count(&self) -> usize {
        self.encoder.w.len() + self.encoder.b.len() + self.decoder.w.len() + self.decoder.b.len()
    }

    /// Replace all parameters (same order as [`Autoencoder::parameters`]).
    pub fn set_parameters(&mut self, p: &[T]) -> Result<()> {
        if p.len() != self.parameter_count() {
            return Err(Error::shape(
                "parameters",
                format!("[{}]", self.parameter_count()),
                format!("[{}]", p.len()),
            ));
        }
        let mut rest = p;
        for dst in [
            &mut self.encoder.w,
            &mut self.encoder.b,
            &mut self.decoder.w,
            &mut self.decoder.b,
        ] {
            let (head, tail) = rest.split_at(dst.len());
            dst.copy_from_slice(head);
            rest = tail;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(seed: u64) -> AutoencoderConfig {
        AutoencoderConfig {
            inputs: 16,
            hidden: 4,
            hidden_act: Activation::Sigmoid,
            output_act: Activation::Sigmoid,
            loss: Loss::Mse,
            seed,
        }
    }

    /// 4×4 images of a single horizontal or vertical bar: 8 patterns, 4 hidden units.
    fn bars(n: usize, rng: &mut Rng) -> Vec<f32> {
        let mut x = vec![0.0f32; n * 16];
        for s in 0..n {
            let k = rng.below(8) as usize;
            for t in 0..4 {
                let (r, c) = if k < 4 { (k, t) } else { (t, k - 4) };
                x[s * 16 + r * 4 + c] = 1.0;
            }
        }
        x
    }

    #[test]
    fn training_reduces_loss_tenfold_and_is_deterministic() {
        let data = bars(256, &mut Rng::new(9));
        let run = || {
            let mut ae = Autoencoder::<f32>::new(config(42)).unwrap();
            let first = ae.train_epoch(&data, 256, 16, 2.0).unwrap().loss;
            let mut last = first;
            for _ in 0..300 {
                last = ae.train_epoch(&data, 256, 16, 2.0).unwrap().loss;
            }
            (first, last, ae.parameters())
        };
        let (first, last, p1) = run();
        assert!(last < first / 10.0, "loss {first} -> {last}");
        let (_, _, p2) = run();
        assert_eq!(p1, p2, "same seed must give identical weights");
    }

    #[test]
    fn wrong_shapes_and_bad_hyperparameters_are_reported() {
        let mut ae = Autoencoder::<f32>::new(config(1)).unwrap();
        let err = ae.train_epoch(&[0.0; 30], 2, 1, 0.1).unwrap_err();
        assert_eq!(err.code(), "E_SHAPE");
        assert!(err.to_string().contains("[2, 16]"), "{err}");
        let err = ae.train_epoch(&[0.0; 32], 2, 3, 0.1).unwrap_err();
        assert!(err.to_string().contains("batchSize = 3"), "{err}");
        let err = ae.train_epoch(&[0.0; 32], 2, 1, f64::NAN).unwrap_err();
        assert!(err.to_string().contains("learningRate"), "{err}");
    }

    #[test]
    fn divergence_is_detected_and_weights_are_kept() {
        let mut ae = Autoencoder::<f32>::new(config(3)).unwrap();
        let before = ae.parameters();
        let mut bad = vec![0.5f32; 32];
        bad[5] = f32::NAN;
        let err = ae.train_batch(&bad, 2, 0.1).unwrap_err();
        assert_eq!(err.code(), "E_NON_FINITE");
        assert_eq!(ae.parameters(), before);
    }
}
