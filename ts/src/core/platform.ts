import type { Endpoint } from 'comlink';
import { DiaboloError } from '../errors.js';
import type { Flavor } from '../types.js';

/** A running worker as the main thread sees it. */
export interface WorkerHandle {
  /** Comlink endpoint of the worker. */
  readonly endpoint: Endpoint;
  /** Stop the worker now. */
  terminate(): Promise<void>;
  /** Register a callback for a worker that dies (uncaught error, trap, exit). */
  onFailure(callback: (error: DiaboloError) => void): void;
}

/** What differs between Node and the browser; each entry point installs its own. */
export interface Platform {
  /** What the wasm-bindgen glue should instantiate: bytes (Node) or `undefined` to let it fetch (browser). */
  wasmSource(flavor: Flavor): Promise<BufferSource | undefined>;
  /** Start a worker that hosts an engine (see `worker/host.ts`). */
  spawnWorker(): WorkerHandle;
}

let current: Platform | undefined;

export function setPlatform(p: Platform): void {
  current = p;
}

export function platform(): Platform {
  if (!current) {
    throw new DiaboloError('E_INTERNAL', 'no platform installed: import diabolo through its package entry point');
  }
  return current;
}
