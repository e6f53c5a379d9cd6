import { DiaboloError, fromWasmError } from '../base/errors.js';
import type { EngineInfo, Flavor, LossTermValues } from '../base/types.js';
import { checkWasmArray } from '../data/matrix.js';
import { adoptAssetPaths, type ResolvedAssetPaths } from './assets.js';
import { awaitReplicas, markReplicaFailed } from './barrier.js';
import { chooseFlavor } from './flavor.js';
import { type GlueModule, glueFailure, glueMemory, loadGlue, markGlueFailed } from './wasm.js';

type WasmModel = InstanceType<GlueModule['Model']>;
type WasmDataset = InstanceType<GlueModule['Dataset']>;
type WasmClassifier = InstanceType<GlueModule['Classifier']>;
type Handle = WasmModel | WasmDataset | WasmClassifier;

/** One epoch's outcome as the engine reports it. */
export interface EpochResult {
  terms: LossTermValues;
  batches: number;
  samples: number;
  ms: number;
}

/** Everything that, with the configuration, makes a model file. */
export interface ModelState {
  parameters: Float32Array;
  trainHeader: Uint32Array;
  optimizer: Float32Array;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Rows as a count for size estimates (a malformed one is left for the core to refuse). */
const count = (rows: number) => (Number.isSafeInteger(rows) && rows > 0 ? rows : 0);
/** An array of `rows × cols` values of `bytes` each, named with its shape: one entry of {@link Engine.room}. */
const array = (name: string, rows: number, cols: number, bytes = 4): [string, number] => [
  `${name} [${rows} × ${cols}]`,
  count(rows) * cols * bytes,
];
/** Rows the core processes at once in evaluation (`Model::chunked`): its per-chunk buffers scale with this. */
const CORE_CHUNK_ROWS = 256;

function terms(v: Float64Array): LossTermValues {
  const at = (i: number) => v[i] as number;
  return { reconstruction: at(0), sparsity: at(1), contractive: at(2), kl: at(3), l2: at(4), total: at(5) };
}

/**
 * The WASM core behind numeric handles. Models, classifiers and datasets live in WASM
 * memory; callers hold integer ids. The same object serves inline use and, exposed through
 * Comlink, a worker: that is what makes the two bit-identical.
 */
export class Engine {
  private glue: GlueModule | undefined;
  private readonly handles = new Map<number, Handle>();
  private readonly snapshots = new Map<number, Float32Array>();
  private readonly savedStates = new Map<number, ModelState>();
  /** Input and output widths of each model (its code) and classifier (its classes), to size what a call returns. */
  private readonly widths = new Map<number, { inputs: number; outputs: number }>();
  private readonly slots = new Map<
    number,
    { view: Float32Array; control: Int32Array; replicas: number; size: number }
  >();
  private nextId = 1;
  private flavor: Flavor = 'scalar';

  /**
   * Load the core (once); later calls return the same info. A worker's engine is given its
   * creator's asset locations (`setAssetPaths` there).
   */
  async init(requested: Flavor | 'auto' = 'auto', assets?: ResolvedAssetPaths): Promise<EngineInfo> {
    if (assets) adoptAssetPaths(assets);
    if (!this.glue) {
      this.flavor = await chooseFlavor(requested);
      this.glue = await loadGlue(this.flavor);
    }
    return this.info();
  }

  info(): EngineInfo {
    const glue = this.core();
    return { flavor: glue.buildFlavor() as Flavor, coreVersion: glue.coreVersion() };
  }

  // --- datasets -------------------------------------------------------------------------

  /** Copy a dataset into WASM memory once; epochs then read it from there. */
  uploadDataset(data: Float32Array, rows: number, cols: number, labels?: Uint32Array): number {
    const glue = this.core();
    this.room('dataset', [
      ['data', data.length * 4],
      ['labels', (labels?.length ?? 0) * 4],
    ]);
    const ds = this.run(() => new glue.Dataset(data, rows, cols));
    if (labels) {
      try {
        this.run(() => ds.setLabels(labels));
      } catch (e) {
        ds.free();
        throw e;
      }
    }
    return this.track(ds);
  }

  /** Rows `start … start + count − 1` of a dataset as a new dataset (copied inside WASM). */
  sliceDataset(dataset: number, start: number, count: number): number {
    const d = this.dataset(dataset);
    return this.track(this.run(() => d.slice(start, count)));
  }

  // --- autoencoders ---------------------------------------------------------------------

