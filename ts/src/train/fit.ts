import type { Runtime } from '../core/runtime.js';
import { toMatrix } from '../data/matrix.js';
import { DiaboloError } from '../errors.js';
import { learningRateAt, type ResolvedAutoencoderConfig, resolveFitOptions } from '../model/config.js';
import type { EpochProgress, FitOptions, FitResult, Matrix } from '../types.js';

export function aborted(signal: AbortSignal): DiaboloError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new DiaboloError('E_ABORTED', `training was cancelled: ${reason}`);
}

/** Copy a matrix (and labels) into the engine; the caller disposes the handle. */
export function upload(rt: Runtime, x: Matrix, labels?: Uint32Array): Promise<number> {
  return rt.call.uploadDataset(x.data, x.rows, x.cols, labels);
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
): Promise<FitResult> {
  const o = resolveFitOptions(options, rows, config.optimizer);
  const { signal, onEpochEnd } = options;
  if (signal?.aborted) throw aborted(signal);
  const call = rt.call;
  const temporary: number[] = [];
  let train = dataset;
  let validation: number | undefined;
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
    const history: EpochProgress[] = [];
    const t0 = performance.now();
    let best = { loss: Number.POSITIVE_INFINITY, epoch: 0 };
    let stoppedEarly = false;
    const warmup = config.vae !== null && o.klWarmupEpochs > 0;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const learningRate = learningRateAt(o.learningRate, o.schedule, epoch, o.epochs);
      if (warmup) await call.setKlScale(model, Math.min(1, epoch / o.klWarmupEpochs));
      const r = await call.trainEpoch(model, train, o.batchSize, learningRate);
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
        etaMs: (elapsedMs / epoch) * (o.epochs - epoch),
        ...(validationLoss === undefined ? {} : { validationLoss }),
      };
      history.push(progress);
      onEpochEnd?.(progress);
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
      losses: history.map((h) => h.loss),
      bestEpoch,
      stoppedEarly,
      elapsedMs: performance.now() - t0,
    };
  } finally {
    if (config.vae !== null && o.klWarmupEpochs > 0) await call.setKlScale(model, 1).catch(() => {});
    for (const id of temporary) await call.dispose(id).catch(() => {});
  }
}
