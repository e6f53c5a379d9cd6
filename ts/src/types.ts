/** Element-wise activation functions. */
export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu' | 'softplus';

/** Weight initialisation schemes. */
export type InitName = 'auto' | 'glorot' | 'he' | 'uniformFanIn';

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

/** KL sparsity on a layer's (sigmoid) codes: target mean activation `rho`, weight `beta`. */
export interface SparsityConfig {
  /** Target mean activation ρ ∈ (0, 1), typically 0.01–0.1. */
  rho: number;
  /** Weight β ≥ 0 of `Σ_j KL(ρ ‖ ρ̂_j)`, typically 1–3. */
  beta: number;
}

/** One encoder layer. The decoder mirrors the encoder layers. */
export interface LayerConfig {
  /** Units (width of this layer's code). */
  units: number;
  /** Activation; defaults to the model's `hiddenActivation`. */
  activation?: ActivationName;
  /** Negative-side slope of `leakyRelu`, scale of `elu`. */
  activationAlpha?: number;
  /** L2 weight decay λ on this layer's weights (and its mirror decoder layer's). */
  l2?: number;
  /** KL sparsity penalty on this layer's codes. */
  sparsity?: SparsityConfig;
  /** Contractive penalty weight λ on `‖∂h/∂x‖_F²` of this layer. */
  contractive?: number;
}

/** Input corruption of a denoising autoencoder, drawn afresh for every minibatch. */
export type CorruptionConfig =
  | { kind: 'none' }
  /** Each input set to 0 with probability `nu`. */
  | { kind: 'mask'; nu: number }
  /** Additive Gaussian noise of standard deviation `sigma`. */
  | { kind: 'gaussian'; sigma: number }
  /** Each input set to `low` or `high` (even odds) with probability `nu`. Defaults 0 and 1. */
  | { kind: 'saltPepper'; nu: number; low?: number; high?: number };

/** Optimizer and its hyper-parameters (defaults: momentum 0.9; Adam β₁ 0.9, β₂ 0.999, ε 1e-8; AdamW decay 0.01). */
export type OptimizerConfig =
  | { kind: 'sgd' }
  | { kind: 'momentum'; momentum?: number; nesterov?: boolean }
  | { kind: 'adam'; beta1?: number; beta2?: number; epsilon?: number }
  | { kind: 'adamw'; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number };

/** Variational code: `latentSize` Gaussian units, KL weight `beta` (β-VAE). */
export interface VaeConfig {
  latentSize: number;
  /** KL weight; 1 is the ELBO. Default 1. */
  beta?: number;
}

/** Configuration of an autoencoder: plain data, safe to clone, save and send to a worker. */
export interface AutoencoderConfig {
  /** Features per sample (d). */
  inputSize: number;
  /** Shorthand for `layers: [{ units: hiddenSize }]`. */
  hiddenSize?: number;
  /** Encoder layers, input side first (several: a deep autoencoder). */
  layers?: LayerConfig[];
  /** Default activation of the encoder layers. Default `'sigmoid'`. */
  hiddenActivation?: ActivationName;
  /** Activation of the reconstruction. Default `'sigmoid'` for `mse`, `'linear'` (logits) for `bce`. */
  outputActivation?: ActivationName;
  /** Default slope/scale for `leakyRelu` (0.01) and `elu` (1). */
  activationAlpha?: number;
  /** Reconstruction loss. Default `'mse'`. */
  loss?: LossName;
  /** Decoder layers use the transposed encoder weights. Default false. */
  tiedWeights?: boolean;
  /** Defaults for every layer's penalties (a layer's own values win). */
  l2?: number;
  sparsity?: SparsityConfig;
  contractive?: number;
  /** Denoising: corruption of the inputs. Default none. */
  corruption?: CorruptionConfig;
  /** Variational autoencoder: Gaussian code after the encoder layers. */
  vae?: VaeConfig;
  /** Default `{ kind: 'sgd' }`. */
  optimizer?: OptimizerConfig;
  /**
   * Weight initialisation: `'auto'` (default: He normal for ReLU-family units, Glorot uniform
   * otherwise, zero biases), `'glorot'`, `'he'`, or `'uniformFanIn'` (weights and biases
   * U(±1/√fan_in), PyTorch's `nn.Linear` default).
   */
  init?: InitName;
  /** Seed of initialisation, shuffling, corruption and sampling: same seed, same weights. Default 1. */
  seed?: number;
}

