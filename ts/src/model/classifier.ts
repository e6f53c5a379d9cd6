import { checkArgs, checkOptions, integer, type Kind, kinds, RUNTIME_OPTIONS } from '../base/check.js';
import { DiaboloError } from '../base/errors.js';
import { MAX_UNITS } from '../base/limits.js';
import type {
  EarlyStoppingConfig,
  Matrix,
  MatrixLike,
  OptimizerConfig,
  RuntimeOptions,
  ScheduleConfig,
  TopologyLayer,
} from '../base/types.js';
import type { EngineCalls } from '../core/calls.js';
import { EngineObject, Runtime } from '../core/runtime.js';
import { toMatrix } from '../data/matrix.js';
import { type ClassifierLayout, classifierOnnxOptions } from '../interop/onnx-options.js';
import {
  learningRateAt,
  resolveDataParallel,
  resolveEarlyStopping,
  resolveSchedule,
  resolveValidationSplit,
} from '../train/options.js';
import { Replicas, sharedMemoryUnavailable } from '../train/parallel.js';
import { aborted, INLINE_SLICE_MS, type PieceSize, upload, yieldToEventLoop } from '../train/pieces.js';
import { checkModelSize, invalid, resolveOptimizer, type Tensor } from './config.js';

/** Options of a {@link Classifier}: from {@link Autoencoder.toClassifier}, or {@link Classifier.create} with `inputSize`. */
export interface ClassifierOptions {
  /** Number of classes, an integer ≥ 2; labels are integers in [0, classes). */
  classes: number;
  /** Default Adam with learning rate 1e-3 (set in `fit`). */
  optimizer?: OptimizerConfig;
  /** L2 weight decay on every weight matrix. Default 0. */
  l2?: number;
  /** Seed of the head's initialisation and of shuffling. Default 1. */
  seed?: number;
}

/** Progress after each epoch of {@link Classifier.fit}. */
export interface ClassifierEpochProgress {
  /** 1-based epoch number. */
  epoch: number;
  /** Epochs asked for (`epochs`). */
  epochs: number;
  /** Mean training cross-entropy of this epoch. */
  loss: number;
  /** Learning rate of this epoch (after the schedule). */
  learningRate: number;
  /** Mean cross-entropy on the validation data after this epoch, when there is some. */
  validationLoss?: number;
  /** Accuracy on the validation data after this epoch, when there is some. */
  validationAccuracy?: number;
}

/** Options of {@link Classifier.fit}. */
export interface ClassifierFitOptions {
  /** Epochs to train, an integer ≥ 1. */
  epochs: number;
  /** Samples per minibatch. Default 32 (or the number of training samples, if fewer). */
  batchSize?: number;
  /** Initial step size. Default 1e-3 for Adam/AdamW, 0.1 for SGD/momentum. */
  learningRate?: number;
  /** Learning rate over the epochs, as for autoencoders. Default constant. */
  schedule?: ScheduleConfig;
  /** Fraction of the rows (the last ones, with their labels) held out for validation, in [0, 1). */
  validationSplit?: number;
  /** Explicit labelled validation data (instead of `validationSplit`). */
  validationData?: {
    /** Validation samples, `inputSize` features each. */
    data: MatrixLike;
    /** Their labels, integers in [0, classes), one per row. */
    labels: ArrayLike<number>;
  };
  /**
   * Stop when the validation figure stops improving (needs validation data): its
   * cross-entropy (`monitor: 'loss'`, the default) or its accuracy (`monitor: 'accuracy'`,
   * the classification error that papers stop on). With `restoreBest` (default true) the
   * classifier ends with the parameters of its best epoch.
   */
  earlyStopping?: ClassifierEarlyStopping;
  /** Train the encoder layers too (`true`, fine-tuning) or only the softmax head. Default true. */
  trainBody?: boolean;
  /**
   * Dropout while training (Srivastava et al. 2014): each input is zeroed with probability
   * `input`, each output of an encoder layer with probability `hidden`, afresh for every
   * minibatch (from the classifier's seed); the kept values are scaled by 1 / (1 − p), so
   * prediction and validation use the whole network as it is. Probabilities in [0, 1);
   * default 0 and 0 (none).
   */
  dropout?: ClassifierDropout;
  /**
   * Train with several workers at once, as {@link FitOptions.dataParallel} does for
   * autoencoders: `workers − 1` workers start beside the classifier's engine, each with a
   * copy of it and of the training data; every minibatch is split among them and their
   * gradients summed through a `SharedArrayBuffer`, so each step is the whole minibatch's
   * (the same losses as one worker up to float rounding, without dropout; with dropout each
   * worker draws the masks of its share). Where memory cannot be shared, training runs on
   * one engine and the result says why. Default `{ workers: 1 }`.
   */
  dataParallel?: {
    /** Engines that train together, the classifier's own included: an integer in [1, 64]. */
    workers: number;
  };
  /** Called after every epoch with its progress (validation figures when there is validation data). */
  onEpochEnd?: (p: ClassifierEpochProgress) => void;
  /** Stops training at the end of the current epoch (at once if already aborted); the promise rejects with `E_ABORTED`. */
  signal?: AbortSignal;
}

