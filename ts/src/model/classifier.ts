import { checkArgs, checkOptions, integer, type Kind, kinds, RUNTIME_OPTIONS } from '../base/check.js';
import { DiaboloError } from '../base/errors.js';
import { MAX_UNITS } from '../base/limits.js';
import type { Matrix, MatrixLike, OptimizerConfig, RuntimeOptions, TopologyLayer } from '../base/types.js';
import { EngineObject, Runtime } from '../core/runtime.js';
import { toMatrix } from '../data/matrix.js';
import { type ClassifierLayout, classifierOnnxOptions } from '../interop/onnx-options.js';
import { aborted, upload, yieldToEventLoop } from '../train/pieces.js';
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

/** Options of {@link Classifier.fit}. */
export interface ClassifierFitOptions {
  /** Epochs to train, an integer ≥ 1. */
  epochs: number;
  /** Samples per minibatch. Default 32 (or the number of samples, if fewer). */
  batchSize?: number;
  /** Step size. Default 1e-3 for Adam/AdamW, 0.1 for SGD/momentum. */
  learningRate?: number;
  /** Train the encoder layers too (`true`, fine-tuning) or only the softmax head. Default true. */
  trainBody?: boolean;
  /** Called after every epoch with its 1-based number, the number of epochs and the mean training loss. */
  onEpochEnd?: (p: { epoch: number; epochs: number; loss: number }) => void;
  /** Stops training at the end of the current epoch (at once if already aborted); the promise rejects with `E_ABORTED`. */
  signal?: AbortSignal;
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
  trainBody: kinds.boolean,
  onEpochEnd: kinds.function,
  signal: kinds.signal,
};

/** Check labels: integers in [0, classes), one per row. */
function toLabels(labels: ArrayLike<number>, rows: number, classes: number): Uint32Array {
  if (labels?.length !== rows) {
    throw new DiaboloError('E_SHAPE', `labels: expected ${rows} labels (one per row), got ${labels?.length ?? 'none'}`);
  }
  const out = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    const l = labels[i] as number;
    if (!Number.isInteger(l) || l < 0 || l >= classes) {
      throw invalid(`labels[${i}]`, l, `an integer in [0, ${classes - 1}]`);
    }
    out[i] = l;
  }
  return out;
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
    const id = await rt.call.createClassifier(inputSize, classes, JSON.stringify(optimizer), l2, seed, model);
    const layout: ClassifierLayout = {
      inputs: inputSize,
      classes,
      body: body.layers.map(({ inputs, outputs, activation, alpha }) => ({ inputs, outputs, activation, alpha })),
    };
    return new Classifier(rt, id, inputSize, classes, optimizer.kind === 'adam' || optimizer.kind === 'adamw', layout);
  }

  /** Train on labelled data; returns the mean training loss per epoch. */
  async fit(
    data: MatrixLike,
    labels: ArrayLike<number>,
    options: ClassifierFitOptions,
  ): Promise<{
    /** Mean training loss (cross-entropy) of each epoch. */
    losses: number[];
  }> {
    this.alive();
    checkArgs(
      'Classifier.fit',
      ['data', data, kinds.matrix],
      ['labels', labels, kinds.labels],
      ['options', options, kinds.object],
    );
    checkOptions('Classifier.fit', 'options', options, FIT_OPTIONS);
    const x = toMatrix(data, this.inputSize, 'training data');
    const y = toLabels(labels, x.rows, this.classes);
    const epochs = options.epochs;
    if (!Number.isSafeInteger(epochs) || epochs < 1) throw invalid('epochs', epochs, 'an integer ≥ 1');
    const batchSize = options.batchSize ?? Math.min(32, x.rows);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > x.rows) {
      throw invalid('batchSize', batchSize, `an integer in [1, ${x.rows}]`);
    }
    const lr = options.learningRate ?? (this.adaptive ? 1e-3 : 0.1);
    if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr))
      throw invalid('learningRate', lr, 'a finite number > 0');
    const { signal } = options;
    if (signal?.aborted) throw aborted(signal);
    // Marked before the first await: nothing else may train it or set its weights meanwhile.
    return this.rt.whileTraining(this.id, 'fit()', async () => {
      await this.rt.call.setTrainBody(this.id, options.trainBody ?? true);
      return this.rt.withHandle(await upload(this.rt, x, y), async (ds) => {
        const losses: number[] = [];
        const inline = this.rt.info.backend === 'inline';
        for (let epoch = 1; epoch <= epochs; epoch++) {
          const loss = await this.rt.call.classifierTrainEpoch(this.id, ds, batchSize, lr);
          losses.push(loss);
          options.onEpochEnd?.({ epoch, epochs, loss });
          // Inline, this thread trains: let timers (an abort, a pause) and events run between epochs.
          if (inline) await yieldToEventLoop();
          if (signal?.aborted && epoch < epochs) throw aborted(signal);
        }
        return { losses };
      });
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

  /** A copy of all the classifier's parameters, as one array. */
  async getWeights(): Promise<Float32Array> {
    this.alive();
    return this.rt.call.classifierParameters(this.id);
  }
}
