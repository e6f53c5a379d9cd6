//! Epochs: a fresh random order of the rows, then minibatches in that order — all at once
//! or a few at a time (progress, cancellation) with identical results.

use crate::error::{Error, Result};
use crate::kernels::gemm::Kernel;
use crate::models::autoencoder::{LossTerms, Model};

/// What an epoch did: its loss terms (sample-weighted means), minibatches and samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    pub terms: LossTerms,
    pub batches: usize,
    pub samples: usize,
}

impl<T: Kernel> Model<T> {
    /// One pass over `rows` samples in a fresh random order, `batch_size` at a time.
    pub fn train_epoch(&mut self, data: &[T], rows: usize, batch_size: usize, lr: f64) -> Result<EpochReport> {
        self.begin_epoch(data, rows)?;
        let (_, batches) = self.train_batches(data, rows, batch_size, lr, 0, usize::MAX)?;
        let terms = self.epoch_terms(rows);
        Ok(EpochReport {
            terms,
            batches,
            samples: rows,
        })
    }

    /// Start an epoch: draw the order in which its minibatches visit the `rows` samples.
    /// Then [`Model::train_batches`] runs them, all at once or a few at a time (for progress
    /// and cancellation between minibatches) with identical results.
    pub fn begin_epoch(&mut self, data: &[T], rows: usize) -> Result<()> {
        Self::check_data("training data", data, rows, self.spec.inputs)?;
        crate::nn::chain::shuffled(&mut self.ws.order, rows, &mut self.rng);
        self.ws.epoch_sum = LossTerms::default();
        Ok(())
    }

    /// The terms of the current epoch so far as means over its `rows` samples: after its last
    /// minibatch, the epoch's terms, the same bits however [`Model::train_batches`] split it.
    pub fn epoch_terms(&self, rows: usize) -> LossTerms {
        let mut terms = LossTerms::default();
        terms.add_scaled(&self.ws.epoch_sum, 1.0 / rows as f64);
        terms
    }

    /// Train minibatches `first .. first + count` (clipped to the epoch) of the current
    /// epoch. Returns the sample-weighted sum of their loss terms and how many ran.
    pub fn train_batches(
        &mut self,
        data: &[T],
        rows: usize,
        batch_size: usize,
        lr: f64,
        first: usize,
        count: usize,
    ) -> Result<(LossTerms, usize)> {
        let d = self.spec.inputs;
        Self::check_data("training data", data, rows, d)?;
        crate::nn::chain::check_epoch_args(rows, batch_size, lr)?;
        if self.ws.order.len() != rows {
            return Err(Error::invalid(
                "epoch",
                "not begun for this data",
                "begin_epoch on the same data first",
            ));
        }
        let mut sum = LossTerms::default();
        let mut done = 0;
        for b in first..rows.div_ceil(batch_size).min(first.saturating_add(count)) {
            let (lo, hi) = (b * batch_size, ((b + 1) * batch_size).min(rows));
            let t = self.on_rows(data, lo, hi, |m, x, n| m.train_batch(x, n, lr))?;
            sum.add_scaled(&t, (hi - lo) as f64);
            self.ws.epoch_sum.add_scaled(&t, (hi - lo) as f64);
            done += 1;
        }
        Ok((sum, done))
    }

    /// Run `f` on the samples `order[lo..hi]` of the current epoch, gathered from `data` into
    /// the minibatch buffer.
    pub(super) fn on_rows<R>(
        &mut self,
        data: &[T],
        lo: usize,
        hi: usize,
        f: impl FnOnce(&mut Self, &[T], usize) -> R,
    ) -> R {
        let d = self.spec.inputs;
        let mut batch = std::mem::take(&mut self.ws.batch);
        batch.clear();
        for &i in &self.ws.order[lo..hi] {
            batch.extend_from_slice(&data[i * d..(i + 1) * d]);
        }
        let result = f(self, &batch, hi - lo);
        self.ws.batch = batch;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::test_support::{bars, bars_spec, data, layer, spec};
    use crate::nn::activation::Activation;
    use crate::nn::noise::Corruption;
    use crate::nn::penalty::LayerPenalties;
    use crate::num::rng::Rng;

    #[test]
    fn an_epoch_in_pieces_equals_the_epoch_at_once() {
        let mut s = spec(vec![layer(4, Activation::Sigmoid, LayerPenalties::default())]);
        s.corruption = Corruption::Mask { nu: 0.2 };
        let x: Vec<f32> = data(50, 6, 8).iter().map(|&v| v as f32).collect();
        let mut whole = Model::<f32>::new(s.clone()).unwrap();
        let report = whole.train_epoch(&x, 50, 8, 0.1).unwrap();
        let mut pieces = Model::<f32>::new(s).unwrap();
        pieces.begin_epoch(&x, 50).unwrap();
        let (mut total, mut batches) = (LossTerms::default(), 0);
        for first in (0..7).step_by(3) {
            let (sum, n) = pieces.train_batches(&x, 50, 8, 0.1, first, 3).unwrap();
            total.add_scaled(&sum, 1.0);
            batches += n;
        }
        assert_eq!(batches, report.batches);
        assert_eq!(pieces.parameters(), whole.parameters());
        assert!((total.total / 50.0 - report.terms.total).abs() < 1e-12);
        // The epoch's own running sums give its terms bit for bit, whatever the split.
        assert_eq!(pieces.epoch_terms(50), report.terms);
        // A new epoch starts its sums afresh.
        pieces.begin_epoch(&x, 50).unwrap();
        assert_eq!(pieces.epoch_terms(50), LossTerms::default());
    }

    #[test]
    fn training_reduces_loss_tenfold_and_is_deterministic() {
        let data = bars(256, &mut Rng::new(9));
        let run = || {
            let mut m = Model::<f32>::new(bars_spec(42)).unwrap();
            let first = m.train_epoch(&data, 256, 16, 2.0).unwrap().terms.reconstruction;
            let mut last = first;
            for _ in 0..300 {
                last = m.train_epoch(&data, 256, 16, 2.0).unwrap().terms.reconstruction;
            }
            (first, last, m.parameters())
        };
        let (first, last, p1) = run();
        assert!(last < first / 10.0, "loss {first} -> {last}");
        let (_, _, p2) = run();
        assert_eq!(p1, p2, "same seed must give identical weights");
    }

    #[test]
    fn wrong_shapes_and_bad_hyperparameters_are_reported() {
        let mut m = Model::<f32>::new(bars_spec(1)).unwrap();
        let err = m.train_epoch(&[0.0; 30], 2, 1, 0.1).unwrap_err();
        assert_eq!(err.code(), "E_SHAPE");
        assert!(err.to_string().contains("[2, 16]"), "{err}");
        let err = m.train_epoch(&[0.0; 32], 2, 3, 0.1).unwrap_err();
        assert!(err.to_string().contains("batchSize = 3"), "{err}");
        let err = m.train_epoch(&[0.0; 32], 2, 1, f64::NAN).unwrap_err();
        assert!(err.to_string().contains("learningRate"), "{err}");
    }
}
