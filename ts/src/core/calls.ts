// The engine's surface, declared: every call with its arguments and its result, grouped by
// what it works on. The same surface serves inline use (a direct call) and a worker (Comlink
// over postMessage): `EngineCalls` is its asynchronous form, the one shape of both backends,
// and `ENGINE_CALLS` lists every call by name for them to wrap.
import type { EngineInfo, Flavor, LossTermValues, Topology } from '../base/types.js';
import type { ResolvedAssetPaths } from './assets.js';

/** A handle: the integer id of a dataset, model or classifier living in the engine's WASM memory. */
export type HandleId = number;

/** One epoch's outcome as the engine reports it. */
export interface EpochResult {
  terms: LossTermValues;
  batches: number;
  samples: number;
  ms: number;
}

/** A run of minibatches of the current epoch. */
export interface BatchesResult {
  /** Sample-weighted sums of the terms of the minibatches that ran. */
  sums: LossTermValues;
  /** Minibatches that ran (the run is clipped to the epoch). */
  batches: number;
  ms: number;
}

/**
 * Everything that, with the configuration, makes a model file. `trainHeader` holds
 * `TRAIN_HEADER_WORDS` (base/limits.ts) u32 words — the step and the RNG state — whose
 * layout the binding alone defines (`crates/diabolo-wasm/src/train_header.rs`).
 */
export interface ModelState {
  parameters: Float32Array;
  trainHeader: Uint32Array;
  optimizer: Float32Array;
}

/** An array a call copies into or out of WASM memory: its name (with its shape) and its size. */
export type SizedArray = readonly [name: string, bytes: number];

/** Loading the core, and what was loaded. */
export interface SetupCalls {
  /**
   * Load the core (once); later calls return the same info. A worker's engine is given its
   * creator's asset locations (`setAssetPaths` there).
   */
  init(requested?: Flavor | 'auto', assets?: ResolvedAssetPaths): Promise<EngineInfo>;
  info(): EngineInfo;
  /** The model a core spec would build, described without building it. */
  describeModel(specJson: string): Topology;
}

/** Datasets: rows copied into WASM memory once, read from there by every epoch. */
export interface DatasetCalls {
  /** Copy a dataset into WASM memory once; epochs then read it from there. */
  uploadDataset(data: Float32Array, rows: number, cols: number, labels?: Uint32Array): HandleId;
  /** Rows `start … start + count − 1` of a dataset as a new dataset (copied inside WASM). */
  sliceDataset(dataset: HandleId, start: number, count: number): HandleId;
}

/** Autoencoders: training, evaluation, inference, parameters and training state. */
export interface ModelCalls {
  /** A model from the core's spec JSON (`coreSpec`, model/config.ts). */
  createModel(specJson: string): HandleId;
  trainEpoch(model: HandleId, dataset: HandleId, batchSize: number, learningRate: number): EpochResult;
  /**
   * Start an epoch (draw its minibatch order); then {@link ModelCalls.trainBatches} runs it in
   * pieces. Also a classifier's, for data-parallel replicas.
   */
  beginEpoch(model: HandleId, dataset: HandleId): void;
  /**
   * Minibatches `first … first + count − 1` of the current epoch: sample-weighted sums of
   * their terms, and the epoch's terms so far (after its last minibatch, bit for bit those of
   * {@link ModelCalls.trainEpoch}, however the epoch was split).
   */
  trainBatches(
    model: HandleId,
    dataset: HandleId,
    batchSize: number,
    learningRate: number,
    first: number,
    count: number,
  ): BatchesResult & { epochTerms: LossTermValues };
  evaluate(model: HandleId, dataset: HandleId): LossTermValues;
  /** Start the model's divergence watch afresh (each `fit` judges its own losses). */
  resetDivergenceWatch(model: HandleId): void;
  setKlScale(model: HandleId, scale: number): void;
  setClipNorm(model: HandleId, maxNorm: number): void;
  encode(model: HandleId, data: Float32Array, rows: number): Float32Array;
  /** Codes of a whole dataset as a new dataset, without leaving WASM memory. */
  encodeDataset(model: HandleId, dataset: HandleId): HandleId;
  decode(model: HandleId, codes: Float32Array, rows: number): Float32Array;
  reconstruct(model: HandleId, data: Float32Array, rows: number): Float32Array;
  /** Per-sample losses followed by the per-feature means. */
  errors(model: HandleId, data: Float32Array, rows: number): Float64Array;
  sample(model: HandleId, samples: number, seed: number): Float32Array;
  iwaeBound(model: HandleId, dataset: HandleId, k: number, seed: number): number;
  jacobianNorm(model: HandleId, dataset: HandleId): number;
  parameters(model: HandleId): Float32Array;
  /** The model described by the core: layers, parameter spans, loss link, VAE code. */
  topology(model: HandleId): Topology;
  setParameters(model: HandleId, params: Float32Array): void;
  /** W then b of encoder layer `i`, or of decoder layer `i` counted from the code. */
  layer(model: HandleId, decoder: boolean, i: number): Float32Array;
  setLayer(model: HandleId, decoder: boolean, i: number, w: Float32Array, b: Float32Array): void;
  /** What resumes training exactly; a classifier's too (data-parallel replicas copy it). */
  state(model: HandleId): ModelState;
  setState(model: HandleId, s: ModelState): void;
}