/** Dropout of {@link Classifier.fit}: probabilities in [0, 1), each default 0. */
export interface ClassifierDropout {
  /** Probability of zeroing each input feature. */
  input?: number;
  /** Probability of zeroing each output of an encoder layer (no effect on softmax regression). */
  hidden?: number;
}

/** Early stopping of {@link Classifier.fit}: as for autoencoders, and which figure to watch. */
export interface ClassifierEarlyStopping extends EarlyStoppingConfig {
  /**
   * `'loss'` (default): the validation cross-entropy must fall by more than `minDelta`;
   * `'accuracy'`: the validation accuracy (a fraction in [0, 1]) must rise by more than `minDelta`.
   */
  monitor?: 'loss' | 'accuracy';
}

/** What {@link Classifier.fit} returns. */
export interface ClassifierFitResult {
  /** Mean training loss (cross-entropy) of each epoch trained. */
  losses: number[];
  /** Validation cross-entropy and accuracy after each epoch, when there is validation data. */
  validation?: {
    /** Mean cross-entropy per validation sample. */
    loss: number;
    /** Fraction of validation samples classified right, in [0, 1]. */
    accuracy: number;
  }[];
  /** With `earlyStopping`: the epoch (1-based) whose parameters the classifier holds at the end. */
  bestEpoch?: number;
  /** Whether early stopping ended the run before `epochs`. */
  stoppedEarly: boolean;
  /** Workers that trained (more than 1 with `dataParallel`). */
  workers: number;
  /** Why `dataParallel` fell back to one worker, if it did. */
  dataParallelFallback?: string;
}

const CLASSIFIER_OPTIONS: Readonly<Record<string, Kind>> = {
  classes: integer(2, MAX_UNITS),
  optimizer: kinds.object,
  l2: kinds.finite,
  seed: kinds.seed,
};

const FIT_OPTIONS: Readonly<Record<string, Kind>> = {
  epochs: integer(1, 1e9),
  batchSize: integer(1, Number.MAX_SAFE_INTEGER),
  learningRate: kinds.finite,
  schedule: kinds.object,
  validationSplit: kinds.finite,
  validationData: kinds.object,
  earlyStopping: kinds.object,
  trainBody: kinds.boolean,
  dropout: kinds.object,
  dataParallel: kinds.object,
  onEpochEnd: kinds.function,
  signal: kinds.signal,
};

