/** Element-wise activation functions. */
export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu' | 'softplus';

/** Reconstruction losses: squared error, or Bernoulli cross-entropy from logits (inputs in [0, 1]). */
export type LossName = 'mse' | 'bce';

/** Kernel set of the WASM core: relaxed SIMD (FMA), plain SIMD128, or scalar code. */
export type Flavor = 'relaxed' | 'simd128' | 'scalar';

/** A dense row-major matrix: `rows` samples of `cols` features. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** What the API accepts as data: a {@link Matrix} or an array of equally long rows. */
export type MatrixLike = Matrix | ReadonlyArray<ArrayLike<number>>;

/** Configuration of an autoencoder: plain data, safe to clone, save and send to a worker. */
export interface AutoencoderConfig {
  /** Features per sample (d). */
  inputSize: number;
  /** Units in the code layer (k); smaller than `inputSize` is undercomplete. */
  hiddenSize: number;
  /** Activation of the code layer. Default `'sigmoid'`. */
  hiddenActivation?: ActivationName;
  /** Activation of the reconstruction. Default `'sigmoid'` for `mse`, `'linear'` (logits) for `bce`. */
  outputActivation?: ActivationName;
  /** Negative-side slope of `leakyRelu`, scale of `elu`. Default 0.01 (leakyRelu) / 1 (elu). */
  activationAlpha?: number;
  /** Reconstruction loss. Default `'mse'`. */
  loss?: LossName;
  /** Seed of initialisation and shuffling: same seed, same weights. Default 1. */
  seed?: number;
}

/** Where the computation runs. */
export interface RuntimeOptions {
  /** `'inline'` runs in the calling thread; `'worker'` in a Web Worker / worker thread. Default `'inline'`. */
  backend?: 'inline' | 'worker';
  /** Kernel set; `'auto'` picks the best the runtime supports. Default `'auto'`. */
  flavor?: Flavor | 'auto';
}

/** Progress after each epoch. */
export interface EpochProgress {
  /** 1-based epoch number. */
  epoch: number;
  epochs: number;
  /** Mean training loss per sample over the epoch. */
  loss: number;
  samplesPerSecond: number;
  elapsedMs: number;
}

export interface FitOptions {
  epochs: number;
  /** Samples per minibatch. Default 32 (or the number of samples, if fewer). */
  batchSize?: number;
  /** SGD step size. Default 0.1. */
  learningRate?: number;
  /** Called after every epoch. */
  onEpochEnd?: (progress: EpochProgress) => void;
  /** Stops training at the next epoch boundary; the promise rejects with `E_ABORTED`. */
  signal?: AbortSignal;
}

export interface FitResult {
  /** Mean training loss per sample, one entry per epoch. */
  losses: number[];
  elapsedMs: number;
}

/** What a loaded core reports about itself. */
export interface EngineInfo {
  flavor: Flavor;
  coreVersion: string;
}
