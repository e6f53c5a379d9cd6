import { type Backend, openBackend } from '../core/backend.js';
import { toMatrix } from '../data/matrix.js';
import { DiaboloError } from '../errors.js';
import type {
  AutoencoderConfig,
  EngineInfo,
  FitOptions,
  FitResult,
  Matrix,
  MatrixLike,
  RuntimeOptions,
} from '../types.js';
import { type ResolvedAutoencoderConfig, resolveAutoencoderConfig, resolveFitOptions } from './config.js';

function aborted(signal: AbortSignal): DiaboloError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new DiaboloError('E_ABORTED', `training was cancelled: ${reason}`);
}

/**
 * An autoencoder `x̂ = g(f(x))` with one hidden layer, trained by minibatch SGD in the
 * WASM core, in this thread or in a worker.
 *
 * ```ts
 * const ae = await Autoencoder.create({ inputSize: 64, hiddenSize: 16, seed: 7 }, { backend: 'worker' });
 * await ae.fit(x, { epochs: 50, learningRate: 0.5, onEpochEnd: (p) => console.log(p.loss) });
 * const codes = await ae.encode(x);
 * await ae.dispose();
 * ```
 */
export class Autoencoder {
  private disposed = false;

  private constructor(
    private readonly backend: Backend,
    private readonly id: number,
    /** The configuration with every default applied. */
    readonly config: ResolvedAutoencoderConfig,
  ) {}

  /** Build a model; with `backend: 'worker'` it lives in its own worker until {@link dispose}. */
  static async create(config: AutoencoderConfig, options: RuntimeOptions = {}): Promise<Autoencoder> {
    const resolved = resolveAutoencoderConfig(config);
    const backend = await openBackend(options);
    try {
      return new Autoencoder(backend, await backend.call.createModel(resolved), resolved);
    } catch (e) {
      await backend.close();
      throw e;
    }
  }

  /** Where this model runs and which kernels it uses. */
  get runtime(): EngineInfo & { backend: 'inline' | 'worker' } {
    return { ...this.backend.info, backend: this.backend.kind };
  }

  /**
   * Train on `data` (rows are samples). The data crosses into WASM memory once; each epoch
   * is one call into the core.
   */
  async fit(data: MatrixLike, options: FitOptions): Promise<FitResult> {
    this.alive();
    const x = toMatrix(data, this.config.inputSize, 'training data');
    const o = resolveFitOptions(options, x.rows);
    const { signal, onEpochEnd } = options;
    if (signal?.aborted) throw aborted(signal);
    const call = this.backend.call;
    const dataset = await call.uploadDataset(x.data, x.rows, x.cols);
    const losses: number[] = [];
    const t0 = performance.now();
    try {
      for (let epoch = 1; epoch <= o.epochs; epoch++) {
        const r = await call.trainEpoch(this.id, dataset, o.batchSize, o.learningRate);
        losses.push(r.loss);
        onEpochEnd?.({
          epoch,
          epochs: o.epochs,
          loss: r.loss,
          samplesPerSecond: r.samples / (r.ms / 1000),
          elapsedMs: performance.now() - t0,
        });
        if (signal?.aborted && epoch < o.epochs) throw aborted(signal);
      }
    } finally {
      await call.disposeDataset(dataset).catch(() => {});
    }
    return { losses, elapsedMs: performance.now() - t0 };
  }

  /** Codes `f(x)`: one row of `hiddenSize` values per sample. */
  async encode(data: MatrixLike): Promise<Matrix> {
    this.alive();
    const x = toMatrix(data, this.config.inputSize, 'input');
    const out = await this.backend.call.encode(this.id, x.data, x.rows);
    return { rows: x.rows, cols: this.config.hiddenSize, data: out };
  }

  /** Reconstructions `g(f(x))`, in data space. */
  async reconstruct(data: MatrixLike): Promise<Matrix> {
    this.alive();
    const x = toMatrix(data, this.config.inputSize, 'input');
    const out = await this.backend.call.reconstruct(this.id, x.data, x.rows);
    return { rows: x.rows, cols: this.config.inputSize, data: out };
  }

  /** The model's loss for each sample (squared error summed over features, for `mse`). */
  async reconstructionErrors(data: MatrixLike): Promise<Float64Array> {
    this.alive();
    const x = toMatrix(data, this.config.inputSize, 'input');
    return this.backend.call.sampleLosses(this.id, x.data, x.rows);
  }

  /** Mean of {@link reconstructionErrors} over the samples. */
  async evaluate(data: MatrixLike): Promise<number> {
    const e = await this.reconstructionErrors(data);
    let s = 0;
    for (const v of e) s += v;
    return s / e.length;
  }

  /** A copy of all parameters: encoder W (`hiddenSize × inputSize`), encoder b, decoder W, decoder b. */
  async getWeights(): Promise<Float32Array> {
    this.alive();
    return this.backend.call.parameters(this.id);
  }

  /** Replace all parameters (same layout as {@link getWeights}). */
  async setWeights(weights: Float32Array): Promise<void> {
    this.alive();
    if (!(weights instanceof Float32Array)) {
      throw new DiaboloError('E_INVALID', 'weights must be a Float32Array');
    }
    await this.backend.call.setParameters(this.id, weights);
  }

  /** Free the model's memory and stop its worker. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.backend.call.disposeModel(this.id);
    } catch {
      // A dead worker has already released everything.
    }
    await this.backend.close();
  }

  private alive(): void {
    if (this.disposed) throw new DiaboloError('E_DISPOSED', 'this autoencoder was disposed');
  }
}