/**
 * Data-parallel training: one replica of a model or a classifier per worker (see
 * train/parallel.ts); `model` is either's handle.
 */
export interface ReplicaCalls {
  /**
   * Shared memory of data-parallel training: `slots` holds two banks of `replicas` gradient
   * slots of `size` floats; `control` (Int32) is the replicas' barrier (see `parallelBatches`).
   */
  attachGradientSlots(
    model: HandleId,
    slots: SharedArrayBuffer,
    control: SharedArrayBuffer,
    replicas: number,
    size: number,
  ): void;
  /** This epoch's order of rows (after {@link ModelCalls.beginEpoch}). */
  epochOrder(model: HandleId): Uint32Array;
  setEpochOrder(model: HandleId, dataset: HandleId, order: Uint32Array): void;
  /** Give the replica its own noise stream (corruption, VAE sampling). */
  reseed(model: HandleId, seed: number): void;
  /**
   * Minibatches `first … first + count − 1` of the current epoch as replica `shard`, every
   * replica taking the same summed step; the shard's sample-weighted sums of the terms, as
   * {@link ModelCalls.trainBatches} reports them.
   */
  parallelBatches(
    model: HandleId,
    dataset: HandleId,
    batchSize: number,
    learningRate: number,
    first: number,
    count: number,
    shard: number,
  ): BatchesResult;
}

/** Copies of a model kept inside the engine, to go back to. */
export interface SnapshotCalls {
  /** Keep a copy of the parameters inside the engine (early stopping's best epoch). */
  snapshot(model: HandleId): void;
  restoreSnapshot(model: HandleId): void;
  /** Keep the whole training state inside the engine (the start of an epoch, to retry it). */
  saveState(model: HandleId): void;
  /** Go back to the state kept by {@link SnapshotCalls.saveState}. */
  restoreState(model: HandleId): void;
}

/** Softmax classifiers: the linear probe, or a head on a copy of a model's encoder. */
export interface ClassifierCalls {
  /** Softmax regression on raw inputs, or a softmax head on a copy of `bodyModel`'s encoder. */
  createClassifier(
    inputs: number,
    classes: number,
    optimizerJson: string,
    l2: number,
    seed: number,
    bodyModel?: HandleId,
  ): HandleId;
  /**
   * A classifier of the given shapes (body layers of `units[i]` units with activation
   * `activations[i]`, parameter `alphas[i]`): a data-parallel replica, given another one's
   * state next.
   */
  createClassifierReplica(
    inputs: number,
    body: { units: Uint32Array; activations: string[]; alphas: Float64Array },
    classes: number,
    optimizerJson: string,
    l2: number,
    seed: number,
  ): HandleId;
  /**
   * How the next `classifierTrainEpoch` calls train: the encoder layers too or the head alone,
   * and the dropout probabilities of the inputs and of the encoder layers' outputs.
   */
  setClassifierTraining(classifier: HandleId, trainBody: boolean, dropout: { input: number; hidden: number }): void;
  /** One epoch; its mean cross-entropy. */
  classifierTrainEpoch(classifier: HandleId, dataset: HandleId, batchSize: number, learningRate: number): number;
  /** `{ loss, accuracy }` on a labelled dataset. */
  classifierEvaluate(classifier: HandleId, dataset: HandleId): { loss: number; accuracy: number };
  predictProba(classifier: HandleId, data: Float32Array, rows: number): Float32Array;
  classifierParameters(classifier: HandleId): Float32Array;
  /** Replace every parameter (the layout of `classifierParameters`); all finite, or nothing changes. */
  setClassifierParameters(classifier: HandleId, params: Float32Array): void;
}

