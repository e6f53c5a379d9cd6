import { transfer } from 'comlink';
import type { Runtime } from '../core/runtime.js';
import { toMatrix } from '../data/matrix.js';
import { DiaboloError } from '../errors.js';
import { learningRateAt, type ResolvedAutoencoderConfig, resolveFitOptions } from '../model/config.js';
import type { Divergence, EpochProgress, FitOptions, FitResult, LossTermValues, Matrix } from '../types.js';
import { Replicas, sharedMemoryUnavailable } from './parallel.js';

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
  const data = transferData ? transfer(x.data, [x.data.buffer as ArrayBuffer]) : x.data;
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

/**
 * One epoch of `rows` samples run a piece of minibatches at a time by `run(first, count)`,
 * with progress, cancellation and pause between the calls (identical results to one call:
 * the epoch's order is drawn before the first).
 */
export async function runInPieces(
  rows: number,
  batchSize: number,
  pieces: PieceSize,
  epoch: number,
  epochs: number,
  options: FitOptions,
  run: (first: number, count: number) => Promise<PieceRun>,
  yieldEach = typeof pieces !== 'number',
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

/** One epoch on one engine, a piece of minibatches per call. */
async function epochInPieces(
  rt: Runtime,
  model: number,
  dataset: number,
  rows: number,
  batchSize: number,
  learningRate: number,
  pieces: PieceSize,
  epoch: number,
  epochs: number,
  options: FitOptions,
): Promise<EpochRun> {
  await rt.call.beginEpoch(model, dataset);
  return runInPieces(
    rows,
    batchSize,
    pieces,
    epoch,
    epochs,
    options,
    (first, count) => rt.call.trainBatches(model, dataset, batchSize, learningRate, first, count),
    rt.info.backend === 'inline',
  );
}

/**
 * Train an autoencoder on a dataset already in the engine: learning-rate schedule, KL
 * warm-up, validation (a split of the dataset made inside WASM, or given data), early
 * stopping with the best weights restored, progress after every epoch, cancellation at
 * epoch boundaries. One call into the engine per epoch.
 */
export async function fitDataset(
  rt: Runtime,
  model: number,
  config: ResolvedAutoencoderConfig,
  dataset: number,
  rows: number,
  options: FitOptions,
  save?: () => Promise<Uint8Array>,
  source?: Matrix,
): Promise<FitResult> {
  const o = resolveFitOptions(options, rows, config.optimizer);
  const { signal, onEpochEnd } = options;
  if (signal?.aborted) throw aborted(signal);
  const call = rt.call;
  const temporary: number[] = [];
  let train = dataset;
  let validation: number | undefined;
  let replicas: Replicas | undefined;
  const fallback =
    o.dataParallel > 1
      ? source
        ? sharedMemoryUnavailable(rt.info.backend === 'inline')
        : 'the data is not in this thread'
      : undefined;
  try {
    if (o.validationSplit > 0) {
      const held = Math.ceil(rows * o.validationSplit);
      train = await call.sliceDataset(dataset, 0, rows - held);
      validation = await call.sliceDataset(dataset, rows - held, held);
      temporary.push(train, validation);
    } else if (options.validationData !== undefined) {
      validation = await upload(rt, toMatrix(options.validationData, config.inputSize, 'validationData'));
      temporary.push(validation);
    }
    await call.setClipNorm(model, o.gradientClipNorm);
    await call.resetDivergenceWatch(model);
    const trainRows = rows - (o.validationSplit > 0 ? Math.ceil(rows * o.validationSplit) : 0);
    if (o.dataParallel > 1 && !fallback && source) {
      const leader = { call, model, dataset: train };
      replicas = await Replicas.open(leader, config, rt.info.flavor, source, trainRows, o.dataParallel);
      await replicas.each((r) => r.call.setClipNorm(r.model, o.gradientClipNorm));
    }
    // Inline training shares the caller's thread: unless told a piece size, it runs in time
    // slices and lets the event loop in after each, so timers, signals, pause, input and
    // painting are served while it trains. A worker runs a whole epoch per call unless
    // progress or cancellation within the epoch is asked for.
    const inline = rt.info.backend === 'inline';
    const pieces: PieceSize =
      inline && options.batchesPerCall === undefined ? { sliceMs: INLINE_SLICE_MS } : o.batchesPerCall;
    const history: EpochProgress[] = [];
    const t0 = performance.now();
    let best = { loss: Number.POSITIVE_INFINITY, epoch: 0 };
    let stoppedEarly = false;
    const warmup = config.vae !== null && o.klWarmupEpochs > 0;
    const retry = o.retryOnDivergence;
    const divergences: Divergence[] = [];
    let learningRateScale = 1;
    for (let epoch = o.initialEpoch + 1; epoch <= o.epochs; epoch++) {
      await options.control?.waitWhilePaused(signal);
      if (signal?.aborted) throw aborted(signal);
      const learningRate = learningRateScale * learningRateAt(o.learningRate, o.schedule, epoch, o.epochs);
      if (warmup) {
        const scale = Math.min(1, epoch / o.klWarmupEpochs);
        await (replicas ? replicas.each((r) => r.call.setKlScale(r.model, scale)) : call.setKlScale(model, scale));
      }
      // The start of every epoch is kept: a diverging epoch puts the model back here.
      await call.saveState(model);
      let r: EpochRun;
      try {
        r = replicas
          ? await replicas.epoch(o.batchSize, learningRate, pieces, epoch, o.epochs, options, inline)
          : pieces === 0
            ? await call.trainEpoch(model, train, o.batchSize, learningRate)
            : await epochInPieces(
                rt,
                model,
                train,
                trainRows,
                o.batchSize,
                learningRate,
                pieces,
                epoch,
                o.epochs,
                options,
              );
      } catch (e) {
        if (!(e instanceof DiaboloError) || e.code !== 'E_NON_FINITE') throw e;
        // The epoch diverged: put the model back as it was when the epoch began, its last
        // state known good, so that it can still be used and trained on.
        await call.restoreState(model);
        const restored = `the model was put back as it was at the start of epoch ${epoch}`;
        if (!retry) {
          throw new DiaboloError(
            'E_NON_FINITE',
            `${e.message} (epoch ${epoch}, learning rate ${learningRate}); ${restored} — train on with a smaller learning rate, or set retryOnDivergence`,
          );
        }
        if (divergences.length >= retry.maxRetries) {
          throw new DiaboloError(
            'E_NON_FINITE',
            `${e.message} (epoch ${epoch} at learning rate ${learningRate}, after ${divergences.length} retries with a smaller learning rate: retryOnDivergence.maxRetries = ${retry.maxRetries}); ${restored}`,
          );
        }
        divergences.push({ epoch, learningRate, message: e.message });
        await replicas?.syncFromLeader();
        learningRateScale *= retry.factor;
        epoch--;
        continue;
      }
      const validationLoss = validation === undefined ? undefined : (await call.evaluate(model, validation)).total;
      const elapsedMs = performance.now() - t0;
      const progress: EpochProgress = {
        epoch,
        epochs: o.epochs,
        loss: r.terms.total,
        terms: r.terms,
        learningRate,
        samplesPerSecond: r.samples / (r.ms / 1000),
        elapsedMs,
        etaMs: (elapsedMs / (epoch - o.initialEpoch)) * (o.epochs - epoch),
        ...(validationLoss === undefined ? {} : { validationLoss }),
      };
      history.push(progress);
      onEpochEnd?.(progress);
      if (o.checkpointEvery > 0 && epoch % o.checkpointEvery === 0 && save && options.checkpoint) {
        await options.checkpoint.save(await save(), epoch);
      }
      const watched = validationLoss ?? r.terms.total;
      if (watched < best.loss - (o.earlyStopping?.minDelta ?? 0)) {
        best = { loss: watched, epoch };
        if (o.earlyStopping?.restoreBest) await call.snapshot(model);
      } else if (o.earlyStopping && epoch - best.epoch >= o.earlyStopping.patience) {
        stoppedEarly = true;
        break;
      }
      if (signal?.aborted && epoch < o.epochs) throw aborted(signal);
    }
    const last = history.length;
    let bestEpoch = last;
    if (o.earlyStopping?.restoreBest && best.epoch > 0 && best.epoch < last) {
      await call.restoreSnapshot(model);
      bestEpoch = best.epoch;
    }
    return {
      history,
      divergences,
      workers: replicas?.count ?? 1,
      ...(fallback ? { dataParallelFallback: fallback } : {}),
      losses: history.map((h) => h.loss),
      bestEpoch,
      stoppedEarly,
      elapsedMs: performance.now() - t0,
    };
  } finally {
    await replicas?.close();
    if (config.vae !== null && o.klWarmupEpochs > 0) await call.setKlScale(model, 1).catch(() => {});
    for (const id of temporary) await call.dispose(id).catch(() => {});
  }
}
