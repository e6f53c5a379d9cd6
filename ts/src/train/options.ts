// Training options: defaults, validation against the data, learning-rate schedules.
import { invalid, kinds } from '../base/check.js';
import { bool, int, nonNegative, num, oneOf, plainObject } from '../base/resolve.js';
import type { FitOptions, OptimizerConfig, RetryOnDivergence, ScheduleConfig } from '../base/types.js';
import { INLINE_SLICE_MS, type PieceSize } from './pieces.js';

/** Training options with defaults applied, validated against the number of samples. */
export interface ResolvedFitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  schedule: ScheduleConfig;
  validationSplit: number;
  earlyStopping: { patience: number; minDelta: number; restoreBest: boolean; monitor: 'loss' } | null;
  klWarmupEpochs: number;
  /** 0 = no clipping. */
  gradientClipNorm: number;
  /** Minibatches per core call; 0 = a whole epoch per call. */
  batchesPerCall: number;
  /**
   * How an epoch is cut into core calls: `batchesPerCall`, except that inline training
   * (which shares the caller's thread) runs in time slices unless given a count.
   */
  pieces: PieceSize;
  initialEpoch: number;
  checkpointEvery: number;
  retryOnDivergence: Required<RetryOnDivergence> | null;
  /** Replicas training together (1 = the model's own engine alone). */
  dataParallel: number;
}

export function resolveFitOptions(
  options: FitOptions,
  samples: number,
  optimizer: OptimizerConfig,
  inline = false,
): ResolvedFitOptions {
  const o = plainObject(
    'options',
    options,
    new Set([
      'epochs',
      'batchSize',
      'learningRate',
      'schedule',
      'validationSplit',
      'validationData',
      'earlyStopping',
      'klWarmupEpochs',
      'gradientClipNorm',
      'retryOnDivergence',
      'dataParallel',
      'onEpochEnd',
      'onBatchEnd',
      'batchesPerCall',
      'initialEpoch',
      'checkpoint',
      'control',
      'transferData',
      'signal',
    ]),
  ) as unknown as FitOptions;
  for (const [name, k] of [
    ['validationData', kinds.matrix],
    ['onEpochEnd', kinds.function],
    ['onBatchEnd', kinds.function],
    ['signal', kinds.signal],
    ['control', kinds.control],
    ['transferData', kinds.boolean],
  ] as const) {
    const v = (o as unknown as Record<string, unknown>)[name];
    if (v !== undefined && !k.test(v)) throw invalid(name, v, k.expected);
  }
  const epochs = int('epochs', o.epochs, 1, 1e9);
  const { validationSplit, trainRows } = resolveValidationSplit(o.validationSplit, o.validationData, samples);
  const batchSize = int('batchSize', o.batchSize ?? Math.min(32, trainRows), 1, trainRows);
  const adaptive = optimizer.kind === 'adam' || optimizer.kind === 'adamw';
  const learningRate = num(
    'learningRate',
    o.learningRate ?? (adaptive ? 1e-3 : 0.1),
    (r) => r > 0,
    'a finite number > 0',
  );
  const schedule = resolveSchedule(o.schedule);
  const earlyStopping = resolveEarlyStopping(o.earlyStopping, validationSplit > 0 || o.validationData !== undefined);
  const klWarmupEpochs = int('klWarmupEpochs', o.klWarmupEpochs ?? 0, 0, 1e9);
  const gradientClipNorm =
    o.gradientClipNorm === undefined
      ? 0
      : num('gradientClipNorm', o.gradientClipNorm, (c) => c > 0, 'a finite number > 0');
  const initialEpoch = int('initialEpoch', o.initialEpoch ?? 0, 0, epochs - 1);
  let checkpointEvery = 0;
  if (o.checkpoint !== undefined) {
    const c = plainObject('checkpoint', o.checkpoint, new Set(['every', 'save']));
    checkpointEvery = int('checkpoint.every', c.every, 1, 1e9);
    if (typeof c.save !== 'function') throw invalid('checkpoint.save', typeof c.save, 'a function (file, epoch) => …');
  }
  let retryOnDivergence: ResolvedFitOptions['retryOnDivergence'] = null;
  if (o.retryOnDivergence !== undefined) {
    const r = plainObject('retryOnDivergence', o.retryOnDivergence, new Set(['factor', 'maxRetries']));
    retryOnDivergence = {
      factor: num('retryOnDivergence.factor', r.factor ?? 0.5, (f) => f > 0 && f < 1, 'a number in (0, 1)'),
      maxRetries: int('retryOnDivergence.maxRetries', r.maxRetries ?? 3, 1, 100),
    };
  }
  const dataParallel = resolveDataParallel(o.dataParallel);
  if (dataParallel > 1 && o.transferData) {
    throw invalid('transferData', true, 'false with dataParallel.workers > 1 (every replica needs the data)');
  }
  const batches = Math.ceil(trainRows / batchSize);
  // Data-parallel replicas always run an epoch in pieces (the calling thread gathers them),
  // and so does inline training (the caller's thread must get turns).
  const chunked =
    inline || o.onBatchEnd !== undefined || o.signal !== undefined || o.control !== undefined || dataParallel > 1;
  const batchesPerCall = chunked
    ? int('batchesPerCall', o.batchesPerCall ?? (o.signal ? 1 : Math.max(1, Math.ceil(batches / 10))), 1, 1e9)
    : 0;
  const pieces: PieceSize = inline && o.batchesPerCall === undefined ? { sliceMs: INLINE_SLICE_MS } : batchesPerCall;
  return {
    epochs,
    batchSize,
    learningRate,
    schedule,
    validationSplit,
    earlyStopping,
    klWarmupEpochs,
    gradientClipNorm,
    batchesPerCall,
    pieces,
    initialEpoch,
    checkpointEvery,
    retryOnDivergence,
    dataParallel,
  };
}