/** Check `dropout` of {@link Classifier.fit}: both probabilities, 0 where not given. */
function resolveDropout(dropout: ClassifierDropout | undefined): { input: number; hidden: number } {
  if (dropout === undefined) return { input: 0, hidden: 0 };
  checkOptions('Classifier.fit', 'options.dropout', dropout, { input: kinds.finite, hidden: kinds.finite });
  const probability = (name: 'input' | 'hidden') => {
    const p = dropout[name] ?? 0;
    if (!(p >= 0 && p < 1)) throw invalid(`dropout.${name}`, p, 'a probability in [0, 1)');
    return p;
  };
  return { input: probability('input'), hidden: probability('hidden') };
}

/** Check labels (`name`): integers in [0, classes), one per row. */
function toLabels(labels: ArrayLike<number>, rows: number, classes: number, name = 'labels'): Uint32Array {
  if (labels?.length !== rows) {
    throw new DiaboloError(
      'E_SHAPE',
      `${name}: expected ${rows} labels (one per row), got ${labels?.length ?? 'none'}`,
    );
  }
  const out = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    const l = labels[i] as number;
    if (!Number.isInteger(l) || l < 0 || l >= classes) {
      throw invalid(`${name}[${i}]`, l, `an integer in [0, ${classes - 1}]`);
    }
    out[i] = l;
  }
  return out;
}

/** Rows `[first, first + count)` of `x` and their labels, without copying. */
function rowsOf(x: Matrix, y: Uint32Array, first: number, count: number): { x: Matrix; y: Uint32Array } {
  return {
    x: { rows: count, cols: x.cols, data: x.data.subarray(first * x.cols, (first + count) * x.cols) },
    y: y.subarray(first, first + count),
  };
}

/**
 * A softmax classifier: softmax regression on raw inputs (the linear probe that measures a
 * representation), or a softmax head on an autoencoder's encoder (`ae.toClassifier()`),
 * fine-tuned end to end by back-propagating the cross-entropy through every layer.
 */
export class Classifier extends EngineObject {
  private constructor(
    rt: Runtime,
    id: number,
    /** Features per sample. */
    readonly inputSize: number,
    /** Number of classes. */
    readonly classes: number,
    private readonly adaptive: boolean,
    /** Its dense layers (the body it was built on, then the head), for exporters. */
    private readonly layout: ClassifierLayout,
    /** What builds a copy of it in another engine (data-parallel replicas). */
    private readonly build: { optimizerJson: string; l2: number; seed: number },
  ) {
    super(rt, id, 'classifier');
  }

  /** Softmax regression on `inputSize` raw features. */
  static async create(
    options: ClassifierOptions & { inputSize: number },
    runtime: RuntimeOptions = {},
  ): Promise<Classifier> {
    checkArgs('Classifier.create', ['options', options, kinds.object]);
    checkOptions('Classifier.create', 'options', options, { inputSize: integer(1, MAX_UNITS), ...CLASSIFIER_OPTIONS });
    checkArgs(
      'Classifier.create',
      ['options.inputSize', options.inputSize, integer(1, MAX_UNITS)],
      ['options.classes', options.classes, CLASSIFIER_OPTIONS.classes as Kind],
    );
    checkOptions('Classifier.create', 'runtime', runtime, RUNTIME_OPTIONS);
    const rt = await Runtime.open(runtime);
    try {
      return await Classifier.onEncoder(rt, undefined, options.inputSize, options);
    } catch (e) {
      rt.retain();
      await rt.release();
      throw e;
    }
  }

