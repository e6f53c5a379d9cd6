//! One entry point that runs any core op on named inputs: the golden vectors in
//! `tests/golden/ops.json` (computed independently in Python) go through it natively
//! (`cargo test`, f32 and f64) and in every wasm flavour (vitest), so all builds are held to
//! the same reference.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::kernels::gemm::{Kernel, Scratch};
use crate::nn::activation::Activation;
use crate::nn::dense::{Dense, PenaltyScratch};
use crate::nn::loss::{softmax_cross_entropy, Loss};
use crate::nn::penalty::{self, LayerPenalties, Sparsity};
use crate::nn::vae;
use crate::optim::optimizer::{step, Optimizer, OptimizerState};

/// A golden case: an op name, numeric parameters, an activation where it applies, and named
/// input vectors.
#[derive(Clone, Debug, Default)]
pub struct Case {
    pub op: String,
    pub act: Option<String>,
    pub params: BTreeMap<String, f64>,
    pub inputs: BTreeMap<String, Vec<f64>>,
}

pub type Outputs = BTreeMap<String, Vec<f64>>;

/// A named case with its expected outputs, as stored in `tests/golden/ops.json`.
#[derive(Clone, Debug)]
pub struct GoldenCase {
    pub name: String,
    pub case: Case,
    pub expected: Outputs,
}

fn numbers(v: &serde_json::Value) -> Option<Vec<f64>> {
    v.as_array()?.iter().map(serde_json::Value::as_f64).collect()
}

fn named_numbers(v: &serde_json::Value) -> Option<Outputs> {
    v.as_object()?
        .iter()
        .map(|(k, x)| numbers(x).map(|x| (k.clone(), x)))
        .collect()
}

impl Case {
    /// Read `{op, act?, params: {name: number}, inputs: {name: number[]}}`.
    pub fn from_json(v: &serde_json::Value) -> Result<Case> {
        let bad = |what: &'static str| Error::invalid("case", what, "op, params and inputs of numbers");
        Ok(Case {
            op: v["op"].as_str().ok_or_else(|| bad("op"))?.to_string(),
            act: v.get("act").and_then(serde_json::Value::as_str).map(str::to_string),
            params: v["params"]
                .as_object()
                .and_then(|o| o.iter().map(|(k, x)| x.as_f64().map(|x| (k.clone(), x))).collect())
                .ok_or_else(|| bad("params"))?,
            inputs: named_numbers(&v["inputs"]).ok_or_else(|| bad("inputs"))?,
        })
    }
}

/// Parse a golden file: `{cases: [{name, op, act?, params, inputs, outputs}]}`.
pub fn load_golden(text: &str) -> Result<Vec<GoldenCase>> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::invalid("golden file", e, "valid JSON"))?;
    let cases = json["cases"]
        .as_array()
        .ok_or_else(|| Error::invalid("golden file", "no cases", "a cases array"))?;
    cases
        .iter()
        .map(|c| {
            Ok(GoldenCase {
                name: c["name"].as_str().unwrap_or("?").to_string(),
                case: Case::from_json(c)?,
                expected: named_numbers(&c["outputs"]).ok_or_else(|| Error::invalid("outputs", "?", "numbers"))?,
            })
        })
        .collect()
}

impl Case {
    fn param(&self, name: &'static str) -> Result<f64> {
        self.params
            .get(name)
            .copied()
            .ok_or_else(|| Error::invalid("param", name, "present in the case"))
    }

    fn size(&self, name: &'static str) -> Result<usize> {
        Ok(self.param(name)? as usize)
    }

    fn input<T: Kernel>(&self, name: &'static str) -> Result<Vec<T>> {
        self.inputs
            .get(name)
            .map(|v| v.iter().map(|&x| T::from_f64(x)).collect())
            .ok_or_else(|| Error::invalid("input", name, "present in the case"))
    }

    fn layer<T: Kernel>(&self) -> Result<Dense<T>> {
        let act = Activation::from_name(self.act.as_deref().unwrap_or("linear"), self.param("alpha")?)?;
        let mut layer = Dense::zeros(self.size("inputs")?, self.size("outputs")?, act);
        layer.w = self.input("w")?;
        layer.b = self.input("b")?;
        Ok(layer)
    }
}

fn out<T: Kernel>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64()).collect()
}

