//! Data-parallel training over any parameter set: the rows each replica's shard of a
//! minibatch takes, another replica's epoch order taken, and the weighted sum of the shards'
//! gradients that every replica forms in the same order (the autoencoder's and the
//! classifier's data-parallel calls are built on these).

use crate::error::{Error, Result};
use crate::num::real::Real;
use crate::optim::optimizer::all_finite;
use crate::optim::params::{ParamSet, TensorId};

/// Rows `shard` of `shards` takes of a minibatch of `m` rows (offsets within the minibatch):
/// the split every data-parallel replica agrees on, and the shares its gradients are
/// weighted by.
fn shard_rows(m: usize, shard: usize, shards: usize) -> std::ops::Range<usize> {
    shard * m / shards..(shard + 1) * m / shards
}

/// Replace `dst` with another replica's epoch order, a list of `rows` row indices.
pub fn take_epoch_order(dst: &mut Vec<usize>, order: &[u32], rows: usize) -> Result<()> {
    if order.len() != rows {
        return Err(Error::shape(
            "epoch order",
            format!("[{rows}]"),
            format!("[{}]", order.len()),
        ));
    }
    if let Some(&bad) = order.iter().find(|&&i| i as usize >= rows) {
        return Err(Error::invalid(
            "epoch order",
            bad,
            "row indices below the number of rows",
        ));
    }
    dst.clear();
    dst.extend(order.iter().map(|&i| i as usize));
    Ok(())
}

/// Where shard `shard` of `shards` of minibatch `batch` lies in the current epoch's order
/// (positions in it), and the split of its minibatch (rows, shards) that the summed update
/// weighs the shards by. An error unless the epoch order covers `rows` and the shard exists.
pub fn locate_shard(
    order_len: usize,
    rows: usize,
    batch_size: usize,
    batch: usize,
    shard: usize,
    shards: usize,
) -> Result<(std::ops::Range<usize>, (usize, usize))> {
    if order_len != rows || shard >= shards || batch_size == 0 || batch * batch_size >= rows {
        return Err(Error::invalid(
            "shard",
            format!("batch {batch}, shard {shard} of {shards}"),
            "a shard of a minibatch of the current epoch",
        ));
    }
    let start = batch * batch_size;
    let m = batch_size.min(rows - start);
    let within = shard_rows(m, shard, shards);
    Ok((start + within.start..start + within.end, (m, shards)))
}

/// Replace the gradients of `ids` (a model's stepped tensors, in its order) with the sum of
/// the shard gradients of one minibatch, each weighted by its share of the `split` (rows,
/// shards) in shard order. `slots` holds one gradient per shard, the tensors of `ids` end
/// to end; with `own = Some(k)` shard `k`'s gradient is the one already in the model (its
/// slot is not read). Every replica forms the same products and sums in the same order, so
/// all of them hold the same sum. A non-finite sum is an error (the caller does not step).
pub fn sum_shard_gradients<T: Real, P: ParamSet<T> + ?Sized>(
    set: &mut P,
    ids: &[TensorId<P::Layer>],
    slots: &[T],
    own: Option<usize>,
    (m, count): (usize, usize),
) -> Result<()> {
    let p: usize = ids.iter().map(|&id| set.tensor(id).1.len()).sum();
    if slots.len() != p * count || own.is_some_and(|k| k >= count) {
        return Err(Error::shape(
            "gradient slots",
            format!("[{count} × {p}] after a shard of {count}"),
            format!("[{}]", slots.len()),
        ));
    }
    let shares: Vec<T> = (0..count)
        .map(|k| T::from_f64(shard_rows(m, k, count).len() as f64 / m as f64))
        .collect();
    let mut offset = 0;
    let mut finite = true;
    for &id in ids {
        let g = set.tensor_mut(id).1;
        let len = g.len();
        let slot = |k: usize| &slots[k * p + offset..k * p + offset + len];
        match own {
            // The common case, two replicas: one fused pass that also checks the sum.
            // IEEE addition commutes, so own·s_own + other·s_other has the bits of the
            // general loop's slot-order sum on both replicas.
            Some(k) if count == 2 => {
                let (s_own, s_other) = (shares[k], shares[1 - k]);
                let mut bad = false;
                for (a, &b) in g.iter_mut().zip(slot(1 - k)) {
                    *a = *a * s_own + b * s_other;
                    bad |= !a.is_finite();
                }
                finite &= !bad;
            }
            _ => {
                for i in 0..len {
                    let mut acc = T::ZERO;
                    for (k, &share) in shares.iter().enumerate() {
                        let v = if own == Some(k) {
                            g[i]
                        } else {
                            slots[k * p + offset + i]
                        };
                        acc = if k == 0 { v * share } else { acc + v * share };
                    }
                    g[i] = acc;
                }
                finite &= all_finite(g);
            }
        }
        offset += len;
    }
    if !finite {
        return Err(Error::NonFinite {
            what: "summed gradient".to_string(),
        });
    }
    Ok(())
}
