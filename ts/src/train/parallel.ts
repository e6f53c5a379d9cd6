import type { Matrix } from '../base/types.js';
import { markReplicaFailed } from '../core/barrier.js';
import type { EngineCalls } from '../core/calls.js';
import { Runtime } from '../core/runtime.js';
import { addTerms, type EpochRun, type PieceOptions, type PieceSize, runInPieces, upload } from './pieces.js';

/** How to make a replica: build the model (or classifier) in a fresh engine, and the seed its noise streams derive from. */
export interface ReplicaRecipe {
  create(call: EngineCalls): Promise<number>;
  seed: number;
}

/** One copy of the model: its engine, its model and training-set handles. */
interface Replica {
  call: EngineCalls;
  model: number;
  dataset: number;
  runtime?: Runtime;
}

/** Why data-parallel training cannot run here, or `undefined` when it can. */
export function sharedMemoryUnavailable(leaderInline: boolean): string | undefined {
  // The replicas wait for each other with Atomics.wait, which a page's main thread may not do.
  if (leaderInline && typeof window !== 'undefined' && typeof document !== 'undefined') {
    return 'the model runs inline on the page\'s main thread, which may not wait on shared memory: create it with { backend: "worker" }';
  }
  // Browsers hide SharedArrayBuffer from pages that are not cross-origin isolated: say so.
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (isolated === false) {
    return 'the page is not cross-origin isolated (COOP/COEP headers), so memory cannot be shared';
  }
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available';
  return undefined;
}

/**
 * Data-parallel training of one model by `n` replicas, each in its own worker (the caller's
 * engine is replica 0). Every minibatch is split into `n` shards; each replica computes the
 * gradient of its shard and writes it, weighted by the shard's share, into its slot of a
 * `SharedArrayBuffer`; a barrier on shared memory (`Atomics.wait`) waits for all; then every
 * replica sums the `n` slots in the same order and takes the same optimiser step, so the
 * replicas stay identical and the update is that of the whole minibatch (up to the order of
 * floating-point sums). Two banks of slots alternate, so a replica can write minibatch k + 1
 * while the others still read minibatch k. The replicas run whole runs of minibatches on
 * their own: this thread only starts each run and gathers the loss sums (progress,
 * cancellation and pause happen between runs). Gradients never pass through JavaScript loops.
 *
 * Replica 0 draws each epoch's order and the others take it; each replica has its own noise
 * stream (corruption, VAE samples). A sparsity penalty's ρ̂ is estimated per shard.
 */
export class Replicas {
  private readonly control = new SharedArrayBuffer(16);

  private constructor(
    private readonly all: Replica[],
    private readonly rows: number,
    private readonly seed: number,
  ) {}

  /**
   * Start `n − 1` workers beside the caller's engine, each with a copy of the model (weights,
   * optimizer state; built by `recipe`) and of the training rows `x` (the first `rows` of
   * them, with their `labels` for a classifier).
   */
  static async open(
    leader: Replica,
    recipe: ReplicaRecipe,
    flavor: Runtime['info']['flavor'],
    x: Matrix,
    rows: number,
    n: number,
    labels?: Uint32Array,
  ): Promise<Replicas> {
    const state = await leader.call.state(leader.model);
    const size = state.parameters.length;
    const group = new Replicas([leader], rows, recipe.seed);
    try {
      for (let k = 1; k < n; k++) {
        const runtime = (await Runtime.open({ backend: 'worker', flavor })).retain();
        const replica: Replica = { call: runtime.call, runtime, model: 0, dataset: 0 };
        group.all.push(replica);
        replica.model = await recipe.create(runtime.call);
        await runtime.call.setState(replica.model, state);
        await runtime.call.reseed(replica.model, group.noiseSeed(k));
        const full = await upload(runtime, x, labels);
        replica.dataset = rows < x.rows ? await runtime.call.sliceDataset(full, 0, rows) : full;
        if (replica.dataset !== full) await runtime.call.dispose(full);
      }
      const shared = new SharedArrayBuffer(2 * n * size * 4);
      await Promise.all(group.all.map((r) => r.call.attachGradientSlots(r.model, shared, group.control, n, size)));
      return group;
    } catch (e) {
      await group.close();
      throw e;
    }
  }

  get count(): number {
    return this.all.length;
  }

  /** Run `f` on every replica at once. */
  each(f: (r: Replica) => Promise<unknown>): Promise<unknown[]> {
    return Promise.all(this.all.map(f));
  }

  /** Replica k's noise stream: its own, and the same in every run. */
  private noiseSeed(k: number): number {
    return (this.seed % 2 ** 40) * 7919 + k;
  }

  /** Copy replica 0's whole training state to the others (after it was restored). */
  async syncFromLeader(): Promise<void> {
    const leader = this.all[0] as Replica;
    const state = await leader.call.state(leader.model);
    await Promise.all(
      this.all.slice(1).map(async (r, i) => {
        await r.call.setState(r.model, state);
        await r.call.reseed(r.model, this.noiseSeed(i + 1));
      }),
    );
  }

  /**
   * One epoch over the training rows, a piece of minibatches per run of the replicas (with
   * the event loop let in after each when the leader is inline); the loss terms are means
   * over the rows.
   */
  async epoch(
    batchSize: number,
    learningRate: number,
    pieces: PieceSize,
    epoch: number,
    epochs: number,
    options: PieceOptions,
    inline: boolean,
  ): Promise<EpochRun> {
    const leader = this.all[0] as Replica;
    await leader.call.beginEpoch(leader.model, leader.dataset);
    const order = await leader.call.epochOrder(leader.model);
    await Promise.all(this.all.slice(1).map((r) => r.call.setEpochOrder(r.model, r.dataset, order)));
    const control = new Int32Array(this.control);
    return runInPieces(
      this.rows,
      batchSize,
      pieces,
      epoch,
      epochs,
      options,
      async (first, count) => {
        const t0 = performance.now();
        // The leader last: inline, it blocks this thread once the workers have their calls.
        const calls = [...this.all.slice(1), leader].map((r) =>
          r.call
            .parallelBatches(r.model, r.dataset, batchSize, learningRate, first, count, this.all.indexOf(r))
            .catch((e: unknown) => {
              markReplicaFailed(control); // the others stop waiting for this one
              throw e;
            }),
        );
        const results = await settleAll(calls);
        const sums = { reconstruction: 0, sparsity: 0, contractive: 0, kl: 0, l2: 0, total: 0 };
        for (const r of results) addTerms(sums, r.sums);
        return { sums, batches: results[0]?.batches ?? 0, ms: performance.now() - t0 };
      },
      inline,
    );
  }

  /** Stop the workers of replicas 1 … n − 1 (replica 0 is the caller's). */
  async close(): Promise<void> {
    for (const r of this.all.slice(1)) await r.runtime?.release();
    this.all.length = 1;
  }
}

/** Wait for every call; then fail with the first failure (so no replica is left mid-step). */
async function settleAll<T>(calls: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
