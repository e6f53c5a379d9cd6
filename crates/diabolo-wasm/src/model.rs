//! The model handle: any autoencoder of the lecture, living in WASM memory. Training,
//! evaluation, inference, parameters and the training state; the data-parallel calls are in
//! `replicas.rs`.

use diabolo_core::models::autoencoder::Topology;
use diabolo_core::{Model as CoreModel, ModelSpec};

use wasm_bindgen::prelude::*;

use crate::args::{check_matrix, seed_arg, usize_arg};
use crate::dataset::Dataset;
use crate::errors::JsResult;
use crate::reports::{BatchesReport, EpochReport, LossTerms};

/// Any autoencoder of the lecture, living in WASM memory (see `diabolo_core::models::autoencoder`).
#[wasm_bindgen]
pub struct Model {
    pub(crate) inner: CoreModel<f32>,
    /// Data-parallel: the other replicas' shard gradients of one minibatch, end to end (one
    /// slot per replica), written by JS straight into WASM memory before the summed update.
    pub(crate) incoming: Vec<f32>,
}

impl Model {
    /// `data` has this model's input width.
    pub(crate) fn check_dataset(&self, data: &Dataset) -> JsResult<()> {
        data.check_cols(self.inner.inputs())
    }
}

/// The model a spec would build, described (see [`Model::topology`]) without building it.
#[wasm_bindgen(js_name = describeModel)]
pub fn describe_model(spec_json: &str) -> JsResult<String> {
    let spec = ModelSpec::from_json(spec_json)?;
    Ok(Topology::of_valid(&spec)?.to_json())
}

#[wasm_bindgen]
impl Model {
    /// The model described, as JSON: each dense layer in parameter order (role, index, sizes,
    /// activation, tied partner, where its weights `[outputs, inputs]` and bias lie in the
    /// parameter vector), the loss and its link, the VAE code, the parameter count.
    pub fn topology(&self) -> String {
        self.inner.topology.to_json()
    }

