//! Every autoencoder of the lecture as one model: a chain of encoder layers (deep when
//! there are several), optionally a variational code, and a mirrored decoder (optionally
//! with tied weights), trained on clean targets from optionally corrupted inputs, with
//! per-layer sparsity / contractive / L2 penalties, by any optimizer.

use crate::error::{try_filled, Error, Result};
use crate::kernels::gemm::{Kernel, Scratch};
use crate::maths::elementary::sigmoid;
use crate::nn::activation::Activation;
use crate::nn::chain::Chain;
use crate::nn::dense::{Dense, DenseGrad, PenaltyScratch};
use crate::nn::init::init_layer;
use crate::nn::loss::Loss;
use crate::nn::noise::Corruption;
use crate::nn::penalty::{self, LayerPenalties};
use crate::nn::vae;
use crate::num::real::Sum;
use crate::num::rng::Rng;
use crate::optim::divergence::LossWatch;
use crate::optim::optimizer::{self as optim, all_finite, OptimizerState};
use crate::spec::ModelSpec;

/// The terms of the objective on one minibatch (or their sample-weighted means over an
/// epoch). `kl` is the unweighted KL divergence; the objective uses `β·scale·kl`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossTerms {
    pub reconstruction: f64,
    pub sparsity: f64,
    pub contractive: f64,
    pub kl: f64,
    pub l2: f64,
    /// The objective actually minimised: reconstruction + penalties + β·scale·kl.
    pub total: f64,
}

impl LossTerms {
    fn add_scaled(&mut self, o: &LossTerms, w: f64) {
        self.reconstruction += o.reconstruction * w;
        self.sparsity += o.sparsity * w;
        self.contractive += o.contractive * w;
        self.kl += o.kl * w;
        self.l2 += o.l2 * w;
        self.total += o.total * w;
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    pub terms: LossTerms,
    pub batches: usize,
    pub samples: usize,
}

/// The two linear heads of a variational encoder and their buffers.
#[derive(Clone, Debug)]
struct VaeHeads<T> {
    mu: Dense<T>,
    lv: Dense<T>,
    gmu: DenseGrad<T>,
    glv: DenseGrad<T>,
    mu_out: Vec<T>,
    lv_out: Vec<T>,
    eps: Vec<T>,
    z: Vec<T>,
    dmu: Vec<T>,
    dlv: Vec<T>,
    dh2: Vec<T>,
}

impl<T: Kernel> VaeHeads<T> {
    /// `μ`, `log σ²` and the code: sampled with `rng`, or `z = μ` without it.
    fn forward(&mut self, h: &[T], n: usize, rng: Option<&mut Rng>, scratch: &mut Scratch<T>) {
        let z_len = n * self.mu.outputs;
        for v in [&mut self.mu_out, &mut self.lv_out, &mut self.eps, &mut self.z] {
            v.resize(z_len, T::ZERO);
        }
        self.mu.forward(h, n, &mut self.mu_out, scratch);
        self.lv.forward(h, n, &mut self.lv_out, scratch);
        match rng {
            Some(rng) => vae::reparameterize(&self.mu_out, &self.lv_out, &mut self.eps, &mut self.z, rng),
            None => self.z.copy_from_slice(&self.mu_out),
        }
    }

    /// Backward from `dz`; adds the KL gradient (weight `kl_weight`) and writes the
    /// gradient w.r.t. the encoder's output into `dh`. Returns the unweighted KL.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &mut self,
        h: &[T],
        n: usize,
        dz: &[T],
        kl_weight: f64,
        dh: &mut [T],
        scratch: &mut Scratch<T>,
        ps: &mut PenaltyScratch<T>,
    ) -> f64 {
        let z_len = dz.len();
        self.dmu.resize(z_len, T::ZERO);
        self.dlv.resize(z_len, T::ZERO);
        self.dh2.resize(dh.len(), T::ZERO);
        vae::reparameterize_backward(&self.lv_out, &self.eps, dz, &mut self.dmu, &mut self.dlv);
        vae::kl_standard_normal(&self.mu_out, &self.lv_out, n, kl_weight, &mut self.dmu, &mut self.dlv);
        let none = LayerPenalties::default();
        self.mu.backward_penalized(
            h,
            &self.mu_out,
            &mut self.dmu,
            n,
            &none,
            &mut self.gmu,
            Some(dh),
            scratch,
            ps,
        );
        self.lv.backward_penalized(
            h,
            &self.lv_out,
            &mut self.dlv,
            n,
            &none,
            &mut self.glv,
            Some(&mut self.dh2),
            scratch,
            ps,
        );
        for (a, &b) in dh.iter_mut().zip(&self.dh2) {
            *a += b;
        }
        vae::kl_value(&self.mu_out, &self.lv_out, n)
    }
}

#[derive(Clone, Debug, Default)]
struct Workspace<T> {
    noisy: Vec<T>,
    batch: Vec<T>,
    order: Vec<usize>,
    dcode: Vec<T>,
    scratch: Scratch<T>,
    ps: PenaltyScratch<T>,
    /// The current epoch's sample-weighted sums so far, added minibatch by minibatch in order,
    /// so the epoch's terms do not depend on how its minibatches were split into calls.
    epoch_sum: LossTerms,
}