  createModel(specJson: string): number {
    const glue = this.core();
    const m = this.run(() => new glue.Model(specJson));
    const id = this.track(m);
    this.widths.set(id, { inputs: (JSON.parse(specJson) as { inputSize: number }).inputSize, outputs: m.codeSize });
    return id;
  }

  trainEpoch(model: number, dataset: number, batchSize: number, learningRate: number): EpochResult {
    const m = this.model(model);
    const d = this.dataset(dataset);
    const t0 = performance.now();
    const r = this.run(() => m.trainEpoch(d, batchSize, learningRate));
    return { terms: terms(r), batches: r[6] as number, samples: r[7] as number, ms: performance.now() - t0 };
  }

  /** Start an epoch (draw its minibatch order); then {@link trainBatches} runs it in pieces. */
  beginEpoch(model: number, dataset: number): void {
    const m = this.model(model);
    const d = this.dataset(dataset);
    this.run(() => m.beginEpoch(d));
  }

  /**
   * Minibatches `first … first + count − 1` of the current epoch: sample-weighted sums of
   * their terms, and the epoch's terms so far (after its last minibatch, bit for bit those of
   * {@link trainEpoch}, however the epoch was split).
   */
  trainBatches(
    model: number,
    dataset: number,
    batchSize: number,
    learningRate: number,
    first: number,
    count: number,
  ): { sums: LossTermValues; batches: number; ms: number; epochTerms: LossTermValues } {
    const m = this.model(model);
    const d = this.dataset(dataset);
    const t0 = performance.now();
    const r = this.run(() => m.trainBatches(d, batchSize, learningRate, first, count));
    return { sums: terms(r), batches: r[6] as number, ms: performance.now() - t0, epochTerms: terms(r.subarray(7)) };
  }

  // --- data-parallel replicas (see train/parallel.ts) ----------------------------------

  /**
   * Shared memory of data-parallel training: `slots` holds two banks of `replicas` gradient
   * slots of `size` floats; `control` (Int32) is the replicas' barrier (see `parallelBatches`).
   */
  attachGradientSlots(
    model: number,
    slots: SharedArrayBuffer,
    control: SharedArrayBuffer,
    replicas: number,
    size: number,
  ): void {
    this.model(model);
    this.slots.set(model, { view: new Float32Array(slots), control: new Int32Array(control), replicas, size });
  }

  /** This epoch's order of rows (after {@link beginEpoch}). */
  epochOrder(model: number): Uint32Array {
    const m = this.model(model);
    return this.run(() => m.epochOrder());
  }

  setEpochOrder(model: number, dataset: number, order: Uint32Array): void {
    const m = this.model(model);
    const d = this.dataset(dataset);
    this.run(() => m.setEpochOrder(d, order));
  }

  /** Give the replica its own noise stream (corruption, VAE sampling). */
  reseed(model: number, seed: number): void {
    const m = this.model(model);
    this.run(() => m.reseed(seed));
  }

  /**
   * Minibatches `first … first + count − 1` of the current epoch as replica `shard`: for
   * each, the gradient of this replica's shard goes from the core's gradient tensors into
   * its slot of the minibatch's bank (one copy); a barrier on shared memory waits for every
   * replica; then the other slots are copied into the core's incoming buffer and every
   * replica sums the same shares in the same order and takes the same step. A shard whose
   * gradient is not finite publishes NaN, so every replica refuses the same update. Returns
   * the shard's sample-weighted sums of the terms, as {@link trainBatches} does.
   */
  parallelBatches(
    model: number,
    dataset: number,
    batchSize: number,
    learningRate: number,
    first: number,
    count: number,
    shard: number,
  ): { sums: LossTermValues; batches: number; ms: number } {
    const m = this.model(model);
    const d = this.dataset(dataset);
    const slots = this.slots.get(model);
    if (!slots) throw new DiaboloError('E_INTERNAL', `model #${model} has no gradient slots`);
    const { view, control, replicas, size } = slots;
    const memory = glueMemory(this.core());
    const t0 = performance.now();
    const end = Math.min(Math.ceil(d.rows / batchSize), first + count);
    const sums = new Float64Array(6);
    const shardTerms = new Float64Array(7);
    const spans = this.run(() => m.gradientSpans());
    let spanned = 0;
    for (let s = 1; s < spans.length; s += 2) spanned += spans[s] as number;
    if (spanned !== size)
      throw new DiaboloError('E_INTERNAL', `gradient tensors hold ${spanned} floats, slots ${size}`);
    for (let b = first; b < end; b++) {
      const bank = view.subarray((b % 2) * replicas * size, ((b % 2) + 1) * replicas * size);
      const mine = bank.subarray(shard * size, (shard + 1) * size);
      let diverged = false;
      try {
        this.run(() => m.shardGradients(d, batchSize, b, shard, replicas, shardTerms));
        for (let s = 0, at = 0; s < spans.length; s += 2) {
          const length = spans[s + 1] as number;
          mine.set(new Float32Array(memory.buffer, spans[s], length), at);
          at += length;
        }
        const n = shardTerms[6] as number;
        for (let i = 0; i < 6; i++) sums[i] = (sums[i] as number) + (shardTerms[i] as number) * n;
      } catch (e) {
        if (!(e instanceof DiaboloError) || e.code !== 'E_NON_FINITE') {
          markReplicaFailed(control);
          throw e;
        }
        diverged = true;
        mine.fill(Number.NaN);
      }
      awaitReplicas(control, replicas);
      const at = this.run(() => m.incomingPointer(replicas));
      const incoming = new Float32Array(memory.buffer, at, replicas * size);
      for (let k = 0; k < replicas; k++) {
        // A diverged replica's own gradient is unusable: its NaN slot is taken from shared memory too.
        if (k !== shard || diverged) incoming.set(bank.subarray(k * size, (k + 1) * size), k * size);
      }
      this.run(() => m.applyIncoming(shard, learningRate, diverged));
    }
    return { sums: terms(sums), batches: Math.max(0, end - first), ms: performance.now() - t0 };
  }

