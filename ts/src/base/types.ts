import type { SCHEMA } from './schema.js';

/**
 * Element-wise activation functions: `linear`, `sigmoid`, `tanh`, `relu`, `leakyRelu`, `elu`,
 * `softplus`, `silu` (`a·σ(a)`) and `gelu` (`a·Φ(a)`, the exact form) — the core's list.
 * @useDeclaredType
 */
export type ActivationName = keyof typeof SCHEMA.activations;

/** Weight initialisation schemes. */
export type InitName = 'auto' | 'glorot' | 'he' | 'uniformFanIn';

/**
 * Reconstruction losses: squared error (`mse`), Bernoulli cross-entropy from logits (`bce`,
 * inputs in [0, 1]) or absolute error (`l1`) — the core's list.
 * @useDeclaredType
 */
export type LossName = keyof typeof SCHEMA.losses;

/** Kernel set of the WASM core: relaxed SIMD (FMA), plain SIMD128, or scalar code. */
export type Flavor = 'relaxed' | 'simd128' | 'scalar';

/** A dense row-major matrix: `rows` samples of `cols` features. */
export interface Matrix {
  /** Number of rows (samples). */
  readonly rows: number;
  /** Number of columns (features per sample). */
  readonly cols: number;
  /** The `rows × cols` values, row after row. */
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
  | {
      /** No corruption (a plain autoencoder). */
      kind: 'none';
    }
  | {
      /** Masking noise: each input set to 0 with probability `nu`. */
      kind: 'mask';
      /** Probability that an input is set to 0, in [0, 1). */
      nu: number;
    }
  | {
      /** Additive Gaussian noise. */
      kind: 'gaussian';
      /** Standard deviation of the noise, ≥ 0. */
      sigma: number;
    }
  | {
      /** Salt-and-pepper noise: each input set to `low` or `high` (even odds) with probability `nu`. */
      kind: 'saltPepper';
      /** Probability that an input is replaced, in [0, 1). */
      nu: number;
      /** Value of "pepper". Default 0. */
      low?: number;
      /** Value of "salt". Default 1. */
      high?: number;
    };

/** Optimizer and its hyper-parameters (defaults: momentum 0.9; Adam β₁ 0.9, β₂ 0.999, ε 1e-8; AdamW decay 0.01). */
export type OptimizerConfig =
  | {
      /** Plain stochastic gradient descent. */
      kind: 'sgd';
    }
  | {
      /** SGD with momentum. */
      kind: 'momentum';
      /** Momentum coefficient. Default 0.9. */
      momentum?: number;
      /** Nesterov's variant. Default false. */
      nesterov?: boolean;
    }
  | {
      /** Adam. */
      kind: 'adam';
      /** Decay of the first-moment estimate β₁. Default 0.9. */
      beta1?: number;
      /** Decay of the second-moment estimate β₂. Default 0.999. */
      beta2?: number;
      /** ε added to the denominator. Default 1e-8. */
      epsilon?: number;
    }
  | {
      /** Adam with decoupled weight decay. */
      kind: 'adamw';
      /** Decay of the first-moment estimate β₁. Default 0.9. */
      beta1?: number;
      /** Decay of the second-moment estimate β₂. Default 0.999. */
      beta2?: number;
      /** ε added to the denominator. Default 1e-8. */
      epsilon?: number;
      /** Decoupled weight decay. Default 0.01. */
      weightDecay?: number;
    };

/** Variational code: `latentSize` Gaussian units, KL weight `beta` (β-VAE). */
export interface VaeConfig {
  /** Number of Gaussian latent units (the code's width). */
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
  /** Activation of the reconstruction. Default `'sigmoid'` for `mse` and `l1`, `'linear'` (logits) for `bce`. */
  outputActivation?: ActivationName;
  /** Default slope/scale for `leakyRelu` (0.01) and `elu` (1). */
  activationAlpha?: number;
  /** Reconstruction loss. Default `'mse'`. */
  loss?: LossName;
  /** Decoder layers use the transposed encoder weights. Default false. */
  tiedWeights?: boolean;
  /** Default L2 weight decay of every layer (a layer's own value wins). */
  l2?: number;
  /** Default KL sparsity penalty of every layer (a layer's own value wins). */
  sparsity?: SparsityConfig;
  /** Default contractive penalty weight of every layer (a layer's own value wins). */
  contractive?: number;
  /** Denoising: corruption of the inputs. Default none. */
  corruption?: CorruptionConfig;
  /** Variational autoencoder: Gaussian code after the encoder layers. */
  vae?: VaeConfig;
  /** Default `{ kind: 'sgd' }`. */
  optimizer?: OptimizerConfig;
  /**
   * Weight initialisation: `'auto'` (default: He normal for rectifier-like units — `relu`,
   * `leakyRelu`, `elu`, `silu`, `gelu` — Glorot uniform otherwise, zero biases), `'glorot'`, `'he'`, or `'uniformFanIn'` (weights and biases
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
  /** Reconstruction loss (the model's `loss`). */
  reconstruction: number;
  /** KL sparsity penalty, weighted by its β. */
  sparsity: number;
  /** Contractive penalty, weighted by its λ. */
  contractive: number;
  /** Unweighted KL(q(z|x) ‖ N(0, I)) of a VAE. */
  kl: number;
  /** L2 weight decay, weighted by its λ. */
  l2: number;
  /** What is minimised: reconstruction + penalties + β·(warm-up)·kl. */
  total: number;
}

/** Progress after each epoch. */
export interface EpochProgress {
  /** 1-based epoch number. */
  epoch: number;
  /** The last epoch of the run (`FitOptions.epochs`). */
  epochs: number;
  /** Training objective (mean per sample). */
  loss: number;
  /** The objective's terms over this epoch (means per sample). */
  terms: LossTermValues;
  /** Validation objective, when validation data is used. */
  validationLoss?: number;
  /** Learning rate of this epoch (after the schedule and any divergence retries). */
  learningRate: number;
  /** Training samples per second over this epoch. */
  samplesPerSecond: number;
  /** Milliseconds since `fit` started. */
  elapsedMs: number;
  /** Estimated time to finish all epochs. */
  etaMs: number;
}

/** Progress within an epoch (with `onBatchEnd`). */
export interface BatchProgress {
  /** 1-based epoch number. */
  epoch: number;
  /** The last epoch of the run (`FitOptions.epochs`). */
  epochs: number;
  /** Minibatches done in this epoch. */
  batch: number;
  /** Minibatches in this epoch. */
  batches: number;
  /** Mean objective per sample over this epoch's minibatches so far. */
  loss: number;
  /** Training samples per second over this epoch so far. */
  samplesPerSecond: number;
}

/** Learning-rate schedule over epochs. */
export type ScheduleConfig =
  | {
      /** The initial learning rate throughout. */
      kind: 'constant';
    }
  | {
      /** Multiply the rate by `gamma` every `every` epochs. */
      kind: 'step';
      /** Epochs between two multiplications, an integer ≥ 1. */
      every: number;
      /** Factor applied each time, in (0, 1]. */
      gamma: number;
    }
  | {
      /** Cosine from the initial rate towards `minLearningRate`, reached just after the last epoch. */
      kind: 'cosine';
      /** Rate the cosine tends to. Default 0. */
      minLearningRate?: number;
    };

/** Stop training when the validation loss stops improving; it needs validation data (a split or given rows). */
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

/** Options of {@link Autoencoder.fit}. Only `epochs` is required. */
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
  control?: {
    /** Whether training is paused. */
    readonly paused?: boolean;
    /** Resolves when training may go on (at once if not paused); rejects if `signal` aborts. */
    waitWhilePaused(signal?: AbortSignal): Promise<void>;
  };
  /** Samples per minibatch. Default 32 (or the number of samples, if fewer). */
  batchSize?: number;
  /** Initial step size. Default 0.1 for SGD/momentum, 0.001 for Adam/AdamW. */
  learningRate?: number;
  /** Learning-rate schedule over epochs. Default `{ kind: 'constant' }`. */
  schedule?: ScheduleConfig;
  /** Fraction of the rows (the last ones) held out for validation, in [0, 1). */
  validationSplit?: number;
  /** Explicit validation data (instead of `validationSplit`). */
  validationData?: MatrixLike;
  /** Stop when the validation loss stops improving. Default: train every epoch. */
  earlyStopping?: EarlyStoppingConfig;
  /** Rescale each minibatch's gradient to this global L2 norm when it is larger. Default: no clipping. */
  gradientClipNorm?: number;
  /**
   * What divergence does. Training diverges when a loss or gradient is non-finite, or —
   * caught earlier, while the weights are still finite — when a minibatch's loss stays over
   * 1 000× the run's best smoothed loss for 3 minibatches in a row (a learning rate far too
   * large). Default: training stops with `E_NON_FINITE` and the model goes back to its state
   * at the start of the failing epoch (weights, optimizer, random stream), its last state
   * known good: it can be used and trained on. With this option, after going back, the
   * learning rate is multiplied by `factor` (default 0.5) for the rest of the run and the
   * epoch runs again — at most `maxRetries` times (default 3) in one `fit`;
   * `FitResult.divergences` lists each. The state is kept inside the engine, once per epoch.
   * (Data-parallel replicas check for non-finite values only.)
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
  dataParallel?: {
    /** Engines that train together, the model's own included: an integer in [1, 64] (1: no data parallelism). */
    workers: number;
  };
  /** VAE: ramp β linearly from 0 over this many epochs. Default 0 (no warm-up). */
  klWarmupEpochs?: number;
  /** Called after every epoch. */
  onEpochEnd?: (progress: EpochProgress) => void;
  /** Called after every piece of minibatches (see `batchesPerCall`). */
  onBatchEnd?: (progress: BatchProgress) => void;
  /**
   * Minibatches per call into the core. Inline (the default backend), training runs in
   * slices of about 25 ms — at least one minibatch — and lets the event loop run after each,
   * so timers, an `AbortSignal`, `TrainingControl.pause()`, input and painting are served
   * while it trains; give a count to fix the slice instead. In a worker, when `onBatchEnd`,
   * `signal` or `control` is given: default 1 with a signal (cancellation within one
   * minibatch), else a tenth of the epoch; without any of them an epoch is one call.
   */
  batchesPerCall?: number;
  /**
   * Stops training at the end of the running piece (see `batchesPerCall`: inline within a
   * slice of ~25 ms or one minibatch, in a worker within one minibatch); the promise rejects
   * with `E_ABORTED` and the model keeps the weights of the last finished minibatch.
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
  /** 1-based number of the epoch that diverged. */
  epoch: number;
  /** The learning rate the epoch diverged with. */
  learningRate: number;
  /** The core's description of what became non-finite. */
  message: string;
}

