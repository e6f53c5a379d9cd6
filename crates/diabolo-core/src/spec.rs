//! The model specification as it crosses from TypeScript: JSON with every default already
//! applied (the TS facade owns defaults), parsed strictly here (unknown fields are errors)
//! and validated again so that the core never trusts its caller.

mod schema;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::nn::activation::Activation;
use crate::nn::dense::Dense;
use crate::nn::loss::Loss;
use crate::nn::noise::Corruption;
use crate::nn::penalty::{LayerPenalties, Sparsity};
use crate::optim::optimizer::Optimizer;

/// How weights are initialised (defined with the initialisers).
pub use crate::nn::init::Init;
pub use schema::{schema, Schema, CORRUPTIONS, OPTIMIZERS};

/// One encoder layer: `units` outputs, its activation and the penalties on its codes.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    pub units: usize,
    pub act: Activation,
    pub penalties: LayerPenalties,
}

/// Variational code: `latent` Gaussian units after the encoder, KL weight `beta`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VaeSpec {
    pub latent: usize,
    pub beta: f64,
}

/// Everything needed to build a model, and nothing else.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    pub inputs: usize,
    /// Encoder layers, input side first. The decoder mirrors them.
    pub layers: Vec<LayerSpec>,
    pub vae: Option<VaeSpec>,
    pub output_act: Activation,
    pub loss: Loss,
    /// Decoder layers use the transpose of their mirror encoder layer's weights.
    pub tied: bool,
    pub corruption: Corruption,
    pub optimizer: Optimizer,
    pub init: Init,
    pub seed: u64,
}

/// Largest layer width accepted: keeps `units × inputs` far inside 32-bit wasm memory.
pub const MAX_UNITS: usize = 1 << 16;

/// Most WASM memory one model may take: its parameters with their gradients and two
/// optimizer moments, [`BYTES_PER_PARAMETER`] each.
pub const MAX_MODEL_BYTES: usize = 3 << 30;