/** Lifetime of handles, memory, and fault injection. */
export interface DiagnosticCalls {
  /** Free a handle's WASM memory. Idempotent. */
  dispose(id: HandleId): void;
  /** Live handles and the WASM memory of this engine's instance, to check that nothing leaks. */
  usage(): { handles: number; wasmBytes: number };
  /**
   * Refuse (`E_MEMORY`), before anything is allocated, a request whose arrays in WASM memory
   * the core could not hold now: one of 2 GiB or more, or all together beyond what memory
   * can still give. Every call that copies arrays in or out asks first; the facade asks too
   * before it builds a large argument itself (`interpolate`).
   */
  room(what: string, arrays: ReadonlyArray<SizedArray>): void;
  /**
   * Fault injection, for the tests of fault handling only: make the core trap (`'trap'`) or
   * run out of memory for real (`'oom'`). The engine is lost afterwards, as after any trap.
   * @internal
   */
  injectFault(kind: 'trap' | 'oom'): void;
}

/** Every call of the engine. */
export interface EngineApi
  extends SetupCalls,
    DatasetCalls,
    ModelCalls,
    ReplicaCalls,
    SnapshotCalls,
    ClassifierCalls,
    DiagnosticCalls {}

/** The name of a call. */
export type EngineCall = keyof EngineApi;

/** The groups of calls, as the interfaces above and the files that implement them (datasets.ts, models.ts, …). */
type CallGroup = 'setup' | 'datasets' | 'models' | 'replicas' | 'snapshots' | 'classifiers' | 'diagnostics';

/**
 * Each call and its group. Declared as a record over every call, so a call added to
 * {@link EngineApi} and not listed here (or listed and not declared) fails to compile.
 */
const GROUPS: Record<EngineCall, CallGroup> = {
  init: 'setup',
  info: 'setup',
  describeModel: 'setup',
  uploadDataset: 'datasets',
  sliceDataset: 'datasets',
  createModel: 'models',
  trainEpoch: 'models',
  beginEpoch: 'models',
  trainBatches: 'models',
  evaluate: 'models',
  resetDivergenceWatch: 'models',
  setKlScale: 'models',
  setClipNorm: 'models',
  encode: 'models',
  encodeDataset: 'models',
  decode: 'models',
  reconstruct: 'models',
  errors: 'models',
  sample: 'models',
  iwaeBound: 'models',
  jacobianNorm: 'models',
  parameters: 'models',
  topology: 'models',
  setParameters: 'models',
  layer: 'models',
  setLayer: 'models',
  state: 'models',
  setState: 'models',
  attachGradientSlots: 'replicas',
  epochOrder: 'replicas',
  setEpochOrder: 'replicas',
  reseed: 'replicas',
  parallelBatches: 'replicas',
  snapshot: 'snapshots',
  restoreSnapshot: 'snapshots',
  saveState: 'snapshots',
  restoreState: 'snapshots',
  createClassifier: 'classifiers',
  createClassifierReplica: 'classifiers',
  setClassifierTraining: 'classifiers',
  classifierTrainEpoch: 'classifiers',
  classifierEvaluate: 'classifiers',
  predictProba: 'classifiers',
  classifierParameters: 'classifiers',
  setClassifierParameters: 'classifiers',
  dispose: 'diagnostics',
  usage: 'diagnostics',
  room: 'diagnostics',
  injectFault: 'diagnostics',
};

/** Every call by name: what the inline and worker backends wrap (never `then`: a backend is not thenable). */
export const ENGINE_CALLS: readonly EngineCall[] = Object.keys(GROUPS) as EngineCall[];

/** The engine's calls as asynchronous calls: the one shape of inline and worker backends. */
export type EngineCalls = {
  [K in EngineCall]: (...args: Parameters<EngineApi[K]>) => Promise<Awaited<ReturnType<EngineApi[K]>>>;
};