/** What {@link Autoencoder.fit} returns once training ends. */
export interface FitResult {
  /** The progress of every epoch trained, in order. */
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
  /** Whether early stopping ended the run before `epochs`. */
  stoppedEarly: boolean;
  /** Milliseconds the whole `fit` took. */
  elapsedMs: number;
}

/** What a loaded core reports about itself. */
export interface EngineInfo {
  /** The kernel set of the loaded binary. */
  flavor: Flavor;
  /** Version of the Rust core crate the binary was built from. */
  coreVersion: string;
}

/** Where a tensor lies in the parameter vector ({@link Autoencoder.getWeights}) and its shape. */
export interface TensorSpan {
  /** Index of its first value in the parameter vector. */
  offset: number;
  /** `[outputs, inputs]` for weights (row-major: one row per output unit), `[outputs]` for a bias. */
  shape: number[];
}

/** One dense layer of a model: `outputs = activation(W · inputs + b)`. */
export interface TopologyLayer {
  /** `encoder`, a VAE's `mean` or `logVariance` head, or `decoder`. */
  role: 'encoder' | 'mean' | 'logVariance' | 'decoder';
  /** Position among the layers of its role (encoder from the input, decoder from the code). */
  index: number;
  /** Width of the layer's input. */
  inputs: number;
  /** Number of units (width of its output). */
  outputs: number;
  /** The activation applied to `W · inputs + b`. */
  activation: ActivationName;
  /** The slope or scale of `leakyRelu` / `elu`; `null` for the others. */
  alpha: number | null;
  /** The encoder layer a decoder layer mirrors (maps back from its outputs to its inputs); `null` for encoder layers, VAE heads and a VAE decoder's first layer. */
  mirrorOf: number | null;
  /** A tied decoder layer uses the transpose of this encoder layer's weights (its own `weights` is then `null`). */
  tiedTo: number | null;
  /** Where its weights lie, `[outputs, inputs]`; `null` when tied. */
  weights: TensorSpan | null;
  /** Where its bias lies, `[outputs]`. */
  bias: TensorSpan;
}

/**
 * A model described by the core that runs it: its dense layers in parameter order (encoder,
 * a VAE's mean and log-variance heads, decoder from the code out) with where each tensor
 * lies in the parameter vector, the loss and how the output becomes a reconstruction.
 * Exporters and tools read this instead of deriving the layout themselves.
 */
export interface Topology {
  /** Width of the model's input. */
  inputs: number;
  /** Width of the code (a VAE's latent size). */
  codeSize: number;
  /** Every dense layer, in parameter order. */
  layers: TopologyLayer[];
  /** The reconstruction loss. */
  loss: {
    /** Its configuration name. */
    name: LossName;
    /** `identity`: the last layer's output is the reconstruction; `sigmoid`: it holds logits. */
    link: 'identity' | 'sigmoid';
  };
  /** A VAE's code: `latent` Gaussian units with KL weight `beta`; `null` for the others. */
  vae: {
    /** Number of latent units. */
    latent: number;
    /** KL weight. */
    beta: number;
  } | null;
  /** Whether decoder layers use the transposed encoder weights. */
  tied: boolean;
  /** Number of values in the parameter vector. */
  parameterCount: number;
}