  evaluate(model: number, dataset: number): LossTermValues {
    const m = this.model(model);
    const d = this.dataset(dataset);
    return terms(this.run(() => m.evaluate(d)));
  }

  /** Start the model's divergence watch afresh (each `fit` judges its own losses). */
  resetDivergenceWatch(model: number): void {
    const m = this.model(model);
    this.run(() => m.resetDivergenceWatch());
  }

  setKlScale(model: number, scale: number): void {
    const m = this.model(model);
    this.run(() => m.setKlScale(scale));
  }

  setClipNorm(model: number, maxNorm: number): void {
    const m = this.model(model);
    this.run(() => m.setClipNorm(maxNorm));
  }

  encode(model: number, data: Float32Array, rows: number): Float32Array {
    const m = this.model(model);
    const { outputs } = this.widthsOf(model);
    this.room('encode', [['input', data.length * 4], array('codes', rows, outputs)]);
    return this.run(() => m.encode(data, rows));
  }

  /** Codes of a whole dataset as a new dataset, without leaving WASM memory. */
  encodeDataset(model: number, dataset: number): number {
    const m = this.model(model);
    const d = this.dataset(dataset);
    this.room('encode', [array('codes', d.rows, this.widthsOf(model).outputs)]);
    return this.track(this.run(() => m.encodeDataset(d)));
  }

  decode(model: number, codes: Float32Array, rows: number): Float32Array {
    const m = this.model(model);
    const { inputs } = this.widthsOf(model);
    this.room('decode', [['codes', codes.length * 4], array('reconstructions', rows, inputs)]);
    return this.run(() => m.decode(codes, rows));
  }

  reconstruct(model: number, data: Float32Array, rows: number): Float32Array {
    const m = this.model(model);
    const { inputs, outputs } = this.widthsOf(model);
    this.room('reconstruct', [
      ['input', data.length * 4],
      array('codes', rows, outputs),
      array('reconstructions', rows, inputs),
    ]);
    return this.run(() => m.reconstruct(data, rows));
  }

  /** Per-sample losses followed by the per-feature means. */
  errors(model: number, data: Float32Array, rows: number): Float64Array {
    const m = this.model(model);
    const { inputs } = this.widthsOf(model);
    this.room('reconstruction errors', [
      ['input', data.length * 4],
      [`errors (${count(rows)} per sample + ${inputs} per feature, float64)`, (count(rows) + inputs) * 8],
    ]);
    return this.run(() => m.errors(data, rows));
  }

  sample(model: number, samples: number, seed: number): Float32Array {
    const m = this.model(model);
    const { inputs, outputs } = this.widthsOf(model);
    this.room(`sample: ${samples} samples`, [
      array('latent draws', samples, outputs),
      array('samples', samples, inputs),
    ]);
    return this.run(() => m.sample(samples, seed));
  }

  iwaeBound(model: number, dataset: number, k: number, seed: number): number {
    const m = this.model(model);
    const d = this.dataset(dataset);
    // The core keeps k log-weights per row of each chunk of rows.
    this.room(`iwaeBound: k = ${k}`, [array('log-weights', Math.min(CORE_CHUNK_ROWS, d.rows), count(k), 8)]);
    return this.run(() => m.iwaeBound(d, k, seed));
  }

