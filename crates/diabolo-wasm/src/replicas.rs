//! The data-parallel calls of the model and classifier handles, written once for both
//! (`replica_calls!`): shared epoch order, per-replica noise, shard gradients read straight
//! from WASM memory, and the summed update (`ts/src/core/replicas.ts` drives them). What
//! differs — how a shard's gradient is computed and how many values it has — is each
//! handle's `shard` and `shard_len`, below the macro.

use diabolo_core::error::try_filled;
use diabolo_core::LossTerms as CoreTerms;

use wasm_bindgen::prelude::*;

use crate::args::{seed_arg, usize_arg};
use crate::classifier::Classifier;
use crate::dataset::Dataset;
use crate::errors::JsResult;
use crate::model::Model;
use crate::reports::{LossTerms, ShardReport};

/// The replica calls of a handle whose core object (`inner`) has the data-parallel methods
/// (`epoch_order`, `set_epoch_order`, `reseed`, `shard_gradient_tensors`,
/// `apply_gradient_sum`), with the handle's own `check_replica_data`, `shard` and `shard_len`.
macro_rules! replica_calls {
    ($handle:ident) => {
        #[wasm_bindgen]
        impl $handle {
            /// The current epoch's order of rows, for the other replicas of data-parallel training.
            #[wasm_bindgen(js_name = epochOrder)]
            pub fn epoch_order(&self) -> Vec<u32> {
                self.inner.epoch_order().iter().map(|&i| i as u32).collect()
            }

            /// A new random stream from `seed` (corruption and VAE samples; dropout masks):
            /// data-parallel replicas draw noise for different shards.
            pub fn reseed(&mut self, seed: f64) -> JsResult<()> {
                self.inner.reseed(seed_arg(seed)?);
                Ok(())
            }

            /// Take the epoch order of another replica training on the same `data`.
            #[wasm_bindgen(js_name = setEpochOrder)]
            pub fn set_epoch_order(&mut self, data: &Dataset, order: &[u32]) -> JsResult<()> {
                self.check_replica_data(data)?;
                Ok(self.inner.set_epoch_order(order, data.rows)?)
            }

            /// Data-parallel: the gradient of shard `shard` of `shards` of minibatch `batch`
            /// (a mean over the shard's rows), kept in the gradient tensors (see
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
                let at = ShardAt {
                    batch_size: usize_arg("batchSize", batch_size)?,
                    batch: usize_arg("batch", batch)?,
                    shard: usize_arg("shard", shard)?,
                    shards: usize_arg("shards", shards)?,
                };
                let (terms, rows) = self.shard(data, at)?;
                Ok(ShardReport {
                    terms: LossTerms::from(&terms),
                    rows,
                })
            }

            /// Where the gradient tensors of the last shard lie in WASM memory, in
            /// parameter order: `[pointer, length (floats), pointer, length, …]`. JS copies
            /// them from there straight into this replica's shared slot (the engine asks
            /// once per run of minibatches).
            #[wasm_bindgen(js_name = gradientSpans)]
            pub fn gradient_spans(&mut self) -> Vec<u32> {
                self.inner
                    .shard_gradient_tensors()
                    .iter()
                    .flat_map(|g| [g.as_ptr() as u32, g.len() as u32])
                    .collect()
            }

            /// Room for `count` shard gradients end to end; where it lies in WASM memory.
            /// JS writes the other replicas' gradients there, then calls `applyIncoming`.
            #[wasm_bindgen(js_name = incomingPointer)]
            pub fn incoming_pointer(&mut self, count: f64) -> JsResult<usize> {
                let len = usize_arg("count", count)? * self.shard_len();
                if self.incoming.len() != len {
                    self.incoming = try_filled("gradient slots", len, 0.0)?;
                }
                Ok(self.incoming.as_ptr() as usize)
            }

            /// Data-parallel update: the shard gradients of the minibatch — this replica's
            /// own, in place, and the others' from the incoming buffer (with `ownWritten`,
            /// its own too, from its slot there) — are weighted by their shares and summed
            /// in slot order, then stepped: the same sum, hence the same weights, everywhere.
            #[wasm_bindgen(js_name = applyIncoming)]
            pub fn apply_incoming(&mut self, own: f64, learning_rate: f64, own_written: bool) -> JsResult<()> {
                let own = usize_arg("own", own)?;
                Ok(self
                    .inner
                    .apply_gradient_sum(&self.incoming, (!own_written).then_some(own), learning_rate)?)
            }
        }
    };
}

/// Which shard of which minibatch of the current epoch.
#[derive(Clone, Copy)]
struct ShardAt {
    batch_size: usize,
    batch: usize,
    shard: usize,
    shards: usize,
}

replica_calls!(Model);
replica_calls!(Classifier);

impl Model {
    fn check_replica_data(&self, data: &Dataset) -> JsResult<()> {
        self.check_dataset(data)
    }

    fn shard(&mut self, data: &Dataset, at: ShardAt) -> JsResult<(CoreTerms, usize)> {
        self.check_dataset(data)?;
        Ok(self
            .inner
            .shard_gradients(&data.data, data.rows, at.batch_size, at.batch, at.shard, at.shards)?)
    }

    fn shard_len(&self) -> usize {
        self.inner.parameter_count()
    }
}

/// A classifier's shard gradients are those of the tensors that learn (the head's alone
/// while the body is frozen); a shard's loss comes back as `terms.total` (mean
/// cross-entropy plus L2).
impl Classifier {
    fn check_replica_data(&self, data: &Dataset) -> JsResult<()> {
        self.check_dataset(data).map(|_| ())
    }

    fn shard(&mut self, data: &Dataset, at: ShardAt) -> JsResult<(CoreTerms, usize)> {
        let labels = self.check_dataset(data)?;
        let (loss, rows) = self.inner.shard_gradients(
            &data.data,
            labels,
            data.rows,
            at.batch_size,
            at.batch,
            at.shard,
            at.shards,
        )?;
        let terms = CoreTerms {
            total: loss,
            ..CoreTerms::default()
        };
        Ok((terms, rows))
    }

    fn shard_len(&self) -> usize {
        self.inner.shard_gradient_len()
    }
}

#[wasm_bindgen]
impl Classifier {
    /// Draw the order of the rows of `data` for a new epoch (data-parallel `Classifier.fit`).
    #[wasm_bindgen(js_name = beginEpoch)]
    pub fn begin_epoch(&mut self, data: &Dataset) -> JsResult<()> {
        self.check_dataset(data)?;
        self.inner.begin_epoch(data.rows);
        Ok(())
    }
}
