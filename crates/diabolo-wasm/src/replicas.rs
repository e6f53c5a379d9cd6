//! The data-parallel calls of the model and classifier handles (the same names on both):
//! shared epoch order, per-replica noise, shard gradients read straight from WASM memory,
//! and the summed update (`ts/src/core/replicas.ts` drives them).

use diabolo_core::error::try_filled;

use wasm_bindgen::prelude::*;

use diabolo_core::LossTerms as CoreTerms;

use crate::args::{seed_arg, usize_arg};
use crate::classifier::Classifier;
use crate::dataset::Dataset;
use crate::errors::JsResult;
use crate::model::Model;
use crate::reports::{LossTerms, ShardReport};

#[wasm_bindgen]
impl Model {
    /// The current epoch's order of rows, for the other replicas of data-parallel training.
    #[wasm_bindgen(js_name = epochOrder)]
    pub fn epoch_order(&self) -> Vec<u32> {
        self.inner.epoch_order().iter().map(|&i| i as u32).collect()
    }

    /// A new noise stream (corruption, VAE sampling) from `seed`: data-parallel replicas
    /// draw noise for different shards.
    pub fn reseed(&mut self, seed: f64) -> JsResult<()> {
        self.inner.reseed(seed_arg(seed)?);
        Ok(())
    }

    /// Take the epoch order of another replica training on the same `data`.
    #[wasm_bindgen(js_name = setEpochOrder)]
    pub fn set_epoch_order(&mut self, data: &Dataset, order: &[u32]) -> JsResult<()> {
        self.check_dataset(data)?;
        Ok(self.inner.set_epoch_order(order, data.rows)?)
    }

    /// Data-parallel: the gradient of shard `shard` of `shards` of minibatch `batch` (a
    /// mean over the shard's rows), kept in the model's gradient tensors (see
    /// `gradientSpans`); returns the shard's loss terms (means) and its rows.
    #[wasm_bindgen(js_name = shardGradients)]
    pub fn shard_gradients(
        &mut self,
        data: &Dataset,
        batch_size: f64,
        batch: f64,
        shard: f64,
        shards: f64,
    ) -> JsResult<ShardReport> {
        self.check_dataset(data)?;
        let (bs, batch, shard, shards) = (
            usize_arg("batchSize", batch_size)?,
            usize_arg("batch", batch)?,
            usize_arg("shard", shard)?,
            usize_arg("shards", shards)?,
        );
        let (terms, rows) = self
            .inner
            .shard_gradients(&data.data, data.rows, bs, batch, shard, shards)?;
        Ok(ShardReport {
            terms: LossTerms::from(&terms),
            rows,
        })
    }

    /// Where the gradient tensors of the last shard lie in WASM memory, in parameter order:
    /// `[pointer, length (floats), pointer, length, …]`. JS copies them from there straight
    /// into this replica's shared slot (the engine asks once per run of minibatches).
    #[wasm_bindgen(js_name = gradientSpans)]
    pub fn gradient_spans(&mut self) -> Vec<u32> {
        spans(&self.inner.shard_gradient_tensors())
    }

    /// Room for `count` shard gradients end to end; where it lies in WASM memory. JS writes
    /// the other replicas' gradients there, then calls `applyIncoming`.
    #[wasm_bindgen(js_name = incomingPointer)]
    pub fn incoming_pointer(&mut self, count: f64) -> JsResult<usize> {
        incoming_room(&mut self.incoming, count, self.inner.parameter_count())
    }

    /// Data-parallel update: the shard gradients of the minibatch — this replica's own, in
    /// place, and the others' from the incoming buffer (with `ownWritten`, its own too, from
    /// its slot there) — are weighted by their shares and summed in slot order, then clipped
    /// and stepped: the same sum, hence the same weights, everywhere.
    #[wasm_bindgen(js_name = applyIncoming)]
    pub fn apply_incoming(&mut self, own: f64, learning_rate: f64, own_written: bool) -> JsResult<()> {
        let own = usize_arg("own", own)?;
        Ok(self
            .inner
            .apply_gradient_sum(&self.incoming, (!own_written).then_some(own), learning_rate)?)
    }
}