  jacobianNorm(model: number, dataset: number): number {
    const m = this.model(model);
    const d = this.dataset(dataset);
    return this.run(() => m.jacobianNorm(d));
  }

  parameters(model: number): Float32Array {
    const m = this.model(model);
    return this.run(() => m.parameters());
  }

  setParameters(model: number, params: Float32Array): void {
    const m = this.model(model);
    this.run(() => m.setParameters(params));
  }

  /** W then b of encoder layer `i`, or of decoder layer `i` counted from the code. */
  layer(model: number, decoder: boolean, i: number): Float32Array {
    const m = this.model(model);
    return this.run(() => m.layer(decoder, i));
  }

  setLayer(model: number, decoder: boolean, i: number, w: Float32Array, b: Float32Array): void {
    const m = this.model(model);
    this.run(() => m.setLayer(decoder, i, w, b));
  }

  state(model: number): ModelState {
    const m = this.model(model);
    return this.run(() => ({
      parameters: m.parameters(),
      trainHeader: m.trainStateHeader(),
      optimizer: m.optimizerState(),
    }));
  }

  setState(model: number, s: ModelState): void {
    const m = this.model(model);
    this.run(() => m.setParameters(s.parameters));
    this.run(() => m.setTrainState(s.trainHeader, s.optimizer));
  }

  /** Keep a copy of the parameters inside the engine (early stopping's best epoch). */
  snapshot(model: number): void {
    this.snapshots.set(model, this.parameters(model));
  }

  /** Keep the whole training state inside the engine (the start of an epoch, to retry it). */
  saveState(model: number): void {
    this.savedStates.set(model, this.state(model));
  }

  /** Go back to the state kept by {@link saveState}. */
  restoreState(model: number): void {
    const s = this.savedStates.get(model);
    if (!s) throw new DiaboloError('E_INTERNAL', `no saved state of model #${model}`);
    this.setState(model, s);
  }

  restoreSnapshot(model: number): void {
    const p = this.snapshots.get(model);
    if (!p) throw new DiaboloError('E_INTERNAL', `no snapshot of model #${model}`);
    this.setParameters(model, p);
  }

  // --- classifiers ----------------------------------------------------------------------

  /** Softmax regression on raw inputs, or a softmax head on a copy of `bodyModel`'s encoder. */
  createClassifier(
    inputs: number,
    classes: number,
    optimizerJson: string,
    l2: number,
    seed: number,
    bodyModel?: number,
  ): number {
    const glue = this.core();
    let id: number;
    if (bodyModel === undefined) {
      id = this.track(this.run(() => new glue.Classifier(inputs, classes, optimizerJson, l2, seed)));
    } else {
      const m = this.model(bodyModel);
      id = this.track(this.run(() => glue.Classifier.fromModel(m, classes, optimizerJson, l2, seed)));
    }
    this.widths.set(id, { inputs, outputs: classes });
    return id;
  }

  setTrainBody(classifier: number, train: boolean): void {
    const c = this.classifier(classifier);
    this.run(() => c.setTrainBody(train));
  }

  classifierTrainEpoch(classifier: number, dataset: number, batchSize: number, learningRate: number): number {
    const c = this.classifier(classifier);
    const d = this.dataset(dataset);
    const { outputs } = this.widthsOf(classifier);
    // A minibatch's logits and their gradient.
    this.room('Classifier.fit', [array('logits', batchSize, outputs), array('logit gradients', batchSize, outputs)]);
    return this.run(() => c.trainEpoch(d, batchSize, learningRate));
  }

  /** `{ loss, accuracy }` on a labelled dataset. */
  classifierEvaluate(classifier: number, dataset: number): { loss: number; accuracy: number } {
    const c = this.classifier(classifier);
    const d = this.dataset(dataset);
    this.room('Classifier.evaluate', [array('probabilities', d.rows, this.widthsOf(classifier).outputs)]);
    const r = this.run(() => c.evaluate(d));
    return { loss: r[0] as number, accuracy: r[1] as number };
  }

  predictProba(classifier: number, data: Float32Array, rows: number): Float32Array {
    const c = this.classifier(classifier);
    this.room('predictProba', [
      ['input', data.length * 4],
      array('probabilities', rows, this.widthsOf(classifier).outputs),
    ]);
    return this.run(() => c.predictProba(data, rows));
  }

  classifierParameters(classifier: number): Float32Array {
    const c = this.classifier(classifier);
    return this.run(() => c.parameters());
  }

