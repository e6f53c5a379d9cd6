//! wasm-bindgen binding of `diabolo-core`.
//!
//! Only conversions live here: opaque handles (`Dataset`, `Model`) that keep their data in
//! WASM memory, typed arrays in and out, and core errors turned into JS `Error`s whose
//! message starts with the stable code (`E_SHAPE: …`), which the TS facade turns back into
//! a typed `DiaboloError`.

use diabolo_core::{Activation, Autoencoder, AutoencoderConfig, Error, Loss};
use wasm_bindgen::prelude::*;

fn js_err(e: Error) -> JsError {
    JsError::new(&format!("{}: {}", e.code(), e))
}

/// Which kernel set this binary was compiled with: `"relaxed"`, `"simd128"` or `"scalar"`.
#[wasm_bindgen(js_name = buildFlavor)]
pub fn build_flavor() -> String {
    if cfg!(target_feature = "relaxed-simd") {
        "relaxed".into()
    } else if cfg!(target_feature = "simd128") {
        "simd128".into()
    } else {
        "scalar".into()
    }
}

/// Version of the core crate this binary was built from.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

fn usize_arg(field: &'static str, v: f64) -> Result<usize, JsError> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        Ok(v as usize)
    } else {
        Err(js_err(Error::invalid(field, v, "a non-negative integer")))
    }
}

/// A training set copied once into WASM memory; epochs read it from there.
#[wasm_bindgen]
pub struct Dataset {
    data: Vec<f32>,
    rows: usize,
    cols: usize,
}

#[wasm_bindgen]
impl Dataset {
    #[wasm_bindgen(constructor)]
    pub fn new(data: &[f32], rows: f64, cols: f64) -> Result<Dataset, JsError> {
        let (rows, cols) = (usize_arg("rows", rows)?, usize_arg("cols", cols)?);
        if rows == 0 || cols == 0 || data.len() != rows * cols {
            return Err(js_err(Error::shape(
                "dataset",
                format!("[{rows}, {cols}] ({} values)", rows * cols),
                format!("{} values", data.len()),
            )));
        }
        Ok(Dataset {
            data: data.to_vec(),
            rows,
            cols,
        })
    }

    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> usize {
        self.rows
    }

    #[wasm_bindgen(getter)]
    pub fn cols(&self) -> usize {
        self.cols
    }
}

/// A single-hidden-layer autoencoder living in WASM memory.
#[wasm_bindgen]
pub struct Model {
    inner: Autoencoder<f32>,
}

#[wasm_bindgen]
impl Model {
    /// `loss` is `"mse"` or `"bce"`; `alpha` parameterises leakyRelu/elu.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        inputs: f64,
        hidden: f64,
        hidden_activation: &str,
        output_activation: &str,
        alpha: f64,
        loss: &str,
        seed: f64,
    ) -> Result<Model, JsError> {
        let loss = match loss {
            "mse" => Loss::Mse,
            "bce" => Loss::BceLogits,
            other => {
                return Err(js_err(Error::invalid(
                    "loss",
                    format!("{other:?}"),
                    "\"mse\" or \"bce\"",
                )))
            }
        };
        if !(seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed <= 9_007_199_254_740_991.0) {
            return Err(js_err(Error::invalid("seed", seed, "an integer in [0, 2^53 − 1]")));
        }
        let config = AutoencoderConfig {
            inputs: usize_arg("inputSize", inputs)?,
            hidden: usize_arg("hiddenSize", hidden)?,
            hidden_act: Activation::from_name(hidden_activation, alpha).map_err(js_err)?,
            output_act: Activation::from_name(output_activation, alpha).map_err(js_err)?,
            loss,
            seed: seed as u64,
        };
        Ok(Model {
            inner: Autoencoder::new(config).map_err(js_err)?,
        })
    }

    /// One epoch over a dataset already in WASM memory: `[meanLoss, batches, samples]`.
    #[wasm_bindgen(js_name = trainEpoch)]
    pub fn train_epoch(&mut self, data: &Dataset, batch_size: f64, learning_rate: f64) -> Result<Vec<f64>, JsError> {
        if data.cols != self.inner.config.inputs {
            return Err(js_err(Error::shape(
                "training data",
                format!("[n, {}]", self.inner.config.inputs),
                format!("[{}, {}]", data.rows, data.cols),
            )));
        }
        let bs = usize_arg("batchSize", batch_size)?;
        let s = self
            .inner
            .train_epoch(&data.data, data.rows, bs, learning_rate)
            .map_err(js_err)?;
        Ok(vec![s.loss, s.batches as f64, s.samples as f64])
    }

    pub fn encode(&mut self, x: &[f32], rows: f64) -> Result<Vec<f32>, JsError> {
        let rows = usize_arg("rows", rows)?;
        self.inner.encode(x, rows).map_err(js_err)
    }

    pub fn reconstruct(&mut self, x: &[f32], rows: f64) -> Result<Vec<f32>, JsError> {
        let rows = usize_arg("rows", rows)?;
        self.inner.reconstruct(x, rows).map_err(js_err)
    }

    /// The model's loss for each sample (summed over features).
    #[wasm_bindgen(js_name = sampleLosses)]
    pub fn sample_losses(&mut self, x: &[f32], rows: f64) -> Result<Vec<f64>, JsError> {
        let rows = usize_arg("rows", rows)?;
        self.inner.sample_losses(x, rows).map_err(js_err)
    }

    /// All parameters: encoder W, encoder b, decoder W, decoder b.
    pub fn parameters(&self) -> Vec<f32> {
        self.inner.parameters()
    }

    #[wasm_bindgen(js_name = setParameters)]
    pub fn set_parameters(&mut self, p: &[f32]) -> Result<(), JsError> {
        self.inner.set_parameters(p).map_err(js_err)
    }
}

