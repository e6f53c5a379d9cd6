// An epoch run a piece of minibatches at a time — on one engine, or on data-parallel
// replicas — with progress, cancellation and pause between the pieces, and the event loop
// let in after each when training shares the caller's thread; and the small pieces every
// training call uses (cancellation errors, uploads).
import { transfer } from 'comlink';
import { DiaboloError } from '../base/errors.js';
import type { FitOptions, LossTermValues, Matrix } from '../base/types.js';
import type { Runtime } from '../core/runtime.js';

export function aborted(signal: AbortSignal): DiaboloError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new DiaboloError('E_ABORTED', `training was cancelled: ${reason}`);
}

/**
 * Copy a matrix (and labels) into the engine; the caller disposes the handle. With
 * `transferData`, a worker receives the buffer itself instead of a copy, and the caller's
 * `x.data` is left detached (length 0).
 */
export function upload(rt: Runtime, x: Matrix, labels?: Uint32Array, transferData = false): Promise<number> {
  // Only a message to a worker transfers. Comlink remembers a marked array and transfers it
  // with any later message that carries it: marked for an inline engine (where nothing is
  // posted), the caller's array would be detached by its next call to some worker.
  const transferring = transferData && rt.info.backend === 'worker';
  const data = transferring ? transfer(x.data, [x.data.buffer as ArrayBuffer]) : x.data;
  return rt.call.uploadDataset(data, x.rows, x.cols, labels);
}

/** One epoch's outcome: loss terms as means over its samples. */
export interface EpochRun {
  terms: LossTermValues;
  batches: number;
  samples: number;
  ms: number;
}

/** What one call of {@link runInPieces}' `run` did: sample-weighted sums of the terms. */
export interface PieceRun {
  sums: LossTermValues;
  batches: number;
  ms: number;
  /** The epoch's terms so far, as one engine's core keeps them (independent of the split). */
  epochTerms?: LossTermValues;
}

/** `into += from`, term by term. */
export function addTerms(into: LossTermValues, from: LossTermValues): void {
  for (const k of Object.keys(into) as (keyof LossTermValues)[]) into[k] += from[k];
}

/**
 * Let the thread's event loop run: timers (an `AbortSignal.timeout`, a `setTimeout` that
 * aborts or pauses), I/O and, in a page, input events and painting. A macrotask, not a
 * microtask: inline training runs in the caller's thread, and awaiting calls that are
 * synchronous underneath would otherwise never give the loop a turn.
 */
export function yieldToEventLoop(): Promise<void> {
  // Node: after pending I/O and due timers. Browsers: a message is an ordinary task, queued
  // behind due timers, input and rendering (scheduler.yield() would not do: its continuation
  // outranks timers, so a timer's abort would wait for the end of training).
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * How many minibatches each call into the core runs: a fixed count, or — for inline
 * training, which shares the caller's thread — as many as fit in `sliceMs` at the pace of
 * the previous call (at least one), with the event loop given a turn after each.
 */
export type PieceSize = number | { sliceMs: number };

/**
 * Inline training runs in slices of about this many milliseconds (or one minibatch, if that
 * is longer), giving the event loop a turn after each: long enough that slicing costs nothing
 * measurable, short enough that a timer's abort or pause, input and painting are not held up.
 */
export const INLINE_SLICE_MS = 25;

/** What {@link runInPieces} reads of a training call's options: progress, cancellation and pause. */
export type PieceOptions = Pick<FitOptions, 'onBatchEnd' | 'signal' | 'control'>;

/**
 * One epoch of `rows` samples run a piece of minibatches at a time by `run(first, count)`,
 * with progress, cancellation and pause between the calls (identical results to one call:
 * the epoch's order is drawn before the first), and with `yieldEach` (the caller's thread
 * trains) the event loop let in after each call.
 */
export async function runInPieces(
  rows: number,
  batchSize: number,
  pieces: PieceSize,
  epoch: number,
  epochs: number,
  options: PieceOptions,
  run: (first: number, count: number) => Promise<PieceRun>,
  yieldEach: boolean,
): Promise<EpochRun> {
  const batches = Math.ceil(rows / batchSize);
  const sums: LossTermValues = { reconstruction: 0, sparsity: 0, contractive: 0, kl: 0, l2: 0, total: 0 };
  const sliced = typeof pieces !== 'number';
  let count = sliced ? 1 : pieces;
  let done = 0;
  let ms = 0;
  let epochTerms: LossTermValues | undefined;
  while (done < batches) {
    const r = await run(done, count);
    epochTerms = r.epochTerms;
    addTerms(sums, r.sums);
    done += r.batches;
    ms += r.ms;
    if (sliced && r.batches > 0) {
      // Aim at the slice from the pace just measured, growing at most fourfold a step.
      const perBatch = Math.max(r.ms, 0.01) / r.batches;
      count = Math.max(1, Math.min(count * 4, Math.floor(pieces.sliceMs / perBatch)));
    }
    const samples = Math.min(rows, done * batchSize);
    options.onBatchEnd?.({
      epoch,
      epochs,
      batch: done,
      batches,
      loss: sums.total / samples,
      samplesPerSecond: samples / (ms / 1000),
    });
    if (yieldEach) await yieldToEventLoop();
    if (options.signal?.aborted && (done < batches || epoch < epochs)) throw aborted(options.signal);
    if (done < batches) await options.control?.waitWhilePaused(options.signal);
  }
  // One engine's core kept the epoch's sums itself, minibatch by minibatch: its terms are
  // those of an epoch run in one call. Replicas' pieces are summed here.
  if (!epochTerms) for (const k of Object.keys(sums) as (keyof LossTermValues)[]) sums[k] /= rows;
  return { terms: epochTerms ?? sums, batches, samples: rows, ms };
}
