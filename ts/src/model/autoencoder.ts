import { checkArgs, checkOptions, integer, kinds, RUNTIME_OPTIONS } from '../base/check.js';
import { DiaboloError } from '../base/errors.js';
import { SCHEMA } from '../base/schema.js';
import type {
  AutoencoderConfig,
  EngineInfo,
  FitOptions,
  FitResult,
  LossTermValues,
  Matrix,
  MatrixLike,
  OptimizerConfig,
  RuntimeOptions,
  Topology,
  TopologyLayer,
} from '../base/types.js';
import { EngineObject, Runtime } from '../core/runtime.js';
import { toMatrix } from '../data/matrix.js';
import { type OnnxExportOptions, onnxPart } from '../interop/onnx-options.js';
import { modelPy, torchTensors, trainPy, weightsFromTensors } from '../interop/pytorch.js';
import { decodeSafetensors, diaboloConfigJson, diaboloMetadata, encodeSafetensors } from '../interop/safetensors.js';
import { fitDataset } from '../train/fit.js';
import { resolveFitOptions } from '../train/options.js';
import { upload } from '../train/pieces.js';
import type { TrainingTarget } from '../train/target.js';
import { Classifier } from './classifier.js';
import { codeSize, coreSpec, invalid, type ResolvedAutoencoderConfig, resolveAutoencoderConfig } from './config.js';
import { checkedConfig, decodeModel, encodeModel } from './format.js';

/** Reconstruction errors: the model's loss per sample (anomaly scores) and its mean per feature. */
export interface ReconstructionErrors {
  /** The loss of each sample (its anomaly score). */
  perSample: Float64Array;
  /** The mean error of each input feature over the samples. */
  perFeature: Float64Array;
}

/** How to turn validation scores into an anomaly threshold. */
export type ThresholdRule =
  | {
      /** The `percentile`-th percentile of the validation scores (interpolated between ranks). */
      method: 'percentile';
      /** A number in [0, 100], e.g. 99. */
      percentile: number;
    }
  | {
      /** Mean of the validation scores plus `k` standard deviations. */
      method: 'meanStd';
      /** Standard deviations above the mean (a finite number), e.g. 3. */
      k: number;
    };

/**
 * What {@link Autoencoder.toPyTorch} writes: the files of a folder from which PyTorch
 * continues training the model.
 */
export interface PyTorchExport {
  /** The weights under the module's tensor names, with the configuration in the metadata ({@link Autoencoder.toSafetensors}). */
  'model.safetensors': Uint8Array;
  /** The `nn.Module` of this model: forward, encode, decode, and `loss` as diabolo defines its objective. */
  'model.py': string;
  /** Continues training with `torchrun` + DistributedDataParallel and writes the weights back as safetensors. */
  'train.py': string;
}

/** An evaluation of held-out data. */
export interface Evaluation extends LossTermValues {
  /** VAE: evidence lower bound in nats per sample (one sample of z). */
  elbo?: number;
}

/**
 * Any autoencoder of the lecture — basic (under/overcomplete, linear = PCA), deep, sparse,
 * denoising, contractive, tied, variational — trained in the WASM core, in this thread or
 * in a worker, with the same API and the same results either way.
 *
 * ```ts
 * const ae = await Autoencoder.create({ inputSize: 784, hiddenSize: 64, sparsity: { rho: 0.05, beta: 3 } }, { backend: 'worker' });
 * await ae.fit(x, { epochs: 20, learningRate: 0.1, validationSplit: 0.1, onEpochEnd: (p) => console.log(p.loss) });
 * const codes = await ae.encode(x);
 * await ae.dispose();
 * ```
 */
export class Autoencoder extends EngineObject {
  private constructor(
    rt: Runtime,
    id: number,
    /** The configuration with every default applied. */
    readonly config: ResolvedAutoencoderConfig,
    /**
     * The model as the core describes it: each dense layer in parameter order with its role,
     * sizes, activation, mirror and tied partner, and where its weights and bias lie in
     * {@link getWeights}; the loss and its link; the VAE code.
     */
    readonly topology: Topology,
  ) {
    super(rt, id, 'autoencoder');
  }

