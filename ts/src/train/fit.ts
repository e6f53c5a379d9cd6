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
}

/** `into += from`, term by term. */
export function addTerms(into: LossTermValues, from: LossTermValues): void {
  for (const k of Object.keys(into) as (keyof LossTermValues)[]) into[k] += from[k];
}

/**
 * One epoch of `rows` samples run `perCall` minibatches at a time by `run(first, count)`,
 * with progress, cancellation and pause between the calls (identical results to one call:
 * the epoch's order is drawn before the first).
 */
export async function runInPieces(
  rows: number,
  batchSize: number,
  perCall: number,
  epoch: number,
  epochs: number,
  options: FitOptions,
  run: (first: number, count: number) => Promise<PieceRun>,
): Promise<EpochRun> {
  const batches = Math.ceil(rows / batchSize);
  const sums: LossTermValues = { reconstruction: 0, sparsity: 0, contractive: 0, kl: 0, l2: 0, total: 0 };
  let done = 0;
  let ms = 0;
  while (done < batches) {
    const r = await run(done, perCall);
    addTerms(sums, r.sums);
    done += r.batches;
    ms += r.ms;
    const samples = Math.min(rows, done * batchSize);
    options.onBatchEnd?.({
      epoch,
      epochs,
      batch: done,
      batches,
      loss: sums.total / samples,
      samplesPerSecond: samples / (ms / 1000),
    });
    if (options.signal?.aborted && (done < batches || epoch < epochs)) throw aborted(options.signal);
    if (done < batches) await options.control?.waitWhilePaused(options.signal);
  }
  for (const k of Object.keys(sums) as (keyof LossTermValues)[]) sums[k] /= rows;
  return { terms: sums, batches, samples: rows, ms };
}

/** One epoch on one engine, `perCall` minibatches per call. */
async function epochInPieces(
  rt: Runtime,
  model: number,
  dataset: number,
  rows: number,
  batchSize: number,
  learningRate: number,
  perCall: number,
  epoch: number,
  epochs: number,
  options: FitOptions,
): Promise<EpochRun> {
  await rt.call.beginEpoch(model, dataset);
  return runInPieces(rows, batchSize, perCall, epoch, epochs, options, (first, count) =>
    rt.call.trainBatches(model, dataset, batchSize, learningRate, first, count),
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
    const trainRows = rows - (o.validationSplit > 0 ? Math.ceil(rows * o.validationSplit) : 0);
    if (o.dataParallel > 1 && !fallback && source) {
      const leader = { call, model, dataset: train };
      replicas = await Replicas.open(leader, config, rt.info.flavor, source, trainRows, o.dataParallel);
      await replicas.each((r) => r.call.setClipNorm(r.model, o.gradientClipNorm));
    }
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
      if (retry) await call.saveState(model);
      let r: EpochRun;
      try {
        r = replicas
          ? await replicas.epoch(o.batchSize, learningRate, o.batchesPerCall, epoch, o.epochs, options)
          : o.batchesPerCall === 0
            ? await call.trainEpoch(model, train, o.batchSize, learningRate)
            : await epochInPieces(
                rt,
                model,
                train,
                trainRows,
                o.batchSize,
                learningRate,
                o.batchesPerCall,
                epoch,
                o.epochs,
                options,
              );
      } catch (e) {
        if (!retry || !(e instanceof DiaboloError) || e.code !== 'E_NON_FINITE') throw e;
        if (divergences.length >= retry.maxRetries) {
          throw new DiaboloError(
            'E_NON_FINITE',
            `${e.message} (epoch ${epoch} at learning rate ${learningRate}, after ${divergences.length} retries with a smaller learning rate: retryOnDivergence.maxRetries = ${retry.maxRetries})`,
          );
        }
        divergences.push({ epoch, learningRate, message: e.message });
        await call.restoreState(model);
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
