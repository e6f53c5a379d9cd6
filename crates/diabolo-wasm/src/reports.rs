//! What training and evaluation report, by name: small exported structs with read-only
//! fields. The glue gives them to JavaScript as classes with getters (their types in the
//! glue's `.d.ts`); the engine reads them field by field and frees them
//! (`ts/src/core/reports.ts`). Reading a struct-valued field (`terms`) makes a new object,
//! which is freed in turn.

use diabolo_core::LossTerms as CoreTerms;

use wasm_bindgen::prelude::*;

/// The loss terms of a model, each by name (means over samples, or sample-weighted sums).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossTerms {
    #[wasm_bindgen(readonly)]
    pub reconstruction: f64,
    #[wasm_bindgen(readonly)]
    pub sparsity: f64,
    #[wasm_bindgen(readonly)]
    pub contractive: f64,
    #[wasm_bindgen(readonly)]
    pub kl: f64,
    #[wasm_bindgen(readonly)]
    pub l2: f64,
    /// The objective actually minimised: reconstruction + penalties + β·scale·kl.
    #[wasm_bindgen(readonly)]
    pub total: f64,
}

impl From<&CoreTerms> for LossTerms {
    fn from(t: &CoreTerms) -> LossTerms {
        LossTerms {
            reconstruction: t.reconstruction,
            sparsity: t.sparsity,
            contractive: t.contractive,
            kl: t.kl,
            l2: t.l2,
            total: t.total,
        }
    }
}

/// One whole epoch (`Model.trainEpoch`).
#[wasm_bindgen]
pub struct EpochReport {
    /// The epoch's terms, means over its samples.
    #[wasm_bindgen(readonly)]
    pub terms: LossTerms,
    #[wasm_bindgen(readonly)]
    pub batches: usize,
    #[wasm_bindgen(readonly)]
    pub samples: usize,
}

/// A run of minibatches of the current epoch (`Model.trainBatches`).
#[wasm_bindgen]
pub struct BatchesReport {
    /// Sample-weighted sums of the terms of the minibatches that ran.
    #[wasm_bindgen(readonly)]
    pub sums: LossTerms,
    /// How many minibatches ran (the run is clipped to the epoch).
    #[wasm_bindgen(readonly)]
    pub batches: usize,
    /// The epoch's terms so far, means over its rows: after its last minibatch, bit for bit
    /// those of `trainEpoch`.
    #[wasm_bindgen(readonly, js_name = epochTerms)]
    pub epoch_terms: LossTerms,
}

/// One replica's shard of a minibatch (`Model.shardGradients`).
#[wasm_bindgen]
pub struct ShardReport {
    /// The shard's terms, means over its rows.
    #[wasm_bindgen(readonly)]
    pub terms: LossTerms,
    /// Rows in the shard.
    #[wasm_bindgen(readonly)]
    pub rows: usize,
}

/// A classifier on a labelled dataset (`Classifier.evaluate`).
#[wasm_bindgen]
pub struct ClassifierScore {
    /// Mean cross-entropy.
    #[wasm_bindgen(readonly)]
    pub loss: f64,
    /// Fraction of rows whose most probable class is their label.
    #[wasm_bindgen(readonly)]
    pub accuracy: f64,
}