  /** Build a model; with `backend: 'worker'` it lives in its own worker until {@link dispose}. */
  static async create(config: AutoencoderConfig, options: RuntimeOptions = {}): Promise<Autoencoder> {
    checkOptions('Autoencoder.create', 'options', options, RUNTIME_OPTIONS);
    const resolved = resolveAutoencoderConfig(config);
    const rt = await Runtime.open(options);
    return Autoencoder.build(rt, resolved);
  }

  /** @internal A model on an existing runtime (stacking builds its stages this way). */
  static async build(rt: Runtime, resolved: ResolvedAutoencoderConfig): Promise<Autoencoder> {
    try {
      const id = await rt.call.createModel(coreSpec(resolved));
      return new Autoencoder(rt, id, resolved, await rt.call.topology(id));
    } catch (e) {
      rt.retain();
      await rt.release();
      throw e;
    }
  }

  /** Rebuild a model saved with {@link save}: configuration, weights and optimizer state. */
  static async load(bytes: Uint8Array, options: RuntimeOptions = {}): Promise<Autoencoder> {
    checkArgs('Autoencoder.load', ['bytes', bytes, kinds.modelFile]);
    checkOptions('Autoencoder.load', 'options', options, RUNTIME_OPTIONS);
    const { config, state } = await decodeModel(bytes);
    const ae = await Autoencoder.build(await Runtime.open(options), config);
    try {
      await ae.rt.call.setState(ae.id, state);
    } catch (e) {
      await ae.dispose();
      throw e instanceof DiaboloError
        ? new DiaboloError('E_FORMAT', `model file does not fit its header: ${e.message}`)
        : e;
    }
    return ae;
  }

  /**
   * Rebuild a model from a safetensors file written by {@link toSafetensors} — or by the
   * `model.py` that {@link toPyTorch} exports, after training in PyTorch. The configuration
   * comes from the file's metadata; every tensor must be there under its PyTorch name with
   * its shape and finite float32 values (no other tensor), else `E_FORMAT` names the
   * problem. The weights come back bit for bit; the optimizer starts afresh (a safetensors
   * file holds no optimizer state: {@link save} and {@link load} resume training exactly).
   */
  static async fromSafetensors(bytes: Uint8Array, options: RuntimeOptions = {}): Promise<Autoencoder> {
    checkArgs('Autoencoder.fromSafetensors', ['bytes', bytes, kinds.safetensorsFile]);
    checkOptions('Autoencoder.fromSafetensors', 'options', options, RUNTIME_OPTIONS);
    const bad = (m: string) => new DiaboloError('E_FORMAT', `not a readable diabolo safetensors file: ${m}`);
    const { tensors, metadata } = decodeSafetensors(bytes);
    let json: unknown;
    try {
      json = JSON.parse(diaboloConfigJson(metadata, bad));
    } catch (e) {
      throw e instanceof DiaboloError ? e : bad(`its diabolo.config is not JSON (${(e as Error).message})`);
    }
    const config = checkedConfig(json, bad);
    const rt = await Runtime.open(options);
    let weights: Float32Array;
    try {
      weights = weightsFromTensors(await rt.call.describeModel(coreSpec(config)), tensors, bad);
    } catch (e) {
      rt.retain();
      await rt.release();
      throw e;
    }
    const ae = await Autoencoder.build(rt, config);
    try {
      await ae.setWeights(weights);
    } catch (e) {
      await ae.dispose();
      throw e;
    }
    return ae;
  }

  /** Where this model runs (`backend`: `'inline'` or `'worker'`) and which kernels it uses. */
  get runtime(): EngineInfo & {
    /** `'inline'`: in the calling thread; `'worker'`: in its own worker. */
    backend: 'inline' | 'worker';
  } {
    return this.rt.info;
  }