    /// Build from a model spec in JSON (every field present; the TS facade applies defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(spec_json: &str) -> JsResult<Model> {
        let spec = ModelSpec::from_json(spec_json)?;
        Ok(Model {
            inner: CoreModel::new(spec)?,
            incoming: Vec::new(),
        })
    }

    /// One whole epoch: its terms, minibatches and samples.
    #[wasm_bindgen(js_name = trainEpoch)]
    pub fn train_epoch(&mut self, data: &Dataset, batch_size: f64, learning_rate: f64) -> JsResult<EpochReport> {
        self.check_dataset(data)?;
        let bs = usize_arg("batchSize", batch_size)?;
        let r = self.inner.train_epoch(&data.data, data.rows, bs, learning_rate)?;
        Ok(EpochReport {
            terms: LossTerms::from(&r.terms),
            batches: r.batches,
            samples: r.samples,
        })
    }

    /// Start an epoch over `data` (draws its minibatch order).
    #[wasm_bindgen(js_name = beginEpoch)]
    pub fn begin_epoch(&mut self, data: &Dataset) -> JsResult<()> {
        self.check_dataset(data)?;
        Ok(self.inner.begin_epoch(&data.data, data.rows)?)
    }

    /// Minibatches `first … first + count − 1` of the current epoch: the sample-weighted
    /// sums of their terms, how many ran, and the epoch's terms so far (after the last
    /// minibatch, the epoch's terms, bit for bit those of `trainEpoch`).
    #[wasm_bindgen(js_name = trainBatches)]
    pub fn train_batches(
        &mut self,
        data: &Dataset,
        batch_size: f64,
        learning_rate: f64,
        first: f64,
        count: f64,
    ) -> JsResult<BatchesReport> {
        self.check_dataset(data)?;
        let (bs, first, count) = (
            usize_arg("batchSize", batch_size)?,
            usize_arg("first", first)?,
            usize_arg("count", count)?,
        );
        let (sums, batches) = self
            .inner
            .train_batches(&data.data, data.rows, bs, learning_rate, first, count)?;
        Ok(BatchesReport {
            sums: LossTerms::from(&sums),
            batches,
            epoch_terms: LossTerms::from(&self.inner.epoch_terms(data.rows)),
        })
    }

    /// Loss terms on a dataset without training (reconstruction and KL; no penalties).
    pub fn evaluate(&mut self, data: &Dataset) -> JsResult<LossTerms> {
        self.check_dataset(data)?;
        Ok(LossTerms::from(&self.inner.evaluate(&data.data, data.rows)?))
    }

    /// Start a new run of the divergence watch (called at the start of every `fit`).
    #[wasm_bindgen(js_name = resetDivergenceWatch)]
    pub fn reset_divergence_watch(&mut self) {
        self.inner.reset_divergence_watch();
    }

    #[wasm_bindgen(js_name = setKlScale)]
    pub fn set_kl_scale(&mut self, scale: f64) -> JsResult<()> {
        Ok(self.inner.set_kl_scale(scale)?)
    }

    /// Clip the global gradient norm to `maxNorm` (0 = off).
    #[wasm_bindgen(js_name = setClipNorm)]
    pub fn set_clip_norm(&mut self, max_norm: f64) -> JsResult<()> {
        Ok(self.inner.set_clip_norm(max_norm)?)
    }

    #[wasm_bindgen(getter, js_name = codeSize)]
    pub fn code_size(&self) -> usize {
        self.inner.code_size()
    }

    pub fn encode(&mut self, x: &[f32], rows: f64) -> JsResult<Vec<f32>> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("input", x, rows, self.inner.inputs())?;
        Ok(self.inner.encode(x, rows)?)
    }

    /// Codes of a whole dataset as a new dataset in WASM memory (stacking: the next layer
    /// trains on these without a trip through JS).
    #[wasm_bindgen(js_name = encodeDataset)]
    pub fn encode_dataset(&mut self, data: &Dataset) -> JsResult<Dataset> {
        self.check_dataset(data)?;
        let codes = self.inner.encode(&data.data, data.rows)?;
        Ok(Dataset {
            data: codes,
            labels: data.labels.clone(),
            rows: data.rows,
            cols: self.inner.code_size(),
        })
    }

    pub fn decode(&mut self, codes: &[f32], rows: f64) -> JsResult<Vec<f32>> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("codes", codes, rows, self.inner.code_size())?;
        Ok(self.inner.decode(codes, rows)?)
    }

    pub fn reconstruct(&mut self, x: &[f32], rows: f64) -> JsResult<Vec<f32>> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("input", x, rows, self.inner.inputs())?;
        Ok(self.inner.reconstruct(x, rows)?)
    }

    /// Per-sample reconstruction loss (`rows` values) followed by its mean per feature.
    pub fn errors(&mut self, x: &[f32], rows: f64) -> JsResult<Vec<f64>> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("input", x, rows, self.inner.inputs())?;
        let (mut per_sample, per_feature) = self.inner.errors(x, rows)?;
        per_sample.extend(per_feature);
        Ok(per_sample)
    }

    pub fn sample(&mut self, count: f64, seed: f64) -> JsResult<Vec<f32>> {
        let count = usize_arg("count", count)?;
        Ok(self.inner.sample(count, seed_arg(seed)?)?)
    }

    /// Importance-weighted lower bound on log p(x), nats per sample (k = 1: the ELBO).
    #[wasm_bindgen(js_name = iwaeBound)]
    pub fn iwae_bound(&mut self, data: &Dataset, k: f64, seed: f64) -> JsResult<f64> {
        self.check_dataset(data)?;
        let k = usize_arg("samples", k)?;
        Ok(self.inner.iwae_bound(&data.data, data.rows, k, seed_arg(seed)?)?)
    }

    #[wasm_bindgen(js_name = jacobianNorm)]
    pub fn jacobian_norm(&mut self, data: &Dataset) -> JsResult<f64> {
        self.check_dataset(data)?;
        Ok(self.inner.jacobian_norm(&data.data, data.rows)?)
    }

    pub fn parameters(&mut self) -> Vec<f32> {
        self.inner.parameters()
    }

    #[wasm_bindgen(js_name = setParameters)]
    pub fn set_parameters(&mut self, p: &[f32]) -> JsResult<()> {
        Ok(self.inner.set_parameters(p)?)
    }

    /// Encoder layer `i` (or decoder layer `i` from the code side): W then b, concatenated.
    pub fn layer(&self, decoder: bool, i: f64) -> JsResult<Vec<f32>> {
        let i = usize_arg("layer", i)?;
        let (mut w, b) = if decoder {
            self.inner.decoder_layer(i)
        } else {
            self.inner.encoder_layer(i)
        }?;
        w.extend(b);
        Ok(w)
    }

    #[wasm_bindgen(js_name = setLayer)]
    pub fn set_layer(&mut self, decoder: bool, i: f64, w: &[f32], b: &[f32]) -> JsResult<()> {
        let i = usize_arg("layer", i)?;
        Ok(self.inner.set_layer(decoder, i, w, b)?)
    }
}

crate::train_header::train_state_calls!(Model);