/** Where the computation runs. */
export interface RuntimeOptions {
  /** `'inline'` runs in the calling thread; `'worker'` in a Web Worker / worker thread. Default `'inline'`. */
  backend?: 'inline' | 'worker';
  /** Kernel set; `'auto'` picks the best the runtime supports. Default `'auto'`. */
  flavor?: Flavor | 'auto';
}

/** The terms of the training objective (means per sample). */
export interface LossTermValues {
  reconstruction: number;
  sparsity: number;
  contractive: number;
  /** Unweighted KL(q(z|x) ‖ N(0, I)) of a VAE. */
  kl: number;
  l2: number;
  /** What is minimised: reconstruction + penalties + β·(warm-up)·kl. */
  total: number;
}

/** Progress after each epoch. */
export interface EpochProgress {
  /** 1-based epoch number. */
  epoch: number;
  epochs: number;
  /** Training objective (mean per sample). */
  loss: number;
  terms: LossTermValues;
  /** Validation objective, when validation data is used. */
  validationLoss?: number;
  learningRate: number;
  samplesPerSecond: number;
  elapsedMs: number;
  /** Estimated time to finish all epochs. */
  etaMs: number;
}

/** Progress within an epoch (with `onBatchEnd`). */
export interface BatchProgress {
  epoch: number;
  epochs: number;
  /** Minibatches done in this epoch. */
  batch: number;
  batches: number;
  /** Mean objective per sample over this epoch's minibatches so far. */
  loss: number;
  samplesPerSecond: number;
}

/** Learning-rate schedule over epochs. */
export type ScheduleConfig =
  | { kind: 'constant' }
  /** Multiply by `gamma` every `every` epochs. */
  | { kind: 'step'; every: number; gamma: number }
  /** Cosine from the initial rate towards `minLearningRate` (default 0), reached just after the last epoch. */
  | { kind: 'cosine'; minLearningRate?: number };

export interface EarlyStoppingConfig {
  /** Epochs without improvement of the validation loss before stopping. */
  patience: number;
  /** Smallest decrease that counts as improvement. Default 0. */
  minDelta?: number;
  /** Put back the weights of the best epoch when stopping or finishing. Default true. */
  restoreBest?: boolean;
}

/** Periodic checkpoints during `fit`. */
export interface CheckpointConfig {
  /** Save after every `every` epochs. */
  every: number;
  /** Receives the model file (as from `save()`) and the epoch it holds; may be async. */
  save: (file: Uint8Array, epoch: number) => void | Promise<void>;
}

