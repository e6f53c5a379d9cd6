//! The model as data: every dense layer of an autoencoder — its role, sizes, activation,
//! tied partner — and where each of its tensors sits in the parameter vector, derived from
//! the spec alone (nothing is allocated).
//!
//! This is the one place that knows how an autoencoder is put together: [`Model::new`]
//! builds its layers from it, its parameter order ([`ParamSet::tensor_ids`]) follows it,
//! and the binding hands it to the facade (as JSON), where the model file, stacking and
//! exporters read it instead of deriving the layout again.
//!
//! [`Model::new`]: crate::models::autoencoder::Model::new
//! [`ParamSet::tensor_ids`]: crate::optim::params::ParamSet::tensor_ids

use serde::Serialize;

use crate::error::{Error, Result};
use crate::nn::activation::Activation;
use crate::spec::{ModelSpec, BYTES_PER_PARAMETER, MAX_MODEL_BYTES};

/// What a dense layer does in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Encoder layer `index`, input side first.
    Encoder,
    /// A VAE's head for the mean `μ` of the code.
    Mean,
    /// A VAE's head for the log-variance `ln σ²` of the code.
    LogVariance,
    /// Decoder layer `index`, code side first; the last one gives the reconstruction.
    Decoder,
}

/// Where a tensor lies in the parameter vector (`Model::parameters`), and its shape: a
/// weight matrix is `[outputs, inputs]` (row-major, one row per output unit), a bias
/// `[outputs]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub offset: usize,
    pub shape: Vec<usize>,
}