  /** @internal A classifier on `body` (the tensors of `model`'s encoder, `width` its code), or on raw inputs. */
  static async onEncoder(
    rt: Runtime,
    model: number | undefined,
    inputSize: number,
    options: ClassifierOptions,
    body: { layers: readonly TopologyLayer[]; tensors: Tensor[]; width: number } = {
      layers: [],
      tensors: [],
      width: inputSize,
    },
  ): Promise<Classifier> {
    const method = model === undefined ? 'Classifier.create' : 'toClassifier';
    if (model !== undefined) {
      checkOptions(method, 'options', options, CLASSIFIER_OPTIONS);
      checkArgs(method, ['options.classes', options.classes, CLASSIFIER_OPTIONS.classes as Kind]);
    }
    const { classes, l2 = 0, seed = 1 } = options;
    checkModelSize(method, [
      ...body.tensors,
      { name: 'softmax weights', length: body.width * classes },
      { name: 'softmax bias', length: classes },
    ]);
    if (typeof l2 !== 'number' || !(l2 >= 0)) throw invalid('l2', l2, 'a finite number ≥ 0');
    const optimizer = resolveOptimizer(options.optimizer ?? { kind: 'adam' });
    const optimizerJson = JSON.stringify(optimizer);
    const id = await rt.call.createClassifier(inputSize, classes, optimizerJson, l2, seed, model);
    const layout: ClassifierLayout = {
      inputs: inputSize,
      classes,
      body: body.layers.map(({ inputs, outputs, activation, alpha }) => ({ inputs, outputs, activation, alpha })),
    };
    const adaptive = optimizer.kind === 'adam' || optimizer.kind === 'adamw';
    return new Classifier(rt, id, inputSize, classes, adaptive, layout, { optimizerJson, l2, seed });
  }

