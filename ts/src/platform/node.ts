import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Platform, WorkerHandle } from '../core/platform.js';
import { DiaboloError } from '../errors.js';
import type { Flavor } from '../types.js';

/** Node: binaries are read from disk next to the glue; workers are worker_threads. */
export const nodePlatform: Platform = {
  async wasmSource(flavor: Flavor) {
    return readFile(new URL(`../wasm/${flavor}/diabolo_bg.wasm`, import.meta.url));
  },
  spawnWorker(): WorkerHandle {
    const worker = new Worker(new URL('../worker/node-entry.js', import.meta.url));
    let terminating = false;
    return {
      endpoint: nodeEndpoint(worker),
      async terminate() {
        terminating = true;
        await worker.terminate();
      },
      onFailure(callback) {
        worker.on('error', (e: Error) => callback(new DiaboloError('E_WORKER', `worker failed: ${e.message}`)));
        worker.on('exit', (code: number) =>
          callback(
            new DiaboloError(
              terminating ? 'E_DISPOSED' : 'E_WORKER',
              terminating ? 'the worker was terminated' : `worker exited unexpectedly with code ${code}`,
            ),
          ),
        );
      },
    };
  },
};
