import type { Platform, WorkerHandle } from '../core/platform.js';
import { DiaboloError } from '../errors.js';

/** Browser: the glue fetches its binary relative to itself; workers are module Web Workers. */
export const browserPlatform: Platform = {
  async wasmSource() {
    return undefined;
  },
  spawnWorker(): WorkerHandle {
    // The worker runs a self-contained bundle (scripts/bundle-worker.mjs): module workers
    // cannot use the page's import map, so comlink and wasm-feature-detect are inlined.
    const worker = new Worker(new URL('../worker/browser-entry.bundle.js', import.meta.url), { type: 'module' });
    const failures: Array<(e: DiaboloError) => void> = [];
    const fail = (e: DiaboloError) => {
      for (const f of failures) f(e);
    };
    worker.addEventListener('error', (e) => fail(new DiaboloError('E_WORKER', `worker failed: ${e.message}`)));
    return {
      endpoint: worker,
      async terminate() {
        worker.terminate();
        fail(new DiaboloError('E_DISPOSED', 'the worker was terminated'));
      },
      onFailure(callback) {
        failures.push(callback);
      },
    };
  },
};
