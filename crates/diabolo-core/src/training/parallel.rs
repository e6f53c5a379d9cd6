//! Data-parallel training: replicas of one model (same weights, optimizer state and epoch
//! order) each compute the gradient of their shard of every minibatch; the shards'
//! gradients, weighted by their share of the minibatch, are summed in the same order by
//! every replica, which then clips and steps as one model would: the replicas stay identical.

use crate::error::Result;
use crate::kernels::gemm::Kernel;
use crate::models::autoencoder::{LossTerms, Model};
use crate::num::rng::Rng;
use crate::optim::params::ParamSet;
use crate::optim::shards::{locate_shard, sum_shard_gradients, take_epoch_order};

impl<T: Kernel> Model<T> {
    /// The current epoch's order of rows (drawn by [`Model::begin_epoch`]).
    pub fn epoch_order(&self) -> &[usize] {
        &self.ws.order
    }

    /// Restart the model's random stream (epoch orders, corruption, VAE samples) from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }

    /// Take another replica's epoch order (a permutation of `0 .. rows`).
    pub fn set_epoch_order(&mut self, order: &[u32], rows: usize) -> Result<()> {
        take_epoch_order(&mut self.ws.order, order, rows)
    }

    /// Gradients (kept in the model, not clipped, nothing stepped) of shard `shard` of
    /// `shards` of minibatch `batch` of the current epoch, as means over the shard's samples
    /// ([`Model::apply_gradient_sum`] weights each shard by its share of the minibatch).
    /// Returns the shard's loss terms (means over its samples) and its size; an empty shard
    /// (a minibatch smaller than `shards`) leaves zero gradients.
    pub fn shard_gradients(
        &mut self,
        data: &[T],
        rows: usize,
        batch_size: usize,
        batch: usize,
        shard: usize,
        shards: usize,
    ) -> Result<(LossTerms, usize)> {
        let d = self.spec.inputs;
        Self::check_data("training data", data, rows, d)?;
        crate::nn::chain::check_epoch_args(rows, batch_size, 1.0)?;
        let (positions, split) = locate_shard(self.ws.order.len(), rows, batch_size, batch, shard, shards)?;
        self.split = split;
        if positions.is_empty() {
            self.fill_grads(T::ZERO);
            return Ok((LossTerms::default(), 0));
        }
        let n = positions.len();
        let terms = self.on_rows(data, positions.start, positions.end, |m, x, n| {
            m.gradients_of(x, n, false)
        })?;
        Ok((terms, n))
    }

    /// The gradients of the last [`Model::shard_gradients`] where they lie, in parameter
    /// order (the tensors that are stepped): what a replica publishes to the others.
    pub fn shard_gradient_tensors(&mut self) -> Vec<&[T]> {
        self.grad_slices()
    }

    /// Sum the shard gradients of one minibatch, each weighted by its share of the
    /// minibatch, in shard order, then clip and step with the sum: the update the whole
    /// minibatch gives one model. `slots` holds one gradient per shard (parameter order, end
    /// to end, as [`Model::shard_gradient_tensors`] lays them out); with `own = Some(k)` shard
    /// `k`'s is this model's own (its slot in `slots` is not read). Every replica forms the
    /// same products and sums in the same order, so all of them take the same step. A
    /// non-finite sum leaves the model untouched.
    pub fn apply_gradient_sum(&mut self, slots: &[T], own: Option<usize>, lr: f64) -> Result<()> {
        let ids = self.tensor_ids();
        sum_shard_gradients(self, &ids, slots, own, self.split)?;
        if self.clip_norm > 0.0 {
            self.clip_gradients();
        }
        self.apply_step(lr);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::test_support::{data, layer, spec};
    use crate::nn::activation::Activation;
    use crate::nn::penalty::LayerPenalties;
    use crate::spec::ModelSpec;

    #[test]
    fn shards_summed_step_like_the_whole_minibatch() {
        // Tied weights, L2 and clipping: everything the update combines. Two and three
        // replicas share every minibatch; their shard gradients, summed, must give the
        // one-model step, whether a replica's own gradient is read in place or from its slot.
        let l2 = LayerPenalties {
            l2: 1e-3,
            ..LayerPenalties::default()
        };
        let s = ModelSpec {
            tied: true,
            ..spec(vec![layer(5, Activation::Tanh, l2), layer(3, Activation::Sigmoid, l2)])
        };
        let (rows, bs) = (23, 8);
        let x = data(rows, 6, 11);
        for n in [2usize, 3] {
            let mut one = Model::<f64>::new(s.clone()).unwrap();
            one.set_clip_norm(0.5).unwrap();
            let p_count = one.parameter_count();
            let mut replicas = vec![one.clone(); n];
            for _ in 0..3 {
                one.begin_epoch(&x, rows).unwrap();
                let order: Vec<u32> = one.epoch_order().iter().map(|&i| i as u32).collect();
                one.train_batches(&x, rows, bs, 0.3, 0, usize::MAX).unwrap();
                for r in &mut replicas {
                    r.set_epoch_order(&order, rows).unwrap();
                }
                for b in 0..rows.div_ceil(bs) {
                    let mut slots = Vec::new();
                    let mut seen = 0;
                    for (k, r) in replicas.iter_mut().enumerate() {
                        seen += r.shard_gradients(&x, rows, bs, b, k, n).unwrap().1;
                        slots.extend(r.shard_gradient_tensors().concat());
                    }
                    assert_eq!(seen, bs.min(rows - b * bs));
                    // One replica (turn by turn) sums from the slots alone; the others use
                    // their own gradient in place, their slot poisoned to prove it unread.
                    let reader = b % n;
                    replicas[reader].apply_gradient_sum(&slots, None, 0.3).unwrap();
                    for (k, r) in replicas.iter_mut().enumerate().filter(|&(k, _)| k != reader) {
                        let mut poisoned = slots.clone();
                        poisoned[k * p_count..(k + 1) * p_count].fill(f64::NAN);
                        r.apply_gradient_sum(&poisoned, Some(k), 0.3).unwrap();
                    }
                }
            }
            let w = one.parameters();
            let p = replicas[0].parameters();
            for r in &mut replicas[1..] {
                assert_eq!(r.parameters(), p, "replicas stay identical");
            }
            for (a, b) in p.iter().zip(&w) {
                assert!((a - b).abs() < 1e-12, "{n} replicas: {a} vs {b}");
            }
            let r = &mut replicas[0];
            assert!(r.shard_gradients(&x, rows, bs, 3, 0, n).is_err(), "batch 3 of 3");
            assert!(r.set_epoch_order(&[0, 99], 2).is_err());
            assert!(r.apply_gradient_sum(&[0.0; 3], None, 0.1).is_err());
            assert!(r.apply_gradient_sum(&vec![0.0; n * p_count], Some(n), 0.1).is_err());
            let mut nan = vec![0.0; n * p_count];
            nan[p_count] = f64::NAN;
            let before = r.parameters();
            assert!(
                r.apply_gradient_sum(&nan, Some(0), 0.1).is_err(),
                "a NaN slot is refused beside an own gradient in place"
            );
            assert!(r.apply_gradient_sum(&nan, None, 0.1).is_err(), "a NaN slot is refused");
            assert_eq!(r.parameters(), before, "and leaves the weights alone");
        }
    }
}
