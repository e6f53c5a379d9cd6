import { DiaboloError, wasmCall } from '../errors.js';
import type { ResolvedAutoencoderConfig } from '../model/config.js';
import type { EngineInfo, Flavor } from '../types.js';
import { chooseFlavor } from './flavor.js';
import { type GlueModule, loadGlue } from './wasm.js';

type WasmModel = InstanceType<GlueModule['Model']>;
type WasmDataset = InstanceType<GlueModule['Dataset']>;

/** One epoch's outcome as the engine reports it. */
export interface EpochResult {
  loss: number;
  batches: number;
  samples: number;
  ms: number;
}

/**
 * The WASM core behind numeric handles. Models and datasets live in WASM memory; callers
 * hold integer ids. The same object serves inline use and, exposed through Comlink, a
 * worker: that is what makes the two bit-identical.
 */
export class Engine {
  private glue: GlueModule | undefined;
  private readonly models = new Map<number, WasmModel>();
  private readonly datasets = new Map<number, WasmDataset>();
  private nextId = 1;

  /** Load the core (once); later calls return the same info. */
  async init(requested: Flavor | 'auto' = 'auto'): Promise<EngineInfo> {
    if (!this.glue) {
      this.glue = await loadGlue(await chooseFlavor(requested));
    }
    return this.info();
  }

  info(): EngineInfo {
    const glue = this.core();
    return { flavor: glue.buildFlavor() as Flavor, coreVersion: glue.coreVersion() };
  }

  createModel(c: ResolvedAutoencoderConfig): number {
    const glue = this.core();
    const model = wasmCall(
      () =>
        new glue.Model(
          c.inputSize,
          c.hiddenSize,
          c.hiddenActivation,
          c.outputActivation,
          c.activationAlpha,
          c.loss,
          c.seed,
        ),
    );
    return this.track(this.models, model);
  }

  /** Copy a dataset into WASM memory once; epochs then read it from there. */
  uploadDataset(data: Float32Array, rows: number, cols: number): number {
    const glue = this.core();
    return this.track(
      this.datasets,
      wasmCall(() => new glue.Dataset(data, rows, cols)),
    );
  }

  trainEpoch(model: number, dataset: number, batchSize: number, learningRate: number): EpochResult {
    const m = this.get(this.models, model, 'model');
    const d = this.get(this.datasets, dataset, 'dataset');
    const t0 = performance.now();
    const r = wasmCall(() => m.trainEpoch(d, batchSize, learningRate));
    return { loss: r[0] as number, batches: r[1] as number, samples: r[2] as number, ms: performance.now() - t0 };
  }

  encode(model: number, data: Float32Array, rows: number): Float32Array {
    const m = this.get(this.models, model, 'model');
    return wasmCall(() => m.encode(data, rows));
  }

  reconstruct(model: number, data: Float32Array, rows: number): Float32Array {
    const m = this.get(this.models, model, 'model');
    return wasmCall(() => m.reconstruct(data, rows));
  }

  sampleLosses(model: number, data: Float32Array, rows: number): Float64Array {
    const m = this.get(this.models, model, 'model');
    return wasmCall(() => m.sampleLosses(data, rows));
  }

  parameters(model: number): Float32Array {
    return this.get(this.models, model, 'model').parameters();
  }

  setParameters(model: number, params: Float32Array): void {
    const m = this.get(this.models, model, 'model');
    wasmCall(() => m.setParameters(params));
  }

  /** Free a model's WASM memory. Idempotent. */
  disposeModel(model: number): void {
    this.models.get(model)?.free();
    this.models.delete(model);
  }

  /** Free a dataset's WASM memory. Idempotent. */
  disposeDataset(dataset: number): void {
    this.datasets.get(dataset)?.free();
    this.datasets.delete(dataset);
  }

  /** Live handles, to check that nothing leaks. */
  liveHandles(): { models: number; datasets: number } {
    return { models: this.models.size, datasets: this.datasets.size };
  }

  private core(): GlueModule {
    if (!this.glue) throw new DiaboloError('E_INTERNAL', 'engine used before init()');
    return this.glue;
  }

  private track<T>(map: Map<number, T>, value: T): number {
    const id = this.nextId++;
    map.set(id, value);
    return id;
  }

  private get<T>(map: Map<number, T>, id: number, kind: string): T {
    const v = map.get(id);
    if (v === undefined)
      throw new DiaboloError('E_DISPOSED', `${kind} #${id} does not exist (disposed, or never created here)`);
    return v;
  }
}