impl Span {
    /// Number of values (saturating: a spec too large for memory is refused by
    /// [`Topology::check_size`], not by an overflow here).
    pub fn len(&self) -> usize {
        self.shape.iter().fold(1usize, |n, &d| n.saturating_mul(d))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One dense layer: `outputs = activation(W · inputs + b)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerInfo {
    pub role: Role,
    /// Position among the layers of its role.
    pub index: usize,
    pub inputs: usize,
    pub outputs: usize,
    /// The activation's config name.
    pub activation: &'static str,
    /// The slope or scale of `leakyRelu` / `elu`; absent for the others.
    pub alpha: Option<f64>,
    /// The encoder layer a decoder layer mirrors: it maps that layer's outputs back to its
    /// inputs (absent for encoder layers, the VAE heads and the VAE decoder's first layer,
    /// which maps the code back to the last encoder width).
    pub mirror_of: Option<usize>,
    /// A tied decoder layer's weights are the transpose of this encoder layer's (and are not
    /// parameters of their own: `weights` is then absent).
    pub tied_to: Option<usize>,
    pub weights: Option<Span>,
    pub bias: Span,
    #[serde(skip)]
    pub act: Activation,
}

/// The loss and how the network output becomes a reconstruction.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LossInfo {
    pub name: &'static str,
    /// `identity`: the last layer's output is the reconstruction; `sigmoid`: it holds logits,
    /// and the reconstruction is their logistic function.
    pub link: &'static str,
}

/// A VAE's code: `latent` Gaussian units, KL weight `beta`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaeInfo {
    pub latent: usize,
    pub beta: f64,
}

/// An autoencoder described: its layers in parameter order (encoder, then a VAE's mean and
/// log-variance heads, then the decoder from the code out).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Topology {
    pub inputs: usize,
    pub code_size: usize,
    pub layers: Vec<LayerInfo>,
    pub loss: LossInfo,
    pub vae: Option<VaeInfo>,
    pub tied: bool,
    pub parameter_count: usize,
}

/// α of an activation that takes one (`leakyRelu`, `elu`).
fn alpha_of(act: Activation) -> Option<f64> {
    act.info().alpha.map(|_| act.alpha())
}

impl Topology {
    /// Describe the model a (valid) spec builds.
    pub fn of(spec: &ModelSpec) -> Topology {
        let mut layers = Vec::new();
        let mut offset = 0;
        let mut push =
            |role: Role, index: usize, inputs: usize, outputs: usize, act: Activation, mirror_of: Option<usize>| {
                let tied_to = if spec.tied { mirror_of } else { None };
                let mut span = |shape: Vec<usize>| {
                    let s = Span { offset, shape };
                    offset = offset.saturating_add(s.len());
                    s
                };
                let weights = tied_to.is_none().then(|| span(vec![outputs, inputs]));
                let bias = span(vec![outputs]);
                layers.push(LayerInfo {
                    role,
                    index,
                    inputs,
                    outputs,
                    activation: act.name(),
                    alpha: alpha_of(act),
                    mirror_of,
                    tied_to,
                    weights,
                    bias,
                    act,
                });
            };
        let mut from = spec.inputs;
        for (i, l) in spec.layers.iter().enumerate() {
            push(Role::Encoder, i, from, l.units, l.act, None);
            from = l.units;
        }
        if let Some(v) = spec.vae {
            push(Role::Mean, 0, from, v.latent, Activation::Linear, None);
            push(Role::LogVariance, 0, from, v.latent, Activation::Linear, None);
        }
        // The decoder mirrors the encoder: the layer that produces width uᵢ uses the
        // activation of the encoder layer that produced uᵢ; the last one produces the
        // reconstruction. A VAE's decoder first maps the code back to the last encoder width.
        let depth = spec.layers.len();
        let mut targets: Vec<(usize, Activation, Option<usize>)> = Vec::new();
        if spec.vae.is_some() {
            let last = &spec.layers[depth - 1];
            targets.push((last.units, last.act, None));
        }
        for i in (0..depth).rev() {
            targets.push(if i == 0 {
                (spec.inputs, spec.output_act, Some(i))
            } else {
                (spec.layers[i - 1].units, spec.layers[i - 1].act, Some(i))
            });
        }
        let mut from = spec.code_size();
        for (j, (to, act, mirror_of)) in targets.into_iter().enumerate() {
            push(Role::Decoder, j, from, to, act, mirror_of);
            from = to;
        }
        Topology {
            inputs: spec.inputs,
            code_size: spec.code_size(),
            layers,
            loss: LossInfo {
                name: spec.loss.name(),
                link: spec.loss.link().name(),
            },
            vae: spec.vae.map(|v| VaeInfo {
                latent: v.latent,
                beta: v.beta,
            }),
            tied: spec.tied,
            parameter_count: offset,
        }
    }

    /// Describe the model a spec builds, after checking the spec (every field) and that the
    /// model fits in memory ([`Topology::check_size`]): what building and describing a model
    /// both start with.
    pub fn of_valid(spec: &ModelSpec) -> Result<Topology> {
        spec.validate()?;
        let topology = Topology::of(spec);
        topology.check_size()?;
        Ok(topology)
    }

    /// An error unless the model fits in WASM memory: its parameters with their gradients and
    /// optimizer moments within [`MAX_MODEL_BYTES`].
    pub fn check_size(&self) -> Result<()> {
        if self.parameter_count.saturating_mul(BYTES_PER_PARAMETER) > MAX_MODEL_BYTES {
            return Err(Error::invalid(
                "layers",
                format!("{} parameters", self.parameter_count),
                "a model that fits in WASM memory (< 3 GiB with its gradients and optimizer moments)",
            ));
        }
        Ok(())
    }

    /// The layers of one role, in order.
    pub fn role(&self, role: Role) -> impl Iterator<Item = &LayerInfo> {
        self.layers.iter().filter(move |l| l.role == role)
    }

    /// The description as JSON (camelCase fields), as the binding hands it over.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a topology always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::test_support::{layer, spec};
    use crate::models::autoencoder::Model;
    use crate::nn::penalty::LayerPenalties;
    use crate::optim::params::ParamSet;
    use crate::spec::VaeSpec;

    /// Every span of the description must hold exactly the values the model keeps for that
    /// layer: number the parameters 0, 1, 2, … and read each layer back through the model.
    fn spans_match_the_model(s: ModelSpec) {
        let mut m = Model::<f64>::new(s.clone()).unwrap();
        let t = Topology::of(&s);
        assert_eq!(t, m.topology);
        assert_eq!(t.parameter_count, m.parameter_count());
        let numbered: Vec<f64> = (0..t.parameter_count).map(|i| i as f64).collect();
        m.set_parameters(&numbered).unwrap();
        let p = m.values();
        let mut covered = 0;
        for l in &t.layers {
            let (w, b) = match l.role {
                Role::Encoder => m.encoder_layer(l.index).unwrap(),
                Role::Decoder => m.decoder_layer(l.index).unwrap(),
                Role::Mean | Role::LogVariance => {
                    let heads = m.heads.as_ref().unwrap();
                    let d = if l.role == Role::Mean { &heads.mu } else { &heads.lv };
                    (d.w.clone(), d.b.clone())
                }
            };
            assert_eq!(b, p[l.bias.offset..][..l.bias.len()], "{:?} {} bias", l.role, l.index);
            assert_eq!(l.bias.shape, vec![l.outputs]);
            assert_eq!(w.len(), l.inputs * l.outputs);
            match (&l.weights, l.tied_to) {
                (Some(span), None) => {
                    assert_eq!(span.shape, vec![l.outputs, l.inputs]);
                    assert_eq!(w, p[span.offset..][..span.len()], "{:?} {} weights", l.role, l.index);
                    covered += span.len();
                }
                (None, Some(e)) => {
                    // The transpose of the encoder layer it is tied to.
                    let enc = &t.layers[e];
                    assert_eq!(
                        (enc.role, enc.inputs, enc.outputs),
                        (Role::Encoder, l.outputs, l.inputs)
                    );
                    let ew = &p[enc.weights.as_ref().unwrap().offset..];
                    for r in 0..l.outputs {
                        for c in 0..l.inputs {
                            assert_eq!(w[r * l.inputs + c], ew[c * enc.inputs + r]);
                        }
                    }
                }
                other => panic!("a layer has weights or a tied partner, not {other:?}"),
            }
            covered += l.bias.len();
            if let Some(e) = l.mirror_of {
                let enc = &t.layers[e];
                assert_eq!((l.role, enc.role), (Role::Decoder, Role::Encoder));
                assert_eq!(
                    (l.inputs, l.outputs),
                    (enc.outputs, enc.inputs),
                    "decoder {} mirrors encoder {e}",
                    l.index
                );
            }
        }
        assert_eq!(covered, t.parameter_count, "the spans cover the parameters once");
    }

    #[test]
    fn the_description_is_the_layout_of_every_variant() {
        let none = LayerPenalties::default();
        let deep = spec(vec![layer(5, Activation::Tanh, none), layer(3, Activation::Relu, none)]);
        spans_match_the_model(deep.clone());
        let mut tied = deep.clone();
        tied.tied = true;
        spans_match_the_model(tied);
        let mut vae = deep;
        vae.vae = Some(VaeSpec { latent: 2, beta: 1.0 });
        spans_match_the_model(vae.clone());
        let t = Topology::of(&vae);
        let roles: Vec<(Role, usize, usize)> = t.layers.iter().map(|l| (l.role, l.inputs, l.outputs)).collect();
        let d = vae.inputs;
        assert_eq!(
            roles,
            vec![
                (Role::Encoder, d, 5),
                (Role::Encoder, 5, 3),
                (Role::Mean, 3, 2),
                (Role::LogVariance, 3, 2),
                (Role::Decoder, 2, 3),
                (Role::Decoder, 3, 5),
                (Role::Decoder, 5, d),
            ]
        );
        let json = t.to_json();
        assert!(
            json.contains(r#""role":"logVariance""#) && json.contains(r#""codeSize":2"#),
            "{json}"
        );
    }
}