/// Run one case in precision `T`; outputs are returned in f64.
pub fn evaluate<T: Kernel>(case: &Case) -> Result<Outputs> {
    let mut o = Outputs::new();
    let mut scratch = Scratch::<T>::new();
    match case.op.as_str() {
        "dense_forward" => {
            let layer = case.layer::<T>()?;
            let n = case.size("n")?;
            let mut h = vec![T::ZERO; n * layer.outputs];
            layer.forward(&case.input::<T>("x")?, n, &mut h, &mut scratch);
            o.insert("h".into(), out(&h));
        }
        "dense_backward" | "contractive" => {
            let layer = case.layer::<T>()?;
            let n = case.size("n")?;
            let x = case.input::<T>("x")?;
            let (mut pre, mut h) = (Vec::new(), vec![T::ZERO; n * layer.outputs]);
            layer.forward_keeping(&x, n, &mut pre, &mut h, &mut scratch);
            let (mut dh, pen) = if case.op == "contractive" {
                let pen = LayerPenalties {
                    contractive: case.param("lambda")?,
                    ..Default::default()
                };
                (vec![T::ZERO; h.len()], pen)
            } else {
                (case.input::<T>("dh")?, LayerPenalties::default())
            };
            let mut grad = layer.grad_zeros();
            let mut dx = vec![T::ZERO; x.len()];
            let mut ps = PenaltyScratch::default();
            let terms = layer.backward_penalized(
                &x,
                &pre,
                &h,
                &mut dh,
                n,
                &pen,
                &mut grad,
                Some(&mut dx),
                &mut scratch,
                &mut ps,
            );
            o.insert("dw".into(), out(&grad.w));
            o.insert("db".into(), out(&grad.b));
            o.insert("dx".into(), out(&dx));
            if case.op == "contractive" {
                o.insert("value".into(), vec![terms.contractive]);
            }
        }
        "loss" => {
            // Losses are numbered by their place in the registry (`nn/loss/mod.rs`).
            let loss = Loss::from_index(case.size("loss")?)
                .ok_or_else(|| Error::invalid("param", "loss", "the index of a registered loss"))?;
            let (y, x) = (case.input::<T>("out")?, case.input::<T>("x")?);
            let mut g = vec![T::ZERO; y.len()];
            let v = loss.value_and_grad(&y, &x, case.size("n")?, &mut g);
            o.insert("value".into(), vec![v]);
            o.insert("grad".into(), out(&g));
        }
        "softmax_ce" => {
            let logits = case.input::<T>("logits")?;
            let labels: Vec<u32> = case
                .inputs
                .get("labels")
                .map(|l| l.iter().map(|&v| v as u32).collect())
                .unwrap_or_default();
            let mut g = vec![T::ZERO; logits.len()];
            let v = softmax_cross_entropy(&logits, &labels, case.size("classes")?, &mut g);
            o.insert("value".into(), vec![v]);
            o.insert("grad".into(), out(&g));
        }
        "kl_sparsity" => {
            let h = case.input::<T>("h")?;
            let mut dh = vec![T::ZERO; h.len()];
            let s = Sparsity {
                rho: case.param("rho")?,
                beta: case.param("beta")?,
            };
            let v = penalty::kl_sparsity(&h, case.size("n")?, case.size("outputs")?, s, &mut dh, &mut Vec::new());
            o.insert("value".into(), vec![v]);
            o.insert("dh".into(), out(&dh));
        }
        "l2" => {
            let w = case.input::<T>("w")?;
            let mut g = vec![T::ZERO; w.len()];
            let v = penalty::l2(&w, case.param("lambda")?, &mut g);
            o.insert("value".into(), vec![v]);
            o.insert("grad".into(), out(&g));
        }
        "reparameterize" => {
            let mu = case.input::<T>("mu")?;
            let mut z = vec![T::ZERO; mu.len()];
            vae::reparameterize_with(&mu, &case.input::<T>("logvar")?, &case.input::<T>("eps")?, &mut z);
            o.insert("z".into(), out(&z));
        }
        "vae_kl" => {
            let (mu, lv) = (case.input::<T>("mu")?, case.input::<T>("logvar")?);
            let (mut dmu, mut dlv) = (vec![T::ZERO; mu.len()], vec![T::ZERO; lv.len()]);
            let v = vae::kl_standard_normal(&mu, &lv, case.size("n")?, case.param("beta")?, &mut dmu, &mut dlv);
            o.insert("value".into(), vec![v]);
            o.insert("dmu".into(), out(&dmu));
            o.insert("dlogvar".into(), out(&dlv));
        }
        "optimizer" => {
            let p = |name| case.param(name);
            let opt = match case.size("kind")? {
                0 => Optimizer::Sgd,
                1 => Optimizer::Momentum {
                    momentum: p("momentum")?,
                    nesterov: p("nesterov")? != 0.0,
                },
                2 => Optimizer::Adam {
                    beta1: p("beta1")?,
                    beta2: p("beta2")?,
                    eps: p("eps")?,
                },
                _ => Optimizer::AdamW {
                    beta1: p("beta1")?,
                    beta2: p("beta2")?,
                    eps: p("eps")?,
                    weight_decay: p("weight_decay")?,
                },
            };
            let mut params = case.input::<T>("p")?;
            let grads = case.input::<T>("grads")?;
            let mut state = OptimizerState::new(&opt, params.len());
            for (t, g) in grads.chunks_exact(params.len()).enumerate() {
                step(&opt, p("lr")?, t as u64 + 1, &mut params, g, &mut state);
            }
            o.insert("p".into(), out(&params));
        }
        other => {
            return Err(Error::invalid(
                "op",
                format!("{other:?}"),
                "an op known to the conformance runner",
            ))
        }
    }
    Ok(o)
}
