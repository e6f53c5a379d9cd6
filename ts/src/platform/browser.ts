import { DiaboloError } from '../base/errors.js';
import { loadError, workerOverride } from '../core/assets.js';
import type { Platform, WorkerHandle } from '../core/platform.js';
import { browserLoading } from './browser-loading.js';

/** A cross-origin module worker cannot be started directly: start a same-origin module that imports it. */
function sameOriginScript(url: string): string | URL {
  if (new URL(url).origin === globalThis.location?.origin) return url;
  const shim = new Blob([`import ${JSON.stringify(url)};\n`], { type: 'text/javascript' });
  return URL.createObjectURL(shim);
}

/** Start the worker script: the override, else the shipped one (a static literal, for bundlers). */
function startWorker(): { worker: Worker; url: string } {
  const override = workerOverride();
  if (override !== undefined)
    return { worker: new Worker(sameOriginScript(override), { type: 'module' }), url: override };
  // A self-contained bundle (scripts/bundle-worker.mjs): module workers cannot use the page's
  // import map. Written exactly so, bundlers recognise the worker and bundle it; the URL it
  // ends up at is theirs to choose, so the message names the file (the browser's console names the URL).
  const worker = new Worker(new URL('../worker/browser.js', import.meta.url), { type: 'module' });
  return { worker, url: 'the URL your page or bundler gave dist/worker/browser.js' };
}

/** Browser main thread: binaries are fetched, workers are module Web Workers. */
export const browserPlatform: Platform = {
  ...browserLoading,
  spawnWorker(): WorkerHandle {
    const { worker, url } = startWorker();
    const failures: Array<(e: DiaboloError) => void> = [];
    const fail = (e: DiaboloError) => {
      for (const f of failures) f(e);
    };
    worker.addEventListener('error', (e) => {
      // A script that cannot be fetched or parsed fires a bare Event; a runtime error an ErrorEvent.
      const message = (e as Partial<ErrorEvent>).message;
      fail(
        message
          ? new DiaboloError('E_WORKER', `worker failed: ${message}`)
          : loadError('worker/browser.js', url, 'the worker could not be started (not found, or not JavaScript)'),
      );
    });
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