  /**
   * Train on labelled data, optionally watching validation data (`validationSplit` or
   * `validationData`) and stopping early when its cross-entropy or accuracy stops improving.
   */
  async fit(data: MatrixLike, labels: ArrayLike<number>, options: ClassifierFitOptions): Promise<ClassifierFitResult> {
    this.alive();
    checkArgs(
      'Classifier.fit',
      ['data', data, kinds.matrix],
      ['labels', labels, kinds.labels],
      ['options', options, kinds.object],
    );
    checkOptions('Classifier.fit', 'options', options, FIT_OPTIONS);
    const all = toMatrix(data, this.inputSize, 'training data');
    const allLabels = toLabels(labels, all.rows, this.classes);
    const epochs = options.epochs;
    if (!Number.isSafeInteger(epochs) || epochs < 1) throw invalid('epochs', epochs, 'an integer ≥ 1');
    const { validationSplit, trainRows } = resolveValidationSplit(
      options.validationSplit,
      options.validationData,
      all.rows,
    );
    const train = rowsOf(all, allLabels, 0, trainRows);
    let held: { x: Matrix; y: Uint32Array } | undefined;
    if (validationSplit > 0) {
      held = rowsOf(all, allLabels, trainRows, all.rows - trainRows);
    } else if (options.validationData !== undefined) {
      const v = options.validationData;
      checkOptions('Classifier.fit', 'options.validationData', v, { data: kinds.matrix, labels: kinds.labels });
      checkArgs(
        'Classifier.fit',
        ['options.validationData.data', v.data, kinds.matrix],
        ['options.validationData.labels', v.labels, kinds.labels],
      );
      const vx = toMatrix(v.data, this.inputSize, 'validationData.data');
      held = { x: vx, y: toLabels(v.labels, vx.rows, this.classes, 'validationData.labels') };
    }
    const batchSize = options.batchSize ?? Math.min(32, trainRows);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > trainRows) {
      throw invalid('batchSize', batchSize, `an integer in [1, ${trainRows}]`);
    }
    const lr = options.learningRate ?? (this.adaptive ? 1e-3 : 0.1);
    if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr))
      throw invalid('learningRate', lr, 'a finite number > 0');
    const schedule = resolveSchedule(options.schedule);
    const dropout = resolveDropout(options.dropout);
    const stopping = resolveEarlyStopping(options.earlyStopping, held !== undefined, ['loss', 'accuracy'] as const);
    const workers = resolveDataParallel(options.dataParallel);
    const { signal } = options;
    if (signal?.aborted) throw aborted(signal);
    // Marked before the first await: nothing else may train it or set its weights meanwhile.
    return this.rt.whileTraining(this.id, 'fit()', async () => {
      const trainBody = options.trainBody ?? true;
      await this.rt.call.setClassifierTraining(this.id, trainBody, dropout);
      const call = this.rt.call;
      const inline = this.rt.info.backend === 'inline';
      const fallback = workers > 1 ? sharedMemoryUnavailable(inline) : undefined;
      const run = async (ds: number, vs: number | undefined, replicas?: Replicas): Promise<ClassifierFitResult> => {
        const losses: number[] = [];
        const validation: { loss: number; accuracy: number }[] = [];
        // Replicas run an epoch a tenth at a time (time slices when this thread trains).
        const pieces: PieceSize = inline
          ? { sliceMs: INLINE_SLICE_MS }
          : Math.ceil(Math.ceil(trainRows / batchSize) / 10);
        // The best epoch's parameters are kept on this side of the boundary, to be put back.
        // `worse` is the watched figure oriented so that lower is better.
        const worse = (v: { loss: number; accuracy: number }) =>
          stopping?.monitor === 'accuracy' ? -v.accuracy : v.loss;
        let best = { worse: Number.POSITIVE_INFINITY, epoch: 0, parameters: undefined as Float32Array | undefined };
        let stoppedEarly = false;
        for (let epoch = 1; epoch <= epochs; epoch++) {
          const learningRate = learningRateAt(lr, schedule, epoch, epochs);
          // The signal is read between epochs, with replicas as without (a whole epoch runs).
          const loss = replicas
            ? (await replicas.epoch(batchSize, learningRate, pieces, epoch, epochs, {}, inline)).terms.total
            : await call.classifierTrainEpoch(this.id, ds, batchSize, learningRate);
          losses.push(loss);
          const score = vs === undefined ? undefined : await call.classifierEvaluate(this.id, vs);
          if (score) validation.push(score);
          options.onEpochEnd?.({
            epoch,
            epochs,
            loss,
            learningRate,
            ...(score ? { validationLoss: score.loss, validationAccuracy: score.accuracy } : {}),
          });
          if (stopping && score) {
            if (worse(score) < best.worse - stopping.minDelta) {
              const parameters = stopping.restoreBest ? await call.classifierParameters(this.id) : undefined;
              best = { worse: worse(score), epoch, parameters };
            } else if (epoch - best.epoch >= stopping.patience) {
              stoppedEarly = epoch < epochs;
              break;
            }
          }
          // Inline, this thread trains: let timers (an abort, a pause) and events run between epochs.
          if (inline) await yieldToEventLoop();
          if (signal?.aborted && epoch < epochs) throw aborted(signal);
        }
        let bestEpoch: number | undefined;
        if (stopping) {
          bestEpoch = losses.length;
          if (best.parameters && best.epoch < losses.length) {
            await call.setClassifierParameters(this.id, best.parameters);
            bestEpoch = best.epoch;
          }
        }
        return {
          losses,
          ...(vs === undefined ? {} : { validation }),
          ...(bestEpoch === undefined ? {} : { bestEpoch }),
          stoppedEarly,
          workers: replicas?.count ?? 1,
          ...(fallback ? { dataParallelFallback: fallback } : {}),
        };
      };
      // With `dataParallel`, replicas of this classifier (built from its layout, given its
      // state, their own dropout streams) train beside it on copies of the training rows.
      const withReplicas = async (ds: number, vs: number | undefined): Promise<ClassifierFitResult> => {
        if (workers === 1 || fallback) return run(ds, vs);
        const layers = this.layout.body;
        const body = {
          units: Uint32Array.from(layers, (l) => l.outputs),
          activations: layers.map((l) => l.activation),
          alphas: Float64Array.from(layers, (l) => l.alpha ?? 0),
        };
        const { optimizerJson, l2, seed } = this.build;
        const recipe = {
          create: (c: EngineCalls) =>
            c.createClassifierReplica(this.inputSize, body, this.classes, optimizerJson, l2, seed),
          seed,
        };
        const leader = { call, model: this.id, dataset: ds };
        const replicas = await Replicas.open(leader, recipe, this.rt.info.flavor, train.x, trainRows, workers, train.y);
        try {
          await replicas.each((r) => r.call.setClassifierTraining(r.model, trainBody, dropout));
          return await run(ds, vs, replicas);
        } finally {
          await replicas.close();
        }
      };
      return this.rt.withHandle(await upload(this.rt, train.x, train.y), async (ds) =>
        held
          ? this.rt.withHandle(await upload(this.rt, held.x, held.y), (vs) => withReplicas(ds, vs))
          : withReplicas(ds, undefined),
      );
    });
  }

  /** Mean cross-entropy and accuracy on labelled data. */
  async evaluate(
    data: MatrixLike,
    labels: ArrayLike<number>,
  ): Promise<{
    /** Mean cross-entropy per sample. */
    loss: number;
    /** Fraction of samples whose most probable class is their label, in [0, 1]. */
    accuracy: number;
  }> {
    this.alive();
    checkArgs('Classifier.evaluate', ['data', data, kinds.matrix], ['labels', labels, kinds.labels]);
    const x = toMatrix(data, this.inputSize, 'input');
    const y = toLabels(labels, x.rows, this.classes);
    return this.rt.withHandle(await upload(this.rt, x, y), (ds) => this.rt.call.classifierEvaluate(this.id, ds));
  }

  /** Class probabilities, one row per sample. */
  async predictProba(data: MatrixLike): Promise<Matrix> {
    this.alive();
    checkArgs('predictProba', ['data', data, kinds.matrix]);
    const x = toMatrix(data, this.inputSize, 'input');
    return { rows: x.rows, cols: this.classes, data: await this.rt.call.predictProba(this.id, x.data, x.rows) };
  }

  /** The most probable class of each sample. */
  async predict(data: MatrixLike): Promise<Uint32Array> {
    checkArgs('predict', ['data', data, kinds.matrix]);
    const p = await this.predictProba(data);
    const out = new Uint32Array(p.rows);
    for (let i = 0; i < p.rows; i++) {
      let best = 0;
      for (let j = 1; j < p.cols; j++)
        if ((p.data[i * p.cols + j] as number) > (p.data[i * p.cols + best] as number)) best = j;
      out[i] = best;
    }
    return out;
  }

  /**
   * The classifier as an ONNX model (opset {@link ONNX_OPSET}): input `x` `[batch, inputSize]`
   * → outputs `probabilities` (the softmax, as {@link predictProba} gives it) and `logits`,
   * each `[batch, classes]`, the batch dimension free. The weights are those of this moment.
   * It takes no options (an autoencoder's `part` has no meaning here).
   */
  async toOnnx(options?: Record<string, never>): Promise<Uint8Array> {
    this.alive();
    classifierOnnxOptions('Classifier.toOnnx', options);
    const parameters = await this.getWeights();
    const { classifierToOnnx } = await import('../interop/onnx.js');
    return classifierToOnnx(this.layout, parameters, {
      inputSize: this.layout.inputs,
      classes: this.classes,
      body: this.layout.body.map((l) => ({ units: l.outputs, activation: l.activation, alpha: l.alpha })),
    });
  }

  /** A copy of all the classifier's parameters, as one array (per body layer W, b; then the head's W, b). */
  async getWeights(): Promise<Float32Array> {
    this.alive();
    return this.rt.call.classifierParameters(this.id);
  }

  /** Replace all parameters (same layout as {@link getWeights}); every value must be finite. */
  async setWeights(weights: Float32Array): Promise<void> {
    this.alive();
    checkArgs('Classifier.setWeights', ['weights', weights, kinds.float32Array]);
    this.rt.assertNotTraining(this.id, 'setWeights()');
    await this.rt.call.setClassifierParameters(this.id, weights);
  }
}
