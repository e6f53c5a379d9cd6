// The engine's registry: the loaded core, the integer handles callers hold and the WASM
// objects behind them, per-handle tables the calls keep, and the one way into the core
// (`run`), which turns its errors into DiaboloErrors and a trap into the end of the engine.
import { DiaboloError, fromWasmError } from '../base/errors.js';
import type { Flavor } from '../base/types.js';
import type { HandleId, SizedArray } from './calls.js';
import { checkRoom, trapError } from './memory.js';
import { type GlueModule, glueFailure, markGlueFailed } from './wasm.js';

export type WasmModel = InstanceType<GlueModule['Model']>;
export type WasmDataset = InstanceType<GlueModule['Dataset']>;
export type WasmClassifier = InstanceType<GlueModule['Classifier']>;
type Handle = WasmModel | WasmDataset | WasmClassifier;

/** Input and output widths of a model (its code) or classifier (its classes), to size what a call returns. */
export interface Widths {
  inputs: number;
  outputs: number;
}

export class Handles {
  private glue: GlueModule | undefined;
  private flavor: Flavor = 'scalar';
  private readonly handles = new Map<HandleId, Handle>();
  /** Tables of facts per handle, each forgotten with its handle (and all of them when the instance is lost). */
  private readonly tables: Map<HandleId, unknown>[] = [];
  private nextId = 1;
  /** Widths of each model and classifier. */
  readonly widths = this.table<Widths>();

  /** Whether a core is loaded (by {@link load}). */
  get loaded(): boolean {
    return this.glue !== undefined;
  }

  /** Use `glue`, an instance of `flavor`'s binary. */
  load(glue: GlueModule, flavor: Flavor): void {
    this.glue = glue;
    this.flavor = flavor;
  }

  /** A new table of facts per handle, emptied as {@link dispose} and a trap empty the registry. */
  table<T>(): Map<HandleId, T> {
    const t = new Map<HandleId, T>();
    this.tables.push(t);
    return t;
  }

  /** The loaded core; the fatal error of its instance if it trapped. */
  core(): GlueModule {
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
  run<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw this.fail(e);
      throw fromWasmError(e);
    }
  }

  private fail(trap: Error): DiaboloError {
    const glue = this.core();
    const error = trapError(glue, trap);
    markGlueFailed(this.flavor, glue, error);
    this.handles.clear();
    for (const t of this.tables) t.clear();
    return error;
  }

  /** Refuse a request whose arrays WASM memory cannot hold now (`room` in calls.ts). */
  room(what: string, arrays: ReadonlyArray<SizedArray>): void {
    checkRoom(this.core(), what, arrays);
  }

  /** Hold `value` under a new id. */
  track(value: Handle): HandleId {
    const id = this.nextId++;
    this.handles.set(id, value);
    return id;
  }

  /** Free a handle's WASM object and forget it everywhere. Idempotent. */
  dispose(id: HandleId): void {
    this.handles.get(id)?.free();
    this.handles.delete(id);
    for (const t of this.tables) t.delete(id);
  }

  /** Live handles. */
  get size(): number {
    return this.handles.size;
  }

  widthsOf(id: HandleId): Widths {
    const w = this.widths.get(id);
    if (!w) throw new DiaboloError('E_DISPOSED', `handle #${id} does not exist (disposed, or never created here)`);
    return w;
  }

  model(id: HandleId): WasmModel {
    return this.get(id, 'model', this.core().Model);
  }

  dataset(id: HandleId): WasmDataset {
    return this.get(id, 'dataset', this.core().Dataset);
  }

  classifier(id: HandleId): WasmClassifier {
    return this.get(id, 'classifier', this.core().Classifier);
  }

  /**
   * A model or a classifier: what trains, and what data-parallel replicas copy (both have
   * the same state and replica calls).
   */
  trainable(id: HandleId): WasmModel | WasmClassifier {
    const v = this.handles.get(id);
    if (v instanceof this.core().Model || v instanceof this.core().Classifier) return v;
    if (v === undefined)
      throw new DiaboloError('E_DISPOSED', `model #${id} does not exist (disposed, or never created here)`);
    throw new DiaboloError('E_INTERNAL', `handle #${id} is neither a model nor a classifier`);
  }

  private get<T extends Handle>(id: HandleId, kind: string, ctor: new (...a: never[]) => T): T {
    const v = this.handles.get(id);
    if (v === undefined)
      throw new DiaboloError('E_DISPOSED', `${kind} #${id} does not exist (disposed, or never created here)`);
    if (!(v instanceof ctor)) throw new DiaboloError('E_INTERNAL', `handle #${id} is not a ${kind}`);
    return v;
  }
}