/// Saved training state besides the parameters: step count, RNG, optimizer moments.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainState<T> {
    pub step: u64,
    pub rng: [u64; 4],
    /// All optimizer state vectors, concatenated in parameter order (`m` then `v` per tensor).
    pub optimizer: Vec<T>,
}

#[derive(Clone, Debug)]
pub struct Model<T> {
    pub spec: ModelSpec,
    pub enc: Chain<T>,
    heads: Option<VaeHeads<T>>,
    pub dec: Chain<T>,
    rng: Rng,
    step: u64,
    /// Multiplies β during KL warm-up (1 = full weight).
    kl_scale: f64,
    /// Largest global gradient norm allowed (0 = no clipping).
    clip_norm: f64,
    /// Data-parallel: the last shard's minibatch size and number of shards (each shard's
    /// gradient is weighted by its share of the minibatch when the shards are summed).
    split: (usize, usize),
    opt: Vec<OptimizerState<T>>,
    penalties: Vec<LayerPenalties>,
    ws: Workspace<T>,
    /// Stops training whose loss has started to explode (see `divergence.rs`).
    watch: LossWatch,
}

/// Rows `shard` of `shards` takes of a minibatch of `m` rows (offsets within the minibatch):
/// the split every data-parallel replica agrees on, and the shares its gradients are
/// weighted by.
fn shard_rows(m: usize, shard: usize, shards: usize) -> std::ops::Range<usize> {
    shard * m / shards..(shard + 1) * m / shards
}

/// Run the encoder (and a VAE's heads: sampled with `rng`, the mean without) on `n` samples;
/// returns the code.
fn encode_into<'a, T: Kernel>(
    enc: &'a mut Chain<T>,
    heads: &'a mut Option<VaeHeads<T>>,
    x: &[T],
    n: usize,
    rng: Option<&mut Rng>,
    scratch: &mut Scratch<T>,
) -> &'a [T] {
    enc.forward(x, n, scratch);
    match heads {
        Some(h) => {
            h.forward(enc.output(), n, rng, scratch);
            &h.z
        }
        None => enc.output(),
    }
}

impl<T: Kernel> Model<T> {
    /// Build and initialise from a validated spec (Glorot, or He for ReLU-family units).
    pub fn new(spec: ModelSpec) -> Result<Self> {
        spec.validate()?;
        let mut rng = Rng::new(spec.seed);
        let mut enc_layers = Vec::new();
        let mut fan_in = spec.inputs;
        for l in &spec.layers {
            let mut d = Dense::zeros(fan_in, l.units, l.act);
            init_layer(&mut d, spec.init, &mut rng);
            enc_layers.push(d);
            fan_in = l.units;
        }
        let heads = spec.vae.map(|v| {
            let mut mu = Dense::zeros(fan_in, v.latent, Activation::Linear);
            let mut lv = Dense::zeros(fan_in, v.latent, Activation::Linear);
            init_layer(&mut mu, spec.init, &mut rng);
            init_layer(&mut lv, spec.init, &mut rng);
            VaeHeads {
                gmu: mu.grad_zeros(),
                glv: lv.grad_zeros(),
                mu,
                lv,
                mu_out: Vec::new(),
                lv_out: Vec::new(),
                eps: Vec::new(),
                z: Vec::new(),
                dmu: Vec::new(),
                dlv: Vec::new(),
                dh2: Vec::new(),
            }
        });
        // The decoder mirrors the encoder: the layer producing width u_i uses the activation
        // of the encoder layer that produced u_i; the last one produces the reconstruction.
        let units: Vec<usize> = spec.layers.iter().map(|l| l.units).collect();
        let mut dec_layers = Vec::new();
        let mut from = spec.code_size();
        let mut targets: Vec<(usize, Activation)> = Vec::new();
        if spec.vae.is_some() {
            let last = spec.layers.len() - 1;
            targets.push((units[last], spec.layers[last].act));
        }
        for i in (0..spec.layers.len()).rev() {
            targets.push(if i == 0 {
                (spec.inputs, spec.output_act)
            } else {
                (units[i - 1], spec.layers[i - 1].act)
            });
        }
        for (to, act) in targets {
            let mut d = Dense::zeros(from, to, act);
            init_layer(&mut d, spec.init, &mut rng);
            dec_layers.push(d);
            from = to;
        }
        let penalties = spec.layers.iter().map(|l| l.penalties).collect();
        let mut model = Model {
            enc: Chain::new(enc_layers),
            heads,
            dec: Chain::new(dec_layers),
            rng,
            step: 0,
            kl_scale: 1.0,
            clip_norm: 0.0,
            split: (1, 1),
            opt: Vec::new(),
            penalties,
            ws: Workspace::default(),
            watch: LossWatch::default(),
            spec,
        };
        model.sync_tied();
        let opt = model.spec.optimizer;
        model.opt = model
            .tensor_lens()
            .into_iter()
            .map(|len| OptimizerState::new(&opt, len))
            .collect();
        model.reset_divergence_watch();
        Ok(model)
    }

    pub fn inputs(&self) -> usize {
        self.spec.inputs
    }

    pub fn code_size(&self) -> usize {
        self.spec.code_size()
    }

    pub fn is_variational(&self) -> bool {
        self.heads.is_some()
    }

