//! The classifier handle: softmax regression on raw inputs (the linear probe), or a softmax
//! head on a copy of a trained model's encoder (supervised fine-tuning).

use diabolo_core::models::classifier::Classifier as CoreClassifier;
use diabolo_core::optim::params::ParamSet;
use diabolo_core::spec::{body_layers, optimizer_from_json};
use diabolo_core::{Dense, Error};

use wasm_bindgen::prelude::*;

use crate::args::{check_matrix, check_values, seed_arg, usize_arg};
use crate::dataset::Dataset;
use crate::errors::JsResult;
use crate::model::Model;
use crate::reports::ClassifierScore;

/// A softmax classifier, alone (softmax regression / linear probe) or on the encoder of a
/// trained model (supervised fine-tuning).
#[wasm_bindgen]
pub struct Classifier {
    pub(crate) inner: CoreClassifier<f32>,
    /// The other replicas' shard gradients (data-parallel training, `replicas.rs`).
    pub(crate) incoming: Vec<f32>,
}

#[wasm_bindgen]
impl Classifier {
    /// Softmax regression on raw inputs (the linear probe).
    #[wasm_bindgen(constructor)]
    pub fn new(inputs: f64, classes: f64, optimizer_json: &str, l2: f64, seed: f64) -> JsResult<Classifier> {
        Self::build(
            usize_arg("inputs", inputs)?,
            Vec::new(),
            classes,
            optimizer_json,
            l2,
            seed,
        )
    }

    /// A softmax head on a copy of `model`'s encoder layers (supervised fine-tuning).
    #[wasm_bindgen(js_name = fromModel)]
    pub fn from_model(model: &Model, classes: f64, optimizer_json: &str, l2: f64, seed: f64) -> JsResult<Classifier> {
        if model.inner.is_variational() {
            return Err(Error::invalid("model", "a variational autoencoder", "a deterministic encoder").into());
        }
        Self::build(
            model.inner.inputs(),
            model.inner.enc.layers.clone(),
            classes,
            optimizer_json,
            l2,
            seed,
        )
    }

    /// A classifier of the same shapes as another one (a data-parallel replica, given the
    /// other's parameters and state next): body layers of `units[i]` units, activation
    /// `activations` (their names, comma-separated) and parameters `alphas`.
    #[wasm_bindgen(js_name = withBody)]
    #[allow(clippy::too_many_arguments)]
    pub fn with_body(
        inputs: f64,
        units: &[u32],
        activations: &str,
        alphas: &[f64],
        classes: f64,
        optimizer_json: &str,
        l2: f64,
        seed: f64,
    ) -> JsResult<Classifier> {
        let inputs = usize_arg("inputs", inputs)?;
        let units: Vec<usize> = units.iter().map(|&u| u as usize).collect();
        let names: Vec<&str> = activations.split(',').filter(|n| !n.is_empty()).collect();
        let body = body_layers(inputs, &units, &names, alphas)?;
        Self::build(inputs, body, classes, optimizer_json, l2, seed)
    }

    /// `false` freezes the body: only the softmax head learns.
    #[wasm_bindgen(js_name = setTrainBody)]
    pub fn set_train_body(&mut self, train: bool) {
        self.inner.train_body = train;
    }

    /// Dropout while training: the probability of zeroing each input, and each output of an
    /// encoder layer (both in [0, 1); 0 and 0: none).
    #[wasm_bindgen(js_name = setDropout)]
    pub fn set_dropout(&mut self, input: f64, hidden: f64) -> JsResult<()> {
        Ok(self.inner.set_dropout(input, hidden)?)
    }

    /// One epoch over a labelled dataset; its mean cross-entropy.
    #[wasm_bindgen(js_name = trainEpoch)]
    pub fn train_epoch(&mut self, data: &Dataset, batch_size: f64, learning_rate: f64) -> JsResult<f64> {
        let labels = data.labelled()?;
        let bs = usize_arg("batchSize", batch_size)?;
        Ok(self
            .inner
            .train_epoch(&data.data, labels, data.rows, bs, learning_rate)?)
    }

    /// Mean cross-entropy and accuracy on a labelled dataset.
    pub fn evaluate(&mut self, data: &Dataset) -> JsResult<ClassifierScore> {
        let labels = data.labelled()?;
        let (loss, accuracy) = self.inner.evaluate(&data.data, labels, data.rows)?;
        Ok(ClassifierScore { loss, accuracy })
    }

    #[wasm_bindgen(js_name = predictProba)]
    pub fn predict_proba(&mut self, x: &[f32], rows: f64) -> JsResult<Vec<f32>> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("input", x, rows, self.inner.inputs())?;
        Ok(self.inner.predict_proba(x, rows)?)
    }

    /// Every parameter, in one array: per body layer W then b, then the head's W and b.
    pub fn parameters(&mut self) -> Vec<f32> {
        self.inner.parameters()
    }

    /// Replace every parameter (the order of `parameters`): exactly as many values, all
    /// finite, or nothing changes.
    #[wasm_bindgen(js_name = setParameters)]
    pub fn set_parameters(&mut self, p: &[f32]) -> JsResult<()> {
        check_values("parameters", p, self.inner.value_count())?;
        Ok(self.inner.set_parameters(p)?)
    }
}

crate::train_header::train_state_calls!(Classifier);

impl Classifier {
    /// `data`, unless its columns are not this classifier's inputs or it has no labels.
    pub(crate) fn check_dataset<'a>(&self, data: &'a Dataset) -> JsResult<&'a [u32]> {
        data.check_cols(self.inner.inputs())?;
        data.labelled()
    }

    fn build(
        inputs: usize,
        body: Vec<Dense<f32>>,
        classes: f64,
        optimizer_json: &str,
        l2: f64,
        seed: f64,
    ) -> JsResult<Classifier> {
        let opt = optimizer_from_json(optimizer_json)?;
        let classes = usize_arg("classes", classes)?;
        Ok(Classifier {
            inner: CoreClassifier::new(inputs, body, classes, opt, l2, seed_arg(seed)?)?,
            incoming: Vec::new(),
        })
    }
}
