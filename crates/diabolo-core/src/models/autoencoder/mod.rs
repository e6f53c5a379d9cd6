//! Every autoencoder of the lecture as one model: a chain of encoder layers (deep when
//! there are several), optionally a variational code, and a mirrored decoder (optionally
//! with tied weights), trained on clean targets from optionally corrupted inputs, with
//! per-layer sparsity / contractive / L2 penalties, by any optimizer.
//!
//! The struct, its construction and topology live here; the rest of the model in the files
//! beside it (`gradients`: the objective and its gradient; `evaluate`: everything that only
//! runs the model forward; `parameters`: the parameter vector and layers). How it is trained
//! — steps, epochs, data-parallel shards, resume state — is `crate::training`.

pub mod evaluate;
mod gradients;
mod parameters;
#[cfg(test)]
pub(crate) mod test_support;
pub mod topology;
mod vae_heads;

use crate::error::{Error, Result};
use crate::kernels::gemm::{Kernel, Scratch};
use crate::models::autoencoder::vae_heads::VaeHeads;
use crate::nn::chain::Chain;
use crate::nn::dense::{Dense, PenaltyScratch};
use crate::nn::init::init_layer;
use crate::nn::penalty::LayerPenalties;
use crate::num::rng::Rng;
use crate::optim::divergence::LossWatch;
use crate::optim::optimizer::OptimizerState;
use crate::optim::params::ParamSet;
use crate::spec::ModelSpec;
pub use topology::{Role, Topology};

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
    pub(crate) fn add_scaled(&mut self, o: &LossTerms, w: f64) {
        self.reconstruction += o.reconstruction * w;
        self.sparsity += o.sparsity * w;
        self.contractive += o.contractive * w;
        self.kl += o.kl * w;
        self.l2 += o.l2 * w;
        self.total += o.total * w;
    }
}

/// Buffers reused from minibatch to minibatch, and the current epoch's order and sums.
#[derive(Clone, Debug, Default)]
pub(crate) struct Workspace<T> {
    pub(crate) noisy: Vec<T>,
    pub(crate) batch: Vec<T>,
    pub(crate) order: Vec<usize>,
    pub(crate) dcode: Vec<T>,
    pub(crate) scratch: Scratch<T>,
    pub(crate) ps: PenaltyScratch<T>,
    /// The current epoch's sample-weighted sums so far, added minibatch by minibatch in order,
    /// so the epoch's terms do not depend on how its minibatches were split into calls.
    pub(crate) epoch_sum: LossTerms,
}

#[derive(Clone, Debug)]
pub struct Model<T> {
    pub spec: ModelSpec,
    /// The layers and the parameter layout, derived from `spec` (see `topology.rs`).
    pub topology: Topology,
    pub enc: Chain<T>,
    pub(crate) heads: Option<VaeHeads<T>>,
    pub dec: Chain<T>,
    pub(crate) rng: Rng,
    pub(crate) step: u64,
    /// Multiplies β during KL warm-up (1 = full weight).
    pub(crate) kl_scale: f64,
    /// Largest global gradient norm allowed (0 = no clipping).
    pub(crate) clip_norm: f64,
    /// Data-parallel: the last shard's minibatch size and number of shards (each shard's
    /// gradient is weighted by its share of the minibatch when the shards are summed).
    pub(crate) split: (usize, usize),
    pub(crate) opt: Vec<OptimizerState<T>>,
    pub(crate) penalties: Vec<LayerPenalties>,
    pub(crate) ws: Workspace<T>,
    /// Stops training whose loss has started to explode (see `optim/divergence.rs`).
    pub(crate) watch: LossWatch,
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
        let topology = Topology::of_valid(&spec)?;
        let mut rng = Rng::new(spec.seed);
        let (mut enc_layers, mut heads, mut dec_layers) = (Vec::new(), Vec::new(), Vec::new());
        // Initialised in parameter order, so the random stream follows the topology.
        for l in &topology.layers {
            let mut d = Dense::zeros(l.inputs, l.outputs, l.act);
            init_layer(&mut d, spec.init, &mut rng);
            match l.role {
                Role::Encoder => enc_layers.push(d),
                Role::Mean | Role::LogVariance => heads.push(d),
                Role::Decoder => dec_layers.push(d),
            }
        }
        let heads = match <[Dense<T>; 2]>::try_from(heads) {
            Ok([mu, lv]) => Some(VaeHeads::new(mu, lv)),
            Err(none) => {
                debug_assert!(none.is_empty(), "a VAE has exactly two heads");
                None
            }
        };
        let penalties = spec.layers.iter().map(|l| l.penalties).collect();
        let mut model = Model {
            topology,
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
        model.opt = model.fresh_states(&opt);
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

    /// Copy each tied decoder weight from the transpose of its encoder layer.
    pub(crate) fn sync_tied(&mut self) {
        for l in self.topology.role(Role::Decoder) {
            let Some(i) = l.tied_to else { continue };
            let e = &self.enc.layers[i];
            let d = &mut self.dec.layers[l.index];
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
            let actual = if data.len().is_multiple_of(cols) {
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

    /// Start a new run of the divergence watch (each `fit` judges its own losses, from the
    /// weights it starts with).
    pub fn reset_divergence_watch(&mut self) {
        let norm = self.values_norm2().sqrt();
        self.watch.reset(norm);
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{layer, spec};
    use super::*;
    use crate::nn::activation::Activation;
    use crate::nn::penalty::Sparsity;
    use crate::spec::{Init, VaeSpec};

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
}