    /// Scale of β for KL warm-up (0 … 1).
    pub fn set_kl_scale(&mut self, scale: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&scale) {
            return Err(Error::invalid("klScale", scale, "a number in [0, 1]"));
        }
        self.kl_scale = scale;
        Ok(())
    }

    /// Rescale the gradient whenever its global L2 norm exceeds `max_norm` (0 turns it off).
    pub fn set_clip_norm(&mut self, max_norm: f64) -> Result<()> {
        if !(max_norm.is_finite() && max_norm >= 0.0) {
            return Err(Error::invalid(
                "gradientClipNorm",
                max_norm,
                "a finite number ≥ 0 (0 = off)",
            ));
        }
        self.clip_norm = max_norm;
        Ok(())
    }

    /// Every gradient buffer, in no particular order.
    fn grad_buffers(&mut self) -> Vec<&mut Vec<T>> {
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

    /// Global gradient clipping; returns the norm before clipping.
    fn clip_gradients(&mut self) -> f64 {
        // Tied decoder weights hand their gradient to the encoder: count only what is stepped.
        let mut sq = Sum::default();
        for (_, g) in self.tensors() {
            for &v in g.iter() {
                sq.add(v.to_f64() * v.to_f64());
            }
        }
        let norm = sq.value().sqrt();
        if self.clip_norm > 0.0 && norm > self.clip_norm {
            let scale = T::from_f64(self.clip_norm / norm);
            for g in self.grad_buffers() {
                for v in g.iter_mut() {
                    *v *= scale;
                }
            }
        }
        norm
    }

    /// Decoder layer `j` mirrors encoder layer `L − 1 − j` (no VAE).
    fn mirror(&self, j: usize) -> usize {
        self.enc.layers.len() - 1 - j
    }

    /// Copy each tied decoder weight from the transpose of its encoder layer.
    fn sync_tied(&mut self) {
        if !self.spec.tied {
            return;
        }
        for j in 0..self.dec.layers.len() {
            let e = &self.enc.layers[self.mirror(j)];
            let d = &mut self.dec.layers[j];
            for r in 0..e.outputs {
                for c in 0..e.inputs {
                    d.w[c * e.outputs + r] = e.w[r * e.inputs + c];
                }
            }
        }
    }

    /// Check that `data` holds `rows` samples of `cols` features.
    pub fn check_data(what: &'static str, data: &[T], rows: usize, cols: usize) -> Result<()> {
        if rows == 0 {
            return Err(Error::shape(
                what,
                format!("[n ≥ 1, {cols}]"),
                format!("[0, {cols}] (no samples)"),
            ));
        }
        if data.len() != rows * cols {
            let actual = if data.len() % cols == 0 {
                format!("[{}, {cols}]", data.len() / cols)
            } else {
                format!("{} values, which is not a multiple of {cols}", data.len())
            };
            return Err(Error::shape(
                what,
                format!("[{rows}, {cols}] ({} values)", rows * cols),
                actual,
            ));
        }
        Ok(())
    }

    /// Forward pass on `x` (already corrupted if training asks for it): fills the chains.
    /// With `sample`, a VAE samples its code; without, it uses the mean.
    fn forward(&mut self, x: &[T], n: usize, sample: bool) {
        let Model {
            enc,
            heads,
            dec,
            rng,
            ws,
            ..
        } = self;
        let code = encode_into(enc, heads, x, n, if sample { Some(rng) } else { None }, &mut ws.scratch);
        dec.forward(code, n, &mut ws.scratch);
    }

    /// One optimisation step on the minibatch `x` (`n` clean samples). Returns the loss terms
    /// before the step. A non-finite loss or gradient, or a loss that has exploded for several
    /// minibatches (see [`LossWatch`]), leaves the model untouched.
    pub fn train_batch(&mut self, x: &[T], n: usize, lr: f64) -> Result<LossTerms> {
        let terms = self.compute_gradients(x, n)?;
        self.watch.check(terms.total)?;
        let norm2 = self.apply_step(lr);
        // A step that blew the weights up: applied already; the caller goes back to a saved state.
        self.watch.check_weights(norm2.sqrt())?;
        Ok(terms)
    }

    /// Start a new run of the divergence watch (each `fit` judges its own losses, from the
    /// weights it starts with).
    pub fn reset_divergence_watch(&mut self) {
        let norm = self.weights_norm2().sqrt();
        self.watch.reset(norm);
    }

    /// Loss terms and gradients (kept inside the model) for the minibatch `x`: corrupts the
    /// input and samples the VAE code with the model's generator, but changes no weight.
    pub fn compute_gradients(&mut self, x: &[T], n: usize) -> Result<LossTerms> {
        self.gradients_of(x, n, true)
    }

    fn gradients_of(&mut self, x: &[T], n: usize, clip: bool) -> Result<LossTerms> {
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

    // --- data-parallel training ---------------------------------------------------------
    // Replicas of one model (same weights, optimizer state and epoch order) each compute the
    // gradient of their shard of every minibatch; the shards' gradients, weighted by their
    // share of the minibatch, are summed in the same order by every replica, which then
    // clips and steps as one model would: the replicas stay identical.

    /// The current epoch's order of rows (drawn by [`Model::begin_epoch`]).
    pub fn epoch_order(&self) -> &[usize] {
        &self.ws.order
    }

    /// Restart the model's random stream (epoch orders, corruption, VAE samples) from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }

    /// Take another replica's epoch order (a permutation of `0 .. rows`).
    pub fn set_epoch_order(&mut self, order: &[u32], rows: usize) -> Result<()> {
        if order.len() != rows {
            return Err(Error::shape(
                "epoch order",
                format!("[{rows}]"),
                format!("[{}]", order.len()),
            ));
        }
        if let Some(&bad) = order.iter().find(|&&i| i as usize >= rows) {
            return Err(Error::invalid(
                "epoch order",
                bad,
                "row indices below the number of rows",
            ));
        }
        self.ws.order.clear();
        self.ws.order.extend(order.iter().map(|&i| i as usize));
        Ok(())
    }

    /// Gradients (kept in the model, not clipped, nothing stepped) of shard `shard` of
    /// `shards` of minibatch `batch` of the current epoch, as means over the shard's samples
    /// ([`Model::apply_gradient_sum`] weights each shard by its share of the minibatch).
    /// Returns the shard's loss terms (means over its samples) and its size; an empty shard
    /// (a minibatch smaller than `shards`) leaves zero gradients.
    pub fn shard_gradients(
        &mut self,
        data: &[T],
        rows: usize,
        batch_size: usize,
        batch: usize,
        shard: usize,
        shards: usize,
    ) -> Result<(LossTerms, usize)> {
        let d = self.spec.inputs;
        Self::check_data("training data", data, rows, d)?;
        crate::nn::chain::check_epoch_args(rows, batch_size, 1.0)?;
        if self.ws.order.len() != rows || shard >= shards || batch * batch_size >= rows {
            return Err(Error::invalid(
                "shard",
                format!("batch {batch}, shard {shard} of {shards}"),
                "a shard of a minibatch of the current epoch",
            ));
        }
        let start = batch * batch_size;
        let m = batch_size.min(rows - start);
        self.split = (m, shards);
        let within = shard_rows(m, shard, shards);
        let (lo, hi) = (start + within.start, start + within.end);
        let n = hi - lo;
        if n == 0 {
            for g in self.grad_buffers() {
                g.fill(T::ZERO);
            }
            return Ok((LossTerms::default(), 0));
        }
        let terms = self.on_rows(data, lo, hi, |m, x, n| m.gradients_of(x, n, false))?;
        Ok((terms, n))
    }

    /// The gradients of the last [`Model::shard_gradients`] where they lie, in parameter
    /// order (the tensors that are stepped): what a replica publishes to the others.
    pub fn shard_gradient_tensors(&mut self) -> Vec<&[T]> {
        self.stepped_grads().into_iter().map(|g| g.as_slice()).collect()
    }

    /// Sum the shard gradients of one minibatch, each weighted by its share of the
    /// minibatch, in shard order, then clip and step with the sum: the update the whole
    /// minibatch gives one model. `slots` holds one gradient per shard (parameter order, end
    /// to end, as [`Model::shard_gradient_tensors`] lays them out); with `own = Some(k)` shard
    /// `k`'s is this model's own (its slot in `slots` is not read). Every replica forms the
    /// same products and sums in the same order, so all of them take the same step. A
    /// non-finite sum leaves the model untouched.
    pub fn apply_gradient_sum(&mut self, slots: &[T], own: Option<usize>, lr: f64) -> Result<()> {
        let p = self.parameter_count();
        let (m, count) = self.split;
        if slots.len() != p * count || own.is_some_and(|k| k >= count) {
            return Err(Error::shape(
                "gradient slots",
                format!("[{count} × {p}] after a shard of {count}"),
                format!("[{}]", slots.len()),
            ));
        }
        let shares: Vec<T> = (0..count)
            .map(|k| T::from_f64(shard_rows(m, k, count).len() as f64 / m as f64))
            .collect();
        let mut offset = 0;
        let mut finite = true;
        for g in self.stepped_grads() {
            let len = g.len();
            let slot = |k: usize| &slots[k * p + offset..k * p + offset + len];
            match own {
                // The common case, two replicas: one fused pass that also checks the sum.
                // IEEE addition commutes, so own·s_own + other·s_other has the bits of the
                // general loop's slot-order sum on both replicas.
                Some(k) if count == 2 => {
                    let (s_own, s_other) = (shares[k], shares[1 - k]);
                    let mut bad = false;
                    for (a, &b) in g.iter_mut().zip(slot(1 - k)) {
                        *a = *a * s_own + b * s_other;
                        bad |= !a.is_finite();
                    }
                    finite &= !bad;
                }
                _ => {
                    for i in 0..len {
                        let mut acc = T::ZERO;
                        for (k, &share) in shares.iter().enumerate() {
                            let v = if own == Some(k) {
                                g[i]
                            } else {
                                slots[k * p + offset + i]
                            };
                            acc = if k == 0 { v * share } else { acc + v * share };
                        }
                        g[i] = acc;
                    }
                    finite &= all_finite(g);
                }
            }
            offset += len;
        }
        if !finite {
            return Err(Error::NonFinite {
                what: "summed gradient".to_string(),
            });
        }
        if self.clip_norm > 0.0 {
            self.clip_gradients();
        }
        self.apply_step(lr);
        Ok(())
    }

    /// The gradients that are stepped (tied decoder weights excluded), in parameter order.
    fn stepped_grads(&mut self) -> Vec<&mut Vec<T>> {
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

    /// The gradients of the last [`Model::compute_gradients`], in parameter order.
    pub fn gradients(&mut self) -> Vec<T> {
        let mut g = Vec::new();
        for (_, grad) in self.tensors() {
            g.extend_from_slice(grad);
        }
        g
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

    fn grads_finite(&self) -> bool {
        let chains = self.enc.grads.iter().chain(&self.dec.grads);
        let heads = self.heads.iter().flat_map(|h| [&h.gmu, &h.glv]);
        chains.chain(heads).all(|g| all_finite(&g.w) && all_finite(&g.b))
    }

    /// Lengths of the trainable tensors, in parameter order.
    fn tensor_lens(&self) -> Vec<usize> {
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
    fn tensors(&mut self) -> Vec<(&mut Vec<T>, &Vec<T>)> {
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

    /// One optimizer step on every tensor; returns the squared norm of all parameters after it.
    fn apply_step(&mut self, lr: f64) -> f64 {
        self.step += 1;
        let (opt, t) = (self.spec.optimizer, self.step);
        let mut states = std::mem::take(&mut self.opt);
        let mut norm2 = 0.0;
        for ((p, g), s) in self.tensors().into_iter().zip(states.iter_mut()) {
            optim::step(&opt, lr, t, p, g, s);
            norm2 += optim::sum_squares(p);
        }
        self.opt = states;
        self.sync_tied();
        norm2
    }

    /// Squared norm of all trainable parameters.
    fn weights_norm2(&mut self) -> f64 {
        self.tensors().into_iter().map(|(p, _)| optim::sum_squares(p)).sum()
    }

    /// One pass over `rows` samples in a fresh random order, `batch_size` at a time.
    pub fn train_epoch(&mut self, data: &[T], rows: usize, batch_size: usize, lr: f64) -> Result<EpochReport> {
        self.begin_epoch(data, rows)?;
        let (_, batches) = self.train_batches(data, rows, batch_size, lr, 0, usize::MAX)?;
        let terms = self.epoch_terms(rows);
        Ok(EpochReport {
            terms,
            batches,
            samples: rows,
        })
    }

    /// Start an epoch: draw the order in which its minibatches visit the `rows` samples.
    /// Then [`Model::train_batches`] runs them, all at once or a few at a time (for progress
    /// and cancellation between minibatches) with identical results.
    pub fn begin_epoch(&mut self, data: &[T], rows: usize) -> Result<()> {
        Self::check_data("training data", data, rows, self.spec.inputs)?;
        crate::nn::chain::shuffled(&mut self.ws.order, rows, &mut self.rng);
        self.ws.epoch_sum = LossTerms::default();
        Ok(())
    }

    /// The terms of the current epoch so far as means over its `rows` samples: after its last
    /// minibatch, the epoch's terms, the same bits however [`Model::train_batches`] split it.
    pub fn epoch_terms(&self, rows: usize) -> LossTerms {
        let mut terms = LossTerms::default();
        terms.add_scaled(&self.ws.epoch_sum, 1.0 / rows as f64);
        terms
    }

    /// Train minibatches `first .. first + count` (clipped to the epoch) of the current
    /// epoch. Returns the sample-weighted sum of their loss terms and how many ran.
    pub fn train_batches(
        &mut self,
        data: &[T],
        rows: usize,
        batch_size: usize,
        lr: f64,
        first: usize,
        count: usize,
    ) -> Result<(LossTerms, usize)> {
        let d = self.spec.inputs;
        Self::check_data("training data", data, rows, d)?;
        crate::nn::chain::check_epoch_args(rows, batch_size, lr)?;
        if self.ws.order.len() != rows {
            return Err(Error::invalid(
                "epoch",
                "not begun for this data",
                "begin_epoch on the same data first",
            ));
        }
        let mut sum = LossTerms::default();
        let mut done = 0;
        for b in first..rows.div_ceil(batch_size).min(first.saturating_add(count)) {
            let (lo, hi) = (b * batch_size, ((b + 1) * batch_size).min(rows));
            let t = self.on_rows(data, lo, hi, |m, x, n| m.train_batch(x, n, lr))?;
            sum.add_scaled(&t, (hi - lo) as f64);
            self.ws.epoch_sum.add_scaled(&t, (hi - lo) as f64);
            done += 1;
        }
        Ok((sum, done))
    }

    /// Run `f` on the samples `order[lo..hi]` of the current epoch, gathered from `data` into
    /// the minibatch buffer.
    fn on_rows<R>(&mut self, data: &[T], lo: usize, hi: usize, f: impl FnOnce(&mut Self, &[T], usize) -> R) -> R {
        let d = self.spec.inputs;
        let mut batch = std::mem::take(&mut self.ws.batch);
        batch.clear();
        for &i in &self.ws.order[lo..hi] {
            batch.extend_from_slice(&data[i * d..(i + 1) * d]);
        }
        let result = f(self, &batch, hi - lo);
        self.ws.batch = batch;
        result
    }

    /// Run `f` over `x` in chunks of at most 256 samples (bounded memory for big sets).
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
            let m = 256.min(n - start);
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
        if self.spec.loss == Loss::BceLogits {
            for v in &mut out {
                *v = sigmoid(*v);
            }
        }
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
    /// in nats per sample (k = 1 gives the ELBO). Gaussian decoders use σ² = ½, matching
    /// the squared-error loss.
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
        let gauss_const = if self.spec.loss == Loss::Mse {
            0.5 * d as f64 * std::f64::consts::PI.ln()
        } else {
            0.0
        };
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
                    lw.push(-rec[i] - gauss_const + lp);
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
            let mut h = vec![T::ZERO; k * layer.outputs];
            layer.forward(xs, k, &mut h, &mut m.ws.scratch);
            total.add(penalty::mean_jacobian_norm(layer.view(), &h, k) * k as f64);
        })?;
        Ok(total.value() / n as f64)
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

    /// Step count, RNG state and optimizer moments: with the parameters, what resumes
    /// training exactly.
    pub fn train_state(&self) -> TrainState<T> {
        let mut optimizer = Vec::new();
        for s in &self.opt {
            optimizer.extend_from_slice(&s.m);
            optimizer.extend_from_slice(&s.v);
        }
        TrainState {
            step: self.step,
            rng: self.rng.state(),
            optimizer,
        }
    }

    pub fn set_train_state(&mut self, state: &TrainState<T>) -> Result<()> {
        let want: usize = self.opt.iter().map(|s| s.m.len() + s.v.len()).sum();
        if state.optimizer.len() != want {
            return Err(Error::shape(
                "optimizer state",
                format!("[{want}]"),
                format!("[{}]", state.optimizer.len()),
            ));
        }
        let mut rest = &state.optimizer[..];
        for s in &mut self.opt {
            for v in [&mut s.m, &mut s.v] {
                let (head, tail) = rest.split_at(v.len());
                v.copy_from_slice(head);
                rest = tail;
            }
        }
        self.step = state.step;
        self.rng = Rng::from_state(state.rng);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::penalty::Sparsity;
    use crate::optim::optimizer::Optimizer;
    use crate::spec::{Init, LayerSpec, VaeSpec};

    fn spec(layers: Vec<LayerSpec>) -> ModelSpec {
        ModelSpec {
            inputs: 6,
            layers,
            vae: None,
            output_act: Activation::Sigmoid,
            loss: Loss::Mse,
            tied: false,
            corruption: Corruption::None,
            optimizer: Optimizer::Sgd,
            init: Init::Auto,
            seed: 5,
        }
    }

    fn layer(units: usize, act: Activation, penalties: LayerPenalties) -> LayerSpec {
        LayerSpec { units, act, penalties }
    }

    fn data(n: usize, d: usize, seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        (0..n * d).map(|_| 0.05 + 0.9 * rng.next_f64()).collect()
    }

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

    #[test]
    fn resuming_from_a_saved_state_matches_training_straight_through() {
        let mut s = spec(vec![layer(4, Activation::Relu, LayerPenalties::default())]);
        s.optimizer = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        s.corruption = Corruption::Gaussian { sigma: 0.1 };
        let x: Vec<f32> = data(32, 6, 4).iter().map(|&v| v as f32).collect();
        let mut straight = Model::<f32>::new(s.clone()).unwrap();
        for _ in 0..4 {
            straight.train_epoch(&x, 32, 8, 0.01).unwrap();
        }
        let mut first = Model::<f32>::new(s.clone()).unwrap();
        for _ in 0..2 {
            first.train_epoch(&x, 32, 8, 0.01).unwrap();
        }
        let (params, state) = (first.parameters(), first.train_state());
        let mut resumed = Model::<f32>::new(s).unwrap();
        resumed.set_parameters(&params).unwrap();
        resumed.set_train_state(&state).unwrap();
        for _ in 0..2 {
            resumed.train_epoch(&x, 32, 8, 0.01).unwrap();
        }
        assert_eq!(resumed.parameters(), straight.parameters());
    }

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

    #[test]
    fn a_learning_rate_far_too_large_is_stopped_while_the_weights_are_still_finite() {
        let mut s = spec(vec![layer(4, Activation::Relu, LayerPenalties::default())]);
        s.output_act = Activation::Linear;
        let x: Vec<f32> = data(60, 6, 3).iter().map(|&v| v as f32).collect();
        for lr in [5.0, 20.0, 200.0] {
            let mut m = Model::<f32>::new(s.clone()).unwrap();
            let mut outcome = Ok(());
            for _ in 0..50 {
                if let Err(e) = m.train_epoch(&x, 60, 6, lr) {
                    outcome = Err(e);
                    break;
                }
            }
            let err = outcome.expect_err(&format!("lr {lr} should diverge"));
            assert!(
                matches!(err, Error::Diverging { .. } | Error::Exploded { .. }),
                "lr {lr}: {err}"
            );
            assert_eq!(err.code(), "E_NON_FINITE");
            // Caught long before overflow: every weight is finite and far below f32's range.
            let p = m.parameters();
            assert!(
                p.iter().all(|v| v.is_finite() && v.abs() < 1e12),
                "lr {lr}: max |w| too large"
            );
        }
        // One catastrophic step (the loss before it was ordinary) is caught at that step.
        let mut m = Model::<f32>::new(s.clone()).unwrap();
        let err = m.train_epoch(&x, 60, 60, 1e30).unwrap_err();
        assert!(matches!(err, Error::Exploded { .. }), "{err}");
        // A sane rate on the same model trains on without a false alarm.
        let mut m = Model::<f32>::new(s).unwrap();
        for _ in 0..200 {
            m.train_epoch(&x, 60, 6, 0.01).unwrap();
        }
    }

    #[test]
    fn an_epoch_in_pieces_equals_the_epoch_at_once() {
        let mut s = spec(vec![layer(4, Activation::Sigmoid, LayerPenalties::default())]);
        s.corruption = Corruption::Mask { nu: 0.2 };
        let x: Vec<f32> = data(50, 6, 8).iter().map(|&v| v as f32).collect();
        let mut whole = Model::<f32>::new(s.clone()).unwrap();
        let report = whole.train_epoch(&x, 50, 8, 0.1).unwrap();
        let mut pieces = Model::<f32>::new(s).unwrap();
        pieces.begin_epoch(&x, 50).unwrap();
        let (mut total, mut batches) = (LossTerms::default(), 0);
        for first in (0..7).step_by(3) {
            let (sum, n) = pieces.train_batches(&x, 50, 8, 0.1, first, 3).unwrap();
            total.add_scaled(&sum, 1.0);
            batches += n;
        }
        assert_eq!(batches, report.batches);
        assert_eq!(pieces.parameters(), whole.parameters());
        assert!((total.total / 50.0 - report.terms.total).abs() < 1e-12);
        // The epoch's own running sums give its terms bit for bit, whatever the split.
        assert_eq!(pieces.epoch_terms(50), report.terms);
        // A new epoch starts its sums afresh.
        pieces.begin_epoch(&x, 50).unwrap();
        assert_eq!(pieces.epoch_terms(50), LossTerms::default());
    }

    #[test]
    fn init_schemes_have_their_scales() {
        let big = |init: Init, act: Activation| {
            let mut s = spec(vec![layer(400, act, LayerPenalties::default())]);
            s.inputs = 784;
            s.init = init;
            let m = Model::<f64>::new(s).unwrap();
            let (w, b) = m.encoder_layer(0).unwrap();
            let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
            let bmax = b.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            (var.sqrt(), w.iter().fold(0.0f64, |a, v| a.max(v.abs())), bmax)
        };
        let (he, _, hb) = big(Init::Auto, Activation::Relu);
        assert!((he - (2.0f64 / 784.0).sqrt()).abs() < 0.002 && hb == 0.0, "He std {he}");
        let (gl, gmax, _) = big(Init::Auto, Activation::Sigmoid);
        let r = (6.0f64 / (784.0 + 400.0)).sqrt();
        assert!(gmax <= r && (gl - r / 3f64.sqrt()).abs() < 0.002, "Glorot std {gl}");
        let (_, umax, ub) = big(Init::UniformFanIn, Activation::Relu);
        assert!(
            umax <= 1.0 / 28.0 && ub > 0.0 && ub <= 1.0 / 28.0,
            "uniform fan-in {umax} {ub}"
        );
    }

    #[test]
    fn gradient_clipping_bounds_the_global_norm() {
        let mut m = Model::<f64>::new(spec(vec![layer(4, Activation::Sigmoid, LayerPenalties::default())])).unwrap();
        let x = data(8, 6, 7);
        let mut free = m.clone();
        free.compute_gradients(&x, 8).unwrap();
        let norm = free.clip_gradients();
        assert!(norm > 0.0);
        m.set_clip_norm(norm / 10.0).unwrap();
        m.compute_gradients(&x, 8).unwrap();
        let clipped = m.clip_gradients();
        assert!(
            (clipped - norm / 10.0).abs() < 1e-9 * norm,
            "{clipped} vs {}",
            norm / 10.0
        );
        let (g_free, g_clip) = (free.gradients(), m.gradients());
        for (a, b) in g_free.iter().zip(&g_clip) {
            assert!((a / 10.0 - b).abs() < 1e-12, "direction kept");
        }
        assert!(m.set_clip_norm(-1.0).is_err());
    }

    #[test]
    fn bad_specs_are_rejected_with_the_field_named() {
        let mut s = spec(vec![layer(4, Activation::Sigmoid, LayerPenalties::default())]);
        s.vae = Some(VaeSpec { latent: 2, beta: 1.0 });
        s.tied = true;
        assert!(Model::<f32>::new(s.clone())
            .unwrap_err()
            .to_string()
            .contains("tiedWeights"));
        s.tied = false;
        s.layers[0].penalties.sparsity = Some(Sparsity { rho: 1.5, beta: 1.0 });
        assert!(Model::<f32>::new(s)
            .unwrap_err()
            .to_string()
            .contains("sparsity.rho = 1.5"));
        let huge = spec(vec![layer(60_000, Activation::Sigmoid, LayerPenalties::default()); 40]);
        assert!(Model::<f32>::new(huge)
            .unwrap_err()
            .to_string()
            .contains("fits in WASM memory"));
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
    fn shards_summed_step_like_the_whole_minibatch() {
        // Tied weights, L2 and clipping: everything the update combines. Two and three
        // replicas share every minibatch; their shard gradients, summed, must give the
        // one-model step, whether a replica's own gradient is read in place or from its slot.
        let l2 = LayerPenalties {
            l2: 1e-3,
            ..LayerPenalties::default()
        };
        let s = ModelSpec {
            tied: true,
            ..spec(vec![layer(5, Activation::Tanh, l2), layer(3, Activation::Sigmoid, l2)])
        };
        let (rows, bs) = (23, 8);
        let x = data(rows, 6, 11);
        for n in [2usize, 3] {
            let mut one = Model::<f64>::new(s.clone()).unwrap();
            one.set_clip_norm(0.5).unwrap();
            let p_count = one.parameter_count();
            let mut replicas = vec![one.clone(); n];
            for _ in 0..3 {
                one.begin_epoch(&x, rows).unwrap();
                let order: Vec<u32> = one.epoch_order().iter().map(|&i| i as u32).collect();
                one.train_batches(&x, rows, bs, 0.3, 0, usize::MAX).unwrap();
                for r in &mut replicas {
                    r.set_epoch_order(&order, rows).unwrap();
                }
                for b in 0..rows.div_ceil(bs) {
                    let mut slots = Vec::new();
                    let mut seen = 0;
                    for (k, r) in replicas.iter_mut().enumerate() {
                        seen += r.shard_gradients(&x, rows, bs, b, k, n).unwrap().1;
                        slots.extend(r.shard_gradient_tensors().concat());
                    }
                    assert_eq!(seen, bs.min(rows - b * bs));
                    // One replica (turn by turn) sums from the slots alone; the others use
                    // their own gradient in place, their slot poisoned to prove it unread.
                    let reader = b % n;
                    replicas[reader].apply_gradient_sum(&slots, None, 0.3).unwrap();
                    for (k, r) in replicas.iter_mut().enumerate().filter(|&(k, _)| k != reader) {
                        let mut poisoned = slots.clone();
                        poisoned[k * p_count..(k + 1) * p_count].fill(f64::NAN);
                        r.apply_gradient_sum(&poisoned, Some(k), 0.3).unwrap();
                    }
                }
            }
            let w = one.parameters();
            let p = replicas[0].parameters();
            for r in &mut replicas[1..] {
                assert_eq!(r.parameters(), p, "replicas stay identical");
            }
            for (a, b) in p.iter().zip(&w) {
                assert!((a - b).abs() < 1e-12, "{n} replicas: {a} vs {b}");
            }
            let r = &mut replicas[0];
            assert!(r.shard_gradients(&x, rows, bs, 3, 0, n).is_err(), "batch 3 of 3");
            assert!(r.set_epoch_order(&[0, 99], 2).is_err());
            assert!(r.apply_gradient_sum(&[0.0; 3], None, 0.1).is_err());
            assert!(r.apply_gradient_sum(&vec![0.0; n * p_count], Some(n), 0.1).is_err());
            let mut nan = vec![0.0; n * p_count];
            nan[p_count] = f64::NAN;
            let before = r.parameters();
            assert!(
                r.apply_gradient_sum(&nan, Some(0), 0.1).is_err(),
                "a NaN slot is refused beside an own gradient in place"
            );
            assert!(r.apply_gradient_sum(&nan, None, 0.1).is_err(), "a NaN slot is refused");
            assert_eq!(r.parameters(), before, "and leaves the weights alone");
        }
    }

    fn bars_spec(seed: u64) -> ModelSpec {
        ModelSpec {
            inputs: 16,
            seed,
            ..spec(vec![layer(4, Activation::Sigmoid, LayerPenalties::default())])
        }
    }

    #[test]
    fn training_reduces_loss_tenfold_and_is_deterministic() {
        let data = bars(256, &mut Rng::new(9));
        let run = || {
            let mut m = Model::<f32>::new(bars_spec(42)).unwrap();
            let first = m.train_epoch(&data, 256, 16, 2.0).unwrap().terms.reconstruction;
            let mut last = first;
            for _ in 0..300 {
                last = m.train_epoch(&data, 256, 16, 2.0).unwrap().terms.reconstruction;
            }
            (first, last, m.parameters())
        };
        let (first, last, p1) = run();
        assert!(last < first / 10.0, "loss {first} -> {last}");
        let (_, _, p2) = run();
        assert_eq!(p1, p2, "same seed must give identical weights");
    }

    #[test]
    fn wrong_shapes_and_bad_hyperparameters_are_reported() {
        let mut m = Model::<f32>::new(bars_spec(1)).unwrap();
        let err = m.train_epoch(&[0.0; 30], 2, 1, 0.1).unwrap_err();
        assert_eq!(err.code(), "E_SHAPE");
        assert!(err.to_string().contains("[2, 16]"), "{err}");
        let err = m.train_epoch(&[0.0; 32], 2, 3, 0.1).unwrap_err();
        assert!(err.to_string().contains("batchSize = 3"), "{err}");
        let err = m.train_epoch(&[0.0; 32], 2, 1, f64::NAN).unwrap_err();
        assert!(err.to_string().contains("learningRate"), "{err}");
    }

    #[test]
    fn divergence_is_detected_and_weights_are_kept() {
        let mut m = Model::<f32>::new(bars_spec(3)).unwrap();
        let before = m.parameters();
        let mut bad = vec![0.5f32; 32];
        bad[5] = f32::NAN;
        let err = m.train_batch(&bad, 2, 0.1).unwrap_err();
        assert_eq!(err.code(), "E_NON_FINITE");
        assert_eq!(m.parameters(), before);
    }
}