export interface FitOptions {
  /** Last epoch to train (with `initialEpoch`, the epochs already done are not repeated). */
  epochs: number;
  /**
   * Epochs already done (resuming from a checkpoint): training runs epochs
   * `initialEpoch + 1 … epochs`, with the learning-rate schedule and KL warm-up where they
   * were. Default 0.
   */
  initialEpoch?: number;
  /**
   * In a worker, move the training data's buffer to the worker instead of copying it: no copy,
   * but the caller's `Float32Array` is detached (length 0) afterwards. Default false.
   */
  transferData?: boolean;
  /** Save the model every few epochs; a resumed run ends with the same weights. */
  checkpoint?: CheckpointConfig;
  /** Pause and resume from outside (see `TrainingControl`). */
  control?: { readonly paused?: boolean; waitWhilePaused(signal?: AbortSignal): Promise<void> };
  /** Samples per minibatch. Default 32 (or the number of samples, if fewer). */
  batchSize?: number;
  /** Initial step size. Default 0.1 for SGD/momentum, 0.001 for Adam/AdamW. */
  learningRate?: number;
  schedule?: ScheduleConfig;
  /** Fraction of the rows (the last ones) held out for validation, in [0, 1). */
  validationSplit?: number;
  /** Explicit validation data (instead of `validationSplit`). */
  validationData?: MatrixLike;
  earlyStopping?: EarlyStoppingConfig;
  /** Rescale each minibatch's gradient to this global L2 norm when it is larger. Default: no clipping. */
  gradientClipNorm?: number;
  /**
   * What a non-finite loss or gradient does. Default: training stops with `E_NON_FINITE`
   * and the model keeps the weights of the last good minibatch. With this option, the
   * model goes back to its state at the start of the epoch (weights, optimizer, random
   * stream), the learning rate is multiplied by `factor` (default 0.5) for the rest of the
   * run, and the epoch runs again — at most `maxRetries` times (default 3) in one `fit`;
   * `FitResult.divergences` lists each. The state is kept inside the engine, once per epoch.
   */
  retryOnDivergence?: RetryOnDivergence;
  /**
   * Train with several workers at once (data parallelism): `workers − 1` workers start
   * beside the model's engine, each with a copy of the model and the data; every
   * minibatch is split among them and their gradients are summed through a
   * `SharedArrayBuffer`, so the update is the whole minibatch's (the loss curve equals one
   * worker's up to float rounding, for models without noise). Where memory cannot be
   * shared (a page without cross-origin isolation) training runs on the model's engine
   * alone and `FitResult.workers` says 1. Default `{ workers: 1 }`.
   */
  dataParallel?: { workers: number };
  /** VAE: ramp β linearly from 0 over this many epochs. Default 0 (no warm-up). */
  klWarmupEpochs?: number;
  /** Called after every epoch. */
  onEpochEnd?: (progress: EpochProgress) => void;
  /** Called every `batchesPerCall` minibatches. */
  onBatchEnd?: (progress: BatchProgress) => void;
  /**
   * Minibatches per call into the core when `onBatchEnd` or `signal` is given (default: 1
   * with a signal, so cancellation takes effect within one minibatch; else a tenth of the
   * epoch). Without either, an epoch is one call.
   */
  batchesPerCall?: number;
  /**
   * Stops training at the next minibatch boundary (see `batchesPerCall`); the promise
   * rejects with `E_ABORTED` and the model keeps the weights of the last finished minibatch.
   */
  signal?: AbortSignal;
}

/** See {@link FitOptions.retryOnDivergence}. */
export interface RetryOnDivergence {
  /** Learning-rate multiplier per retry, in (0, 1). Default 0.5. */
  factor?: number;
  /** Retries allowed in one `fit`, an integer in [1, 100]. Default 3. */
  maxRetries?: number;
}

/** An epoch that diverged and was run again with a smaller learning rate. */
export interface Divergence {
  epoch: number;
  /** The learning rate the epoch diverged with. */
  learningRate: number;
  /** The core's description of what became non-finite. */
  message: string;
}

export interface FitResult {
  history: EpochProgress[];
  /** Epochs rerun after a divergence (only with `retryOnDivergence`). */
  divergences: Divergence[];
  /** Workers that trained (more than 1 with `dataParallel`). */
  workers: number;
  /** Why `dataParallel` fell back to one worker, if it did. */
  dataParallelFallback?: string;
  /** Training objective per epoch (same as `history[i].loss`). */
  losses: number[];
  /** Epoch (1-based) whose weights the model holds at the end. */
  bestEpoch: number;
  stoppedEarly: boolean;
  elapsedMs: number;
}

/** What a loaded core reports about itself. */
export interface EngineInfo {
  flavor: Flavor;
  coreVersion: string;
}