/** `dataParallel` of `fit`: its number of workers, an integer in [1, 64] (default 1). */
export function resolveDataParallel(dataParallel: unknown): number {
  if (dataParallel === undefined) return 1;
  const d = plainObject('dataParallel', dataParallel, new Set(['workers']));
  return int('dataParallel.workers', d.workers, 1, 64);
}

/**
 * `validationSplit` (default 0: none), refused alongside `validationData` or when it would
 * leave no training rows; `trainRows` are the rows before the held-out last ones.
 */
export function resolveValidationSplit(
  split: unknown,
  validationData: unknown,
  samples: number,
): { validationSplit: number; trainRows: number } {
  const validationSplit =
    split === undefined ? 0 : num('validationSplit', split, (f) => f >= 0 && f < 1, 'a number in [0, 1)');
  if (validationSplit > 0 && validationData !== undefined) {
    throw invalid('validationSplit', validationSplit, 'absent when validationData is given');
  }
  const trainRows = samples - Math.ceil(samples * validationSplit);
  if (trainRows < 1) throw invalid('validationSplit', validationSplit, `a split leaving training rows (of ${samples})`);
  return { validationSplit, trainRows };
}

/** A learning-rate schedule checked field by field; constant when absent. */
export function resolveSchedule(schedule: unknown): ScheduleConfig {
  if (schedule === undefined) return { kind: 'constant' };
  const s = plainObject('schedule', schedule, new Set(['kind', 'every', 'gamma', 'minLearningRate']));
  const kind = oneOf('schedule.kind', s.kind, ['constant', 'step', 'cosine'] as const);
  switch (kind) {
    case 'step':
      return {
        kind,
        every: int('schedule.every', s.every, 1, 1e9),
        gamma: num('schedule.gamma', s.gamma, (g) => g > 0 && g <= 1, 'a number in (0, 1]'),
      };
    case 'cosine':
      return {
        kind,
        minLearningRate: num('schedule.minLearningRate', s.minLearningRate ?? 0, nonNegative, 'a number ≥ 0'),
      };
    default:
      return { kind };
  }
}

/** Early stopping with its defaults, or null when absent; it needs validation data to watch. */
export function resolveEarlyStopping<M extends string = 'loss'>(
  earlyStopping: unknown,
  hasValidation: boolean,
  monitors: readonly M[] = ['loss' as M],
): { patience: number; minDelta: number; restoreBest: boolean; monitor: M } | null {
  if (earlyStopping === undefined) return null;
  // `monitor` is an option only where there is more than the loss to watch (classifiers).
  const keys = ['patience', 'minDelta', 'restoreBest', ...(monitors.length > 1 ? ['monitor'] : [])];
  const e = plainObject('earlyStopping', earlyStopping, new Set(keys));
  const resolved = {
    patience: int('earlyStopping.patience', e.patience, 1, 1e9),
    minDelta: num('earlyStopping.minDelta', e.minDelta ?? 0, nonNegative, 'a number ≥ 0'),
    restoreBest: bool('earlyStopping.restoreBest', e.restoreBest ?? true),
    monitor: oneOf('earlyStopping.monitor', e.monitor ?? monitors[0], monitors),
  };
  if (!hasValidation) {
    throw invalid('earlyStopping', 'without validation data', 'validationSplit > 0 or validationData');
  }
  return resolved;
}

/** Learning rate of 1-based `epoch` under a schedule. */
export function learningRateAt(base: number, schedule: ScheduleConfig, epoch: number, epochs: number): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * schedule.gamma ** Math.floor((epoch - 1) / schedule.every);
    case 'cosine': {
      // Epoch e trains at the rate of the curve's point (e − 1)/epochs: the first at the
      // full rate, and the curve reaches its minimum just after the last (never a zero step).
      const min = schedule.minLearningRate ?? 0;
      const t = (epoch - 1) / epochs;
      return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * t));
    }
  }
}
