import type { Endpoint } from 'comlink';
import { DiaboloError } from '../base/errors.js';

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
  /**
   * Read or fetch a core binary and compile it; failures are `E_LOAD` errors naming `url`
   * and `file`, the binary's path in the package's dist/.
   */
  compileWasm(url: URL, file: string): Promise<WebAssembly.Module>;
  /** A location given to `setAssetPaths`, as an absolute URL (page URL / working directory as base). */
  resolveAssetPath(path: string): string;
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