/// Bytes a model keeps per parameter: the f32 value, its gradient, two optimizer moments.
pub const BYTES_PER_PARAMETER: usize = 4 * 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SparsityJson {
    rho: f64,
    beta: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LayerJson {
    units: usize,
    activation: String,
    alpha: f64,
    l2: f64,
    sparsity: Option<SparsityJson>,
    contractive: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct VaeJson {
    latent_size: usize,
    beta: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", tag = "kind")]
enum CorruptionJson {
    // `{}`: a unit variant would let unknown fields through.
    None {},
    Mask { nu: f64 },
    Gaussian { sigma: f64 },
    SaltPepper { nu: f64, low: f64, high: f64 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", tag = "kind")]
enum OptimizerJson {
    Sgd {},
    Momentum {
        momentum: f64,
        nesterov: bool,
    },
    Adam {
        beta1: f64,
        beta2: f64,
        epsilon: f64,
    },
    #[serde(rename = "adamw")]
    AdamW {
        beta1: f64,
        beta2: f64,
        epsilon: f64,
        // Fields of enum variants are not renamed by `rename_all` (which renames variants).
        #[serde(rename = "weightDecay")]
        weight_decay: f64,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ModelJson {
    input_size: usize,
    layers: Vec<LayerJson>,
    vae: Option<VaeJson>,
    output_activation: String,
    output_alpha: f64,
    loss: String,
    tied_weights: bool,
    corruption: CorruptionJson,
    optimizer: OptimizerJson,
    init: String,
    seed: u64,
}

impl From<OptimizerJson> for Optimizer {
    fn from(j: OptimizerJson) -> Self {
        match j {
            OptimizerJson::Sgd {} => Optimizer::Sgd,
            OptimizerJson::Momentum { momentum, nesterov } => Optimizer::Momentum { momentum, nesterov },
            OptimizerJson::Adam { beta1, beta2, epsilon } => Optimizer::Adam {
                beta1,
                beta2,
                eps: epsilon,
            },
            OptimizerJson::AdamW {
                beta1,
                beta2,
                epsilon,
                weight_decay,
            } => Optimizer::AdamW {
                beta1,
                beta2,
                eps: epsilon,
                weight_decay,
            },
        }
    }
}

/// Parse an optimizer spec (`{"kind": "adam", "beta1": …}`), as used inside model specs.
pub fn optimizer_from_json(text: &str) -> Result<Optimizer> {
    let j: OptimizerJson =
        serde_json::from_str(text).map_err(|e| Error::invalid("optimizer", e, "a valid optimizer spec"))?;
    let opt = Optimizer::from(j);
    opt.validate()?;
    Ok(opt)
}

/// Zeroed dense layers from `inputs` features through layers of `units[i]` units with
/// activation `activations[i]` (its parameter `alphas[i]`): a classifier's body, given its
/// parameters afterwards.
pub fn body_layers<T: crate::kernels::gemm::Kernel>(
    inputs: usize,
    units: &[usize],
    activations: &[&str],
    alphas: &[f64],
) -> Result<Vec<Dense<T>>> {
    if activations.len() != units.len() || alphas.len() != units.len() {
        return Err(Error::shape(
            "body",
            format!("{} activations and alphas", units.len()),
            format!("{} and {}", activations.len(), alphas.len()),
        ));
    }
    let mut fan_in = size("inputs", inputs)?;
    let mut body = Vec::with_capacity(units.len());
    for ((&u, &act), &alpha) in units.iter().zip(activations).zip(alphas) {
        let u = size("units", u)?;
        body.push(Dense::zeros(fan_in, u, Activation::from_name(act, alpha)?));
        fan_in = u;
    }
    Ok(body)
}

fn size(field: &'static str, v: usize) -> Result<usize> {
    if (1..=MAX_UNITS).contains(&v) {
        Ok(v)
    } else {
        Err(Error::invalid(field, v, "an integer in [1, 65536]"))
    }
}

impl ModelSpec {
    /// Parse and validate the JSON the TS facade sends.
    pub fn from_json(text: &str) -> Result<ModelSpec> {
        let j: ModelJson =
            serde_json::from_str(text).map_err(|e| Error::invalid("model spec", e, "a valid model spec"))?;
        let layers = j
            .layers
            .into_iter()
            .map(|l| {
                let penalties = LayerPenalties {
                    l2: l.l2,
                    sparsity: l.sparsity.map(|s| Sparsity {
                        rho: s.rho,
                        beta: s.beta,
                    }),
                    contractive: l.contractive,
                };
                Ok(LayerSpec {
                    units: size("layers[].units", l.units)?,
                    act: Activation::from_name(&l.activation, l.alpha)?,
                    penalties,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let loss = Loss::from_name(&j.loss)?;
        let spec = ModelSpec {
            inputs: size("inputSize", j.input_size)?,
            layers,
            vae: j.vae.map(|v| VaeSpec {
                latent: v.latent_size,
                beta: v.beta,
            }),
            output_act: Activation::from_name(&j.output_activation, j.output_alpha)?,
            loss,
            tied: j.tied_weights,
            corruption: match j.corruption {
                CorruptionJson::None {} => Corruption::None,
                CorruptionJson::Mask { nu } => Corruption::Mask { nu },
                CorruptionJson::Gaussian { sigma } => Corruption::Gaussian { sigma },
                CorruptionJson::SaltPepper { nu, low, high } => Corruption::SaltPepper { nu, low, high },
            },
            optimizer: j.optimizer.into(),
            init: Init::from_name(&j.init)?,
            seed: j.seed,
        };
        spec.validate()?;
        Ok(spec)
    }

    pub fn validate(&self) -> Result<()> {
        size("inputSize", self.inputs)?;
        if self.layers.is_empty() {
            return Err(Error::invalid("layers", "[]", "at least one encoder layer"));
        }
        for l in &self.layers {
            size("layers[].units", l.units)?;
            l.penalties.validate()?;
        }
        if let Some(v) = self.vae {
            size("vae.latentSize", v.latent)?;
            if !(v.beta.is_finite() && v.beta >= 0.0) {
                return Err(Error::invalid("vae.beta", v.beta, "a finite number ≥ 0"));
            }
            if self.tied {
                return Err(Error::invalid(
                    "tiedWeights",
                    true,
                    "false for a variational autoencoder",
                ));
            }
        }
        if let Some((required, expected)) = self.loss.output_rule() {
            if self.output_act.name() != required.name() {
                return Err(Error::invalid("outputActivation", self.output_act.name(), expected));
            }
        }
        self.corruption.validate()?;
        self.optimizer.validate()?;
        Ok(())
    }

    /// Width of the code: the latent size for a VAE, the last layer's units otherwise.
    pub fn code_size(&self) -> usize {
        match self.vae {
            Some(v) => v.latent,
            None => self.layers.last().map_or(0, |l| l.units),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_optimizer_parses_from_the_json_the_facade_sends() {
        // The shapes ts/src/model/config.ts writes (camelCase fields).
        let cases = [
            (r#"{"kind":"sgd"}"#, Optimizer::Sgd),
            (
                r#"{"kind":"momentum","momentum":0.9,"nesterov":true}"#,
                Optimizer::Momentum {
                    momentum: 0.9,
                    nesterov: true,
                },
            ),
            (
                r#"{"kind":"adam","beta1":0.9,"beta2":0.999,"epsilon":1e-8}"#,
                Optimizer::Adam {
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                },
            ),
            (
                r#"{"kind":"adamw","beta1":0.9,"beta2":0.999,"epsilon":1e-8,"weightDecay":0.01}"#,
                Optimizer::AdamW {
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                    weight_decay: 0.01,
                },
            ),
        ];
        for (json, want) in cases {
            assert_eq!(optimizer_from_json(json).unwrap(), want, "{json}");
        }
        assert!(optimizer_from_json(
            r#"{"kind":"adamw","beta1":0.9,"beta2":0.999,"epsilon":1e-8,"weight_decay":0.01}"#
        )
        .is_err());
    }

    /// `{"kind": kind, field: value, …}` with a plausible value for each field.
    fn kind_json(kind: &str, fields: &[&str]) -> String {
        let mut o = serde_json::Map::new();
        o.insert("kind".into(), kind.into());
        for &f in fields {
            let v: serde_json::Value = if f == "nesterov" { true.into() } else { 0.5.into() };
            o.insert(f.into(), v);
        }
        serde_json::Value::Object(o).to_string()
    }

    /// The kinds and fields the schema lists are exactly what the parser reads: each parses
    /// with its fields, and fails without one of them, with one more, or under another kind.
    #[test]
    fn schema_kinds_are_what_the_parser_reads() {
        fn holds<J: for<'de> Deserialize<'de>>(table: &[(&str, &[&str])]) {
            let parses = |text: &str| serde_json::from_str::<J>(text).is_ok();
            for &(kind, fields) in table {
                assert!(parses(&kind_json(kind, fields)), "{kind} {fields:?}");
                for i in 0..fields.len() {
                    let fewer: Vec<&str> = fields
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != i)
                        .map(|(_, f)| *f)
                        .collect();
                    assert!(!parses(&kind_json(kind, &fewer)), "{kind} without {}", fields[i]);
                }
                let more: Vec<&str> = fields.iter().copied().chain(["extra"]).collect();
                assert!(!parses(&kind_json(kind, &more)), "{kind} with an extra field");
            }
            assert!(!parses(&kind_json("unknownKind", &[])));
        }
        holds::<CorruptionJson>(&CORRUPTIONS);
        holds::<OptimizerJson>(&OPTIMIZERS);
        for (init, name) in Init::ALL {
            assert_eq!(Init::from_name(name).unwrap(), init);
            assert_eq!(init.name(), name);
        }
        assert!(Init::from_name("orthogonal").is_err());
    }
}