/// Benchmark hooks: the same workloads the native bench times (`diabolo_core::bench`).
#[wasm_bindgen]
pub struct GemmBench {
    inner: diabolo_core::bench::GemmBench,
}

#[wasm_bindgen]
impl GemmBench {
    /// `op` is `"forward"`, `"inputGrad"` or `"weightGrad"`.
    #[wasm_bindgen(constructor)]
    pub fn new(op: &str, batch: f64, inputs: f64, hidden: f64) -> Result<GemmBench, JsError> {
        let op = diabolo_core::bench::GemmOp::from_name(op).ok_or_else(|| {
            js_err(Error::invalid(
                "op",
                format!("{op:?}"),
                "\"forward\", \"inputGrad\" or \"weightGrad\"",
            ))
        })?;
        Ok(GemmBench {
            inner: diabolo_core::bench::GemmBench::new(
                op,
                usize_arg("batch", batch)?,
                usize_arg("inputs", inputs)?,
                usize_arg("hidden", hidden)?,
            ),
        })
    }

    pub fn flops(&self) -> f64 {
        self.inner.flops()
    }

    pub fn run(&mut self, reps: u32) -> f32 {
        self.inner.run(reps)
    }
}

/// Ceiling loop with separate multiply and add: `peakFlopsPerIter()` flops per iteration.
#[wasm_bindgen(js_name = mulAddPeak)]
pub fn mul_add_peak(iters: u32, seed: f32) -> f32 {
    diabolo_core::peak::mul_add_peak(iters, seed)
}

/// Ceiling loop with relaxed madd; `undefined` in binaries built without relaxed SIMD.
#[wasm_bindgen(js_name = relaxedMaddPeak)]
pub fn relaxed_madd_peak(iters: u32, seed: f32) -> Option<f32> {
    diabolo_core::peak::relaxed_madd_peak(iters, seed)
}

/// [`diabolo_core::gemm::self_test`] in this build: ≤ 1 means every GEMM edge case passed.
#[wasm_bindgen(js_name = gemmSelfTest)]
pub fn gemm_self_test(seed: u32) -> f64 {
    diabolo_core::gemm::self_test(seed as u64)
}

#[wasm_bindgen(js_name = peakFlopsPerIter)]
pub fn peak_flops_per_iter() -> f64 {
    diabolo_core::peak::FLOPS_PER_ITER
}

/// Run a golden case through this binary's f32 core; returns `{output: number[]}` as JSON.
/// The conformance suite feeds every build the same cases.
#[wasm_bindgen(js_name = conformanceCase)]
pub fn conformance_case(case_json: &str) -> Result<String, JsError> {
    let json: serde_json::Value =
        serde_json::from_str(case_json).map_err(|e| js_err(Error::invalid("case", e, "valid JSON")))?;
    let case = diabolo_core::conformance::Case::from_json(&json).map_err(js_err)?;
    let out = diabolo_core::conformance::evaluate::<f32>(&case).map_err(js_err)?;
    serde_json::to_string(&out).map_err(|e| JsError::new(&format!("E_INTERNAL: {e}")))
}
