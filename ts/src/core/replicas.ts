// Data-parallel calls (see train/parallel.ts): each worker holds a replica of the model (an
// autoencoder or a classifier: their handles have the same replica calls); per
// minibatch each copies its shard gradient into shared memory, waits for the others at a
// barrier, and every replica takes the same summed step.
import { DiaboloError } from '../base/errors.js';
import { awaitReplicas, markReplicaFailed } from './barrier.js';
import type { HandleId, ReplicaCalls } from './calls.js';
import type { Handles } from './handles.js';
import { addScaledTerms, take, takeTerms, zeroTerms } from './reports.js';
import { glueMemory } from './wasm.js';

/** A replica's view of the shared memory of its group. */
interface Slots {
  view: Float32Array;
  control: Int32Array;
  replicas: number;
  size: number;
}

export function replicaCalls(h: Handles): ReplicaCalls {
  const slotsOf = h.table<Slots>();
  const slots = (model: HandleId): Slots => {
    const s = slotsOf.get(model);
    if (!s) throw new DiaboloError('E_INTERNAL', `model #${model} has no gradient slots`);
    return s;
  };

  return {
    attachGradientSlots(model, shared, control, replicas, size) {
      h.trainable(model);
      slotsOf.set(model, { view: new Float32Array(shared), control: new Int32Array(control), replicas, size });
    },

    epochOrder(model) {
      const m = h.trainable(model);
      return h.run(() => m.epochOrder());
    },

    setEpochOrder(model, dataset, order) {
      const m = h.trainable(model);
      const d = h.dataset(dataset);
      h.run(() => m.setEpochOrder(d, order));
    },

    reseed(model, seed) {
      const m = h.trainable(model);
      h.run(() => m.reseed(seed));
    },

    /**
     * For each minibatch, the gradient of this replica's shard goes from the core's gradient
     * tensors into its slot of the minibatch's bank (one copy); a barrier on shared memory
     * waits for every replica; then the other slots are copied into the core's incoming
     * buffer and every replica sums the same shares in the same order and takes the same
     * step. A shard whose gradient is not finite publishes NaN, so every replica refuses the
     * same update.
     */
    parallelBatches(model, dataset, batchSize, learningRate, first, count, shard) {
      const m = h.trainable(model);
      const d = h.dataset(dataset);
      const { view, control, replicas, size } = slots(model);
      const memory = glueMemory(h.core());
      const t0 = performance.now();
      const end = Math.min(Math.ceil(d.rows / batchSize), first + count);
      const sums = zeroTerms();
      // The tensors that learn: all of them, or (a classifier whose body is frozen) fewer,
      // which then fill the first `spanned` floats of each slot.
      const spans = h.run(() => m.gradientSpans());
      let spanned = 0;
      for (let s = 1; s < spans.length; s += 2) spanned += spans[s] as number;
      if (spanned > size)
        throw new DiaboloError('E_INTERNAL', `gradient tensors hold ${spanned} floats, slots ${size}`);
      for (let b = first; b < end; b++) {
        const bank = view.subarray((b % 2) * replicas * size, ((b % 2) + 1) * replicas * size);
        const mine = bank.subarray(shard * size, (shard + 1) * size);
        let diverged = false;
        try {
          const { terms, rows } = h.run(() =>
            take(m.shardGradients(d, batchSize, b, shard, replicas), (r) => ({
              terms: takeTerms(r.terms),
              rows: r.rows,
            })),
          );
          for (let s = 0, at = 0; s < spans.length; s += 2) {
            const length = spans[s + 1] as number;
            mine.set(new Float32Array(memory.buffer, spans[s], length), at);
            at += length;
          }
          addScaledTerms(sums, terms, rows);
        } catch (e) {
          if (!(e instanceof DiaboloError) || e.code !== 'E_NON_FINITE') {
            markReplicaFailed(control);
            throw e;
          }
          diverged = true;
          mine.subarray(0, spanned).fill(Number.NaN);
        }
        awaitReplicas(control, replicas);
        const at = h.run(() => m.incomingPointer(replicas));
        const incoming = new Float32Array(memory.buffer, at, replicas * spanned);
        for (let k = 0; k < replicas; k++) {
          // A diverged replica's own gradient is unusable: its NaN slot is taken from shared memory too.
          if (k !== shard || diverged) incoming.set(bank.subarray(k * size, k * size + spanned), k * spanned);
        }
        h.run(() => m.applyIncoming(shard, learningRate, diverged));
      }
      return { sums, batches: Math.max(0, end - first), ms: performance.now() - t0 };
    },
  };
}