  // --- lifetime -------------------------------------------------------------------------

  /** Free a handle's WASM memory. Idempotent. */
  dispose(id: number): void {
    this.handles.get(id)?.free();
    this.handles.delete(id);
    this.snapshots.delete(id);
    this.savedStates.delete(id);
    this.slots.delete(id);
    this.widths.delete(id);
  }

  /** Live handles and the WASM memory of this engine's instance, to check that nothing leaks. */
  usage(): { handles: number; wasmBytes: number } {
    return { handles: this.handles.size, wasmBytes: this.core().memoryBytes() };
  }

  /**
   * Fault injection, for the tests of fault handling only: make the core trap (`'trap'`) or
   * run out of memory for real (`'oom'`). The engine is lost afterwards, as after any trap.
   * @internal
   */
  injectFault(kind: 'trap' | 'oom'): void {
    const glue = this.core();
    this.run(() => glue.injectFault(kind));
  }

  private core(): GlueModule {
    if (!this.glue) throw new DiaboloError('E_INTERNAL', 'engine used before init()');
    const failure = glueFailure(this.glue);
    if (failure) throw failure;
    return this.glue;
  }

  /**
   * Call into the core. Its errors become {@link DiaboloError}s; a trap (a Rust panic or an
   * allocation failure aborts the instance) leaves the instance's state undefined, so the
   * engine refuses all later calls with the same fatal error.
   */
  private run<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw this.fail(e);
      throw fromWasmError(e);
    }
  }

  private fail(trap: Error): DiaboloError {
    const glue = this.core();
    let failedBytes = 0;
    let memory = 0;
    try {
      failedBytes = glue.lastAllocationFailure();
      memory = glue.memoryBytes();
    } catch {
      // The instance may be past answering; the message then says less.
    }
    const lost = "this engine's models and datasets are lost: create them again, or load them from a saved model file";
    const error =
      failedBytes > 0
        ? new DiaboloError(
            'E_MEMORY',
            `the WASM core ran out of memory (an allocation of ${mib(failedBytes)} MiB failed; WASM memory ${mib(memory)} of at most 4096 MiB); ${lost}`,
            true,
          )
        : new DiaboloError('E_INTERNAL', `the WASM core trapped (${trap.message}); ${lost}`, true);
    markGlueFailed(this.flavor, glue, error);
    this.handles.clear();
    this.snapshots.clear();
    this.savedStates.clear();
    this.widths.clear();
    return error;
  }

  /**
   * Refuse, before anything is allocated, a request whose arrays in WASM memory — what it
   * passes in and what it returns, each named with its size — the core could not hold now:
   * one of them of 2 GiB or more, or all of them together beyond what memory can still give.
   * Every call that copies arrays in or out asks first; the facade asks too before it builds a
   * large argument itself (`interpolate`).
   */
  room(what: string, arrays: ReadonlyArray<readonly [name: string, bytes: number]>): void {
    let bytes = 0;
    for (const [name, size] of arrays) {
      checkWasmArray(`${what}: ${name}`, size);
      bytes += size;
    }
    const glue = this.core();
    if (!glue.canAllocate(bytes)) {
      throw new DiaboloError(
        'E_MEMORY',
        `${what}: ${mib(bytes)} MiB do not fit in WASM memory now (${mib(glue.memoryBytes())} MiB in use of at most 4096 MiB); nothing was changed — dispose models or datasets no longer needed, or pass smaller pieces`,
      );
    }
  }

  private widthsOf(id: number): { inputs: number; outputs: number } {
    const w = this.widths.get(id);
    if (!w) throw new DiaboloError('E_DISPOSED', `handle #${id} does not exist (disposed, or never created here)`);
    return w;
  }

  private track(value: Handle): number {
    const id = this.nextId++;
    this.handles.set(id, value);
    return id;
  }

  private get<T extends Handle>(id: number, kind: string, ctor: new (...a: never[]) => T): T {
    const v = this.handles.get(id);
    if (v === undefined)
      throw new DiaboloError('E_DISPOSED', `${kind} #${id} does not exist (disposed, or never created here)`);
    if (!(v instanceof ctor)) throw new DiaboloError('E_INTERNAL', `handle #${id} is not a ${kind}`);
    return v;
  }

  private model(id: number): WasmModel {
    return this.get(id, 'model', this.core().Model);
  }

  private dataset(id: number): WasmDataset {
    return this.get(id, 'dataset', this.core().Dataset);
  }

  private classifier(id: number): WasmClassifier {
    return this.get(id, 'classifier', this.core().Classifier);
  }
}