/// The same calls on a classifier (data-parallel `Classifier.fit`): its shard gradients are
/// those of the tensors that learn (the head's alone while the body is frozen), and a
/// shard's loss comes back as `terms.total` (mean cross-entropy plus L2).
#[wasm_bindgen]
impl Classifier {
    /// Draw the order of the rows of `data` for a new epoch.
    #[wasm_bindgen(js_name = beginEpoch)]
    pub fn begin_epoch(&mut self, data: &Dataset) -> JsResult<()> {
        self.check_dataset(data)?;
        self.inner.begin_epoch(data.rows);
        Ok(())
    }

    #[wasm_bindgen(js_name = epochOrder)]
    pub fn epoch_order(&self) -> Vec<u32> {
        self.inner.epoch_order().iter().map(|&i| i as u32).collect()
    }

    /// A new random stream (dropout masks): replicas draw their own for their shards.
    pub fn reseed(&mut self, seed: f64) -> JsResult<()> {
        self.inner.reseed(seed_arg(seed)?);
        Ok(())
    }

    #[wasm_bindgen(js_name = setEpochOrder)]
    pub fn set_epoch_order(&mut self, data: &Dataset, order: &[u32]) -> JsResult<()> {
        self.check_dataset(data)?;
        Ok(self.inner.set_epoch_order(order, data.rows)?)
    }

    #[wasm_bindgen(js_name = shardGradients)]
    pub fn shard_gradients(
        &mut self,
        data: &Dataset,
        batch_size: f64,
        batch: f64,
        shard: f64,
        shards: f64,
    ) -> JsResult<ShardReport> {
        let labels = self.check_dataset(data)?;
        let (bs, batch, shard, shards) = (
            usize_arg("batchSize", batch_size)?,
            usize_arg("batch", batch)?,
            usize_arg("shard", shard)?,
            usize_arg("shards", shards)?,
        );
        let (loss, rows) = self
            .inner
            .shard_gradients(&data.data, labels, data.rows, bs, batch, shard, shards)?;
        let terms = CoreTerms {
            total: loss,
            ..CoreTerms::default()
        };
        Ok(ShardReport {
            terms: LossTerms::from(&terms),
            rows,
        })
    }

    #[wasm_bindgen(js_name = gradientSpans)]
    pub fn gradient_spans(&mut self) -> Vec<u32> {
        spans(&self.inner.shard_gradient_tensors())
    }

    #[wasm_bindgen(js_name = incomingPointer)]
    pub fn incoming_pointer(&mut self, count: f64) -> JsResult<usize> {
        incoming_room(&mut self.incoming, count, self.inner.shard_gradient_len())
    }

    #[wasm_bindgen(js_name = applyIncoming)]
    pub fn apply_incoming(&mut self, own: f64, learning_rate: f64, own_written: bool) -> JsResult<()> {
        let own = usize_arg("own", own)?;
        Ok(self
            .inner
            .apply_gradient_sum(&self.incoming, (!own_written).then_some(own), learning_rate)?)
    }
}

/// `[pointer, length (floats), …]` of gradient tensors where they lie in WASM memory.
fn spans(tensors: &[&[f32]]) -> Vec<u32> {
    tensors
        .iter()
        .flat_map(|g| [g.as_ptr() as u32, g.len() as u32])
        .collect()
}

/// Make `incoming` hold `count` shard gradients of `len` floats; where it lies.
fn incoming_room(incoming: &mut Vec<f32>, count: f64, len: usize) -> JsResult<usize> {
    let total = usize_arg("count", count)? * len;
    if incoming.len() != total {
        *incoming = try_filled("gradient slots", total, 0.0)?;
    }
    Ok(incoming.as_ptr() as usize)
}