  /** Live handles and WASM memory bytes of the engine this model runs in. */
  async memoryUsage(): Promise<{
    /** Live handles (models, classifiers, datasets) in the engine. */
    handles: number;
    /** Size of the engine's WASM memory in bytes. */
    wasmBytes: number;
  }> {
    this.alive();
    return this.rt.call.usage();
  }

  /** Width of the code (`encode` output). */
  get codeSize(): number {
    return codeSize(this.config);
  }

  /** Whether this is a variational autoencoder (`vae` set in its configuration). */
  get isVariational(): boolean {
    return this.config.vae !== null;
  }

  /** @internal */
  get handle(): { rt: Runtime; id: number } {
    this.alive();
    return { rt: this.rt, id: this.id };
  }

  /**
   * Train on `data` (rows are samples). The data crosses into WASM memory once; each
   * epoch is one call into the core.
   */
  async fit(data: MatrixLike, options: FitOptions): Promise<FitResult> {
    this.alive();
    checkArgs('fit', ['data', data, kinds.matrix], ['options', options, kinds.object]);
    // Marked before the first await: nothing else may train it or set its weights meanwhile.
    return this.rt.whileTraining(this.id, 'fit()', async () => {
      const x = toMatrix(data, this.config.inputSize, 'training data');
      // Bad options are refused before the rows leave this thread (transferData detaches them).
      resolveFitOptions(options, x.rows, this.config.optimizer, this.rt.info.backend === 'inline');
      const ds = await upload(this.rt, x, undefined, options.transferData === true);
      return this.rt.withHandle(ds, (id) =>
        fitDataset(this.rt, this.id, this.trainingTarget(), id, x.rows, options, () => this.save(), x),
      );
    });
  }

  /** What training needs to know of this model (see `train/target.ts`). */
  private trainingTarget(): TrainingTarget {
    const c = this.config;
    return {
      inputSize: c.inputSize,
      variational: c.vae !== null,
      optimizer: c.optimizer,
      seed: c.seed,
      coreSpec: coreSpec(c),
    };
  }

  /**
   * @internal Train on a dataset already in this model's engine; `source`, its rows in this
   * thread, lets data-parallel replicas have them too.
   */
  async fitDataset(dataset: number, rows: number, options: FitOptions, source?: Matrix): Promise<FitResult> {
    this.alive();
    return this.rt.whileTraining(this.id, 'fit()', () =>
      fitDataset(this.rt, this.id, this.trainingTarget(), dataset, rows, options, () => this.save(), source),
    );
  }

  /** Loss terms on held-out data (no corruption, no update); a VAE also reports its ELBO. */
  async evaluate(data: MatrixLike): Promise<Evaluation> {
    checkArgs('evaluate', ['data', data, kinds.matrix]);
    const t = await this.onData(data, (id) => this.rt.call.evaluate(this.id, id));
    if (!this.config.vae) return t;
    // −log p(x|z) = the loss + its likelihood constant per dimension, the core's (MSE: a
    // Gaussian with σ² = ½, d/2·ln π; L1: a Laplace of scale 1, d·ln 2; BCE: none).
    const nll = this.config.inputSize * SCHEMA.losses[this.config.loss].nllPerDimension;
    return { ...t, elbo: -(t.reconstruction + nll + t.kl) };
  }

  /** Codes `f(x)`: one row of {@link codeSize} values per sample (a VAE gives `μ`). */
  async encode(data: MatrixLike): Promise<Matrix> {
    this.alive();
    checkArgs('encode', ['data', data, kinds.matrix]);
    const x = toMatrix(data, this.config.inputSize, 'input');
    return { rows: x.rows, cols: this.codeSize, data: await this.rt.call.encode(this.id, x.data, x.rows) };
  }

  /** Reconstructions in data space from codes. */
  async decode(codes: MatrixLike): Promise<Matrix> {
    this.alive();
    checkArgs('decode', ['codes', codes, kinds.matrix]);
    const z = toMatrix(codes, this.codeSize, 'codes');
    return { rows: z.rows, cols: this.config.inputSize, data: await this.rt.call.decode(this.id, z.data, z.rows) };
  }

