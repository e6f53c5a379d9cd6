import { DiaboloError } from '../base/errors.js';
import type { Divergence, EpochProgress, FitOptions, FitResult, Matrix } from '../base/types.js';
import type { EngineCalls } from '../core/calls.js';
import type { Runtime } from '../core/runtime.js';
import { toMatrix } from '../data/matrix.js';
import { learningRateAt, resolveFitOptions } from './options.js';
import { Replicas, sharedMemoryUnavailable } from './parallel.js';
import { aborted, type EpochRun, type PieceSize, runInPieces, upload } from './pieces.js';
import type { TrainingTarget } from './target.js';

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
  target: TrainingTarget,
  dataset: number,
  rows: number,
  options: FitOptions,
  save?: () => Promise<Uint8Array>,
  source?: Matrix,
): Promise<FitResult> {
  const inline = rt.info.backend === 'inline';
  const o = resolveFitOptions(options, rows, target.optimizer, inline);
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
      validation = await upload(rt, toMatrix(options.validationData, target.inputSize, 'validationData'));
      temporary.push(validation);
    }
    await call.setClipNorm(model, o.gradientClipNorm);
    await call.resetDivergenceWatch(model);
    const trainRows = rows - (o.validationSplit > 0 ? Math.ceil(rows * o.validationSplit) : 0);
    if (o.dataParallel > 1 && !fallback && source) {
      const leader = { call, model, dataset: train };
      const recipe = { create: (c: EngineCalls) => c.createModel(target.coreSpec), seed: target.seed };
      replicas = await Replicas.open(leader, recipe, rt.info.flavor, source, trainRows, o.dataParallel);
      await replicas.each((r) => r.call.setClipNorm(r.model, o.gradientClipNorm));
    }
    // Inline training shares the caller's thread: it runs in pieces (time slices unless told a
    // count) and lets the event loop in after each, so timers, signals, pause, input and
    // painting are served while it trains. A worker runs a whole epoch per call unless
    // progress or cancellation within the epoch is asked for.
    const { pieces } = o;
    const history: EpochProgress[] = [];
    const t0 = performance.now();
    let best = { loss: Number.POSITIVE_INFINITY, epoch: 0 };
    let stoppedEarly = false;
    const warmup = target.variational && o.klWarmupEpochs > 0;
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
    if (target.variational && o.klWarmupEpochs > 0) await call.setKlScale(model, 1).catch(() => {});
    for (const id of temporary) await call.dispose(id).catch(() => {});
  }
}