  /** Reconstructions `g(f(x))`, in data space. */
  async reconstruct(data: MatrixLike): Promise<Matrix> {
    this.alive();
    checkArgs('reconstruct', ['data', data, kinds.matrix]);
    const x = toMatrix(data, this.config.inputSize, 'input');
    return { rows: x.rows, cols: x.cols, data: await this.rt.call.reconstruct(this.id, x.data, x.rows) };
  }

  /** The model's reconstruction loss per sample and its mean per feature. */
  async reconstructionErrors(data: MatrixLike): Promise<ReconstructionErrors> {
    this.alive();
    checkArgs('reconstructionErrors', ['data', data, kinds.matrix]);
    const x = toMatrix(data, this.config.inputSize, 'input');
    const all = await this.rt.call.errors(this.id, x.data, x.rows);
    return { perSample: all.subarray(0, x.rows), perFeature: all.subarray(x.rows) };
  }

  /**
   * An anomaly threshold from (normal) validation data: the given percentile of its
   * reconstruction errors, or their mean + k standard deviations. Scores above it are
   * anomalies (see {@link detectAnomalies}).
   */
  async calibrateThreshold(
    validation: MatrixLike,
    rule: ThresholdRule = { method: 'percentile', percentile: 99 },
  ): Promise<number> {
    checkArgs('calibrateThreshold', ['validation', validation, kinds.matrix], ['rule', rule, kinds.object]);
    // The rule is checked before any error is computed.
    if (rule.method === 'percentile') {
      const p = rule.percentile;
      if (typeof p !== 'number' || !(p >= 0 && p <= 100)) throw invalid('percentile', p, 'a number in [0, 100]');
    } else if (rule.method === 'meanStd') {
      if (typeof rule.k !== 'number' || !Number.isFinite(rule.k)) throw invalid('k', rule.k, 'a finite number');
    } else {
      throw invalid('rule.method', (rule as { method: unknown }).method, '"percentile" or "meanStd"');
    }
    const { perSample } = await this.reconstructionErrors(validation);
    if (rule.method === 'percentile') {
      const sorted = Float64Array.from(perSample).sort();
      const pos = (rule.percentile / 100) * (sorted.length - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(lo + 1, sorted.length - 1);
      return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
    }
    let mean = 0;
    for (const v of perSample) mean += v;
    mean /= perSample.length;
    let variance = 0;
    for (const v of perSample) variance += (v - mean) ** 2;
    return mean + rule.k * Math.sqrt(variance / perSample.length);
  }

  /** Scores (reconstruction errors) and whether each exceeds `threshold`. */
  async detectAnomalies(
    data: MatrixLike,
    threshold: number,
  ): Promise<{
    /** Each sample's reconstruction error. */
    scores: Float64Array;
    /** Whether each sample's score exceeds `threshold`. */
    anomalous: boolean[];
  }> {
    checkArgs('detectAnomalies', ['data', data, kinds.matrix], ['threshold', threshold, kinds.finite]);
    const { perSample } = await this.reconstructionErrors(data);
    return { scores: perSample, anomalous: Array.from(perSample, (s) => s > threshold) };
  }

  /** VAE: `count` new samples decoded from `z ~ N(0, I)`. */
  async sample(count: number, seed = 1): Promise<Matrix> {
    this.alive();
    checkArgs('sample', ['count', count, integer(1, Number.MAX_SAFE_INTEGER)], ['seed', seed, kinds.seed]);
    return { rows: count, cols: this.config.inputSize, data: await this.rt.call.sample(this.id, count, seed) };
  }

  /** Decode `steps` codes evenly spaced between the codes of `a` and `b` (endpoints included). */
  async interpolate(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): Promise<Matrix> {
    this.alive();
    checkArgs(
      'interpolate',
      ['a', a, kinds.vector],
      ['b', b, kinds.vector],
      ['steps', steps, integer(2, Number.MAX_SAFE_INTEGER)],
    );
    // The path of codes and its decoding, refused before either is built if they cannot fit.
    await this.rt.call.room(`interpolate: ${steps} steps`, [
      ['codes', 4 * steps * this.codeSize],
      ['reconstructions', 4 * steps * this.config.inputSize],
    ]);
    const codes = await this.encode([a, b]);
    const c = this.codeSize;
    const path = new Float32Array(steps * c);
    for (let s = 0; s < steps; s++) {
      const t = s / (steps - 1);
      for (let j = 0; j < c; j++) {
        path[s * c + j] = (1 - t) * (codes.data[j] as number) + t * (codes.data[c + j] as number);
      }
    }
    return this.decode({ rows: steps, cols: c, data: path });
  }

  /** VAE: importance-weighted bound on log p(x) with `k` samples, nats per sample (k = 1: ELBO). */
  async iwaeBound(data: MatrixLike, k = 50, seed = 1): Promise<number> {
    checkArgs(
      'iwaeBound',
      ['data', data, kinds.matrix],
      ['k', k, integer(1, Number.MAX_SAFE_INTEGER)],
      ['seed', seed, kinds.seed],
    );
    return this.onData(data, (id) => this.rt.call.iwaeBound(this.id, id, k, seed));
  }

  /** Mean squared Frobenius norm of the first layer's Jacobian `∂h/∂x` over the samples. */
  async jacobianNorm(data: MatrixLike): Promise<number> {
    checkArgs('jacobianNorm', ['data', data, kinds.matrix]);
    return this.onData(data, (id) => this.rt.call.jacobianNorm(this.id, id));
  }

  /** Run `f` on `data` uploaded as a temporary dataset handle (disposed afterwards). */
  private async onData<R>(data: MatrixLike, f: (dataset: number) => Promise<R>): Promise<R> {
    this.alive();
    const x = toMatrix(data, this.config.inputSize, 'input');
    return this.rt.withHandle(await upload(this.rt, x), f);
  }

  /** A copy of all parameters (per encoder layer W, b; VAE heads; per decoder layer W unless tied, b). */
  async getWeights(): Promise<Float32Array> {
    this.alive();
    return this.rt.call.parameters(this.id);
  }

  /** Replace all parameters (same layout as {@link getWeights}). */
  async setWeights(weights: Float32Array): Promise<void> {
    this.alive();
    checkArgs('setWeights', ['weights', weights, kinds.float32Array]);
    this.rt.assertNotTraining(this.id, 'setWeights()');
    await this.rt.call.setParameters(this.id, weights);
  }

  /** Weights (`units × inputs`) and bias of encoder layer `i`, or decoder layer `i` counted from the code. */
  async layerWeights(
    i: number,
    decoder = false,
  ): Promise<{
    /** The weights, `units × inputs`. */
    w: Matrix;
    /** The bias, one value per unit. */
    b: Float32Array;
  }> {
    this.alive();
    const role = decoder === true ? 'decoder' : 'encoder';
    const layers = this.topology.layers.filter((l) => l.role === role);
    checkArgs('layerWeights', ['decoder', decoder, kinds.boolean], ['i', i, integer(0, layers.length - 1)]);
    const all = await this.rt.call.layer(this.id, decoder, i);
    const { outputs: out, inputs: cols } = layers[i] as TopologyLayer;
    return { w: { rows: out, cols, data: all.subarray(0, out * cols) }, b: all.subarray(out * cols) };
  }

  /** @internal Overwrite one layer (assembling stacked models). */
  async setLayerWeights(i: number, decoder: boolean, w: Float32Array, b: Float32Array): Promise<void> {
    this.alive();
    this.rt.assertNotTraining(this.id, 'setLayerWeights()');
    await this.rt.call.setLayer(this.id, decoder, i, w, b);
  }

  /** The whole model as one versioned binary: configuration, weights, optimizer state. */
  async save(): Promise<Uint8Array> {
    this.alive();
    return encodeModel(this.config, await this.rt.call.state(this.id));
  }

  /**
   * The model as an ONNX model (opset {@link ONNX_OPSET}), for onnxruntime and other
   * engines: the bytes of an `.onnx` file. `part` picks what it computes (default
   * `'autoencoder'`; see {@link OnnxPart}); every input and output is a float tensor
   * `[batch, width]` whose batch dimension is free. The weights are those of this moment.
   *
   * ```ts
   * const bytes = await ae.toOnnx({ part: 'encoder' }); // input x → output code
   * ```
   */
  async toOnnx(options?: OnnxExportOptions): Promise<Uint8Array> {
    this.alive();
    const part = onnxPart('toOnnx', options);
    const parameters = await this.getWeights();
    const { autoencoderToOnnx } = await import('../interop/onnx.js');
    return autoencoderToOnnx(this.topology, parameters, part, this.config);
  }

  /**
   * The weights as a safetensors file (float32, little-endian), named and shaped as the
   * equivalent PyTorch module's `state_dict` (`encoder.0.weight`, `encoder.0.bias`, …,
   * `mu.*` and `logvar.*` for a VAE, `decoder.0.*` from the code out; `[outputs, inputs]`
   * like `nn.Linear.weight`; a tied decoder layer has its bias only), with the configuration
   * in the metadata. {@link fromSafetensors} reads it back; Python's `safetensors` and
   * `torch` load it. Works in browsers as in Node.
   */
  async toSafetensors(): Promise<Uint8Array> {
    this.alive();
    const weights = await this.getWeights();
    const tensors = torchTensors(this.topology).map(({ name, span }) => ({
      name,
      shape: span.shape,
      data: weights.subarray(span.offset, span.offset + span.shape.reduce((a, b) => a * b, 1)),
    }));
    return encodeSafetensors(tensors, this.safetensorsMetadata());
  }

  /** The metadata of this model's safetensors file. */
  private safetensorsMetadata(): Record<string, string> {
    return diaboloMetadata(JSON.stringify(this.config), `diabolo (core ${this.rt.info.coreVersion})`);
  }

  /**
   * The files from which PyTorch continues training this model: `model.safetensors` (as
   * {@link toSafetensors}), `model.py` (an `nn.Module` equal to this model — its forward,
   * codes and reconstructions, and a `loss(x)` that is diabolo's objective: reconstruction,
   * sparsity, contractive and L2 penalties, corruption, a VAE's sampling and β·KL — with its
   * optimizer) and `train.py` (continues training with `torchrun` and DistributedDataParallel,
   * then writes safetensors that {@link fromSafetensors} loads). Write them into one folder;
   * the CLI's `diabolo export --format pytorch --out dir/` does. Works in browsers too.
   */
  async toPyTorch(): Promise<PyTorchExport> {
    this.alive();
    return {
      'model.safetensors': await this.toSafetensors(),
      'model.py': modelPy(this.topology, this.config, this.safetensorsMetadata()),
      'train.py': trainPy(),
    };
  }

  /**
   * A softmax classifier on a copy of this model's encoder layers (supervised fine-tuning),
   * in the same engine.
   */
  async toClassifier(options: {
    classes: number;
    optimizer?: OptimizerConfig;
    l2?: number;
    seed?: number;
  }): Promise<Classifier> {
    this.alive();
    checkArgs('toClassifier', ['options', options, kinds.object]);
    if (this.config.vae) throw invalid('model', 'a variational autoencoder', 'a deterministic encoder');
    const encoder = this.topology.layers.filter((l) => l.role === 'encoder');
    return Classifier.onEncoder(this.rt, this.id, this.config.inputSize, options, {
      layers: encoder,
      tensors: encoder.flatMap((l) => [
        { name: `encoder layer ${l.index} weights`, length: l.inputs * l.outputs },
        { name: `encoder layer ${l.index} bias`, length: l.outputs },
      ]),
      width: this.codeSize,
    });
  }
}
