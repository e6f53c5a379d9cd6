import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { DiaboloError } from '../base/errors.js';
import { compileBytes, fetchWasm, loadError } from '../core/assets.js';
import type { Platform, WorkerHandle } from '../core/platform.js';

/** Node: binaries are read from disk (or fetched, if given as http(s) URLs); workers are worker_threads. */
export const nodePlatform: Platform = {
  async compileWasm(url, file) {
    if (url.protocol !== 'file:') return fetchWasm(url, file);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await readFile(url);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw loadError(file, fileURLToPath(url), `cannot read it (${err.code ?? err.message})`);
    }
    return compileBytes(bytes, file, fileURLToPath(url));
  },
  resolveAssetPath(path) {
    // A URL (file:, http:, …), or a file path, absolute or relative to the working directory.
    if (!isAbsolute(path) && /^[a-z][a-z0-9+.-]+:/i.test(path)) return new URL(path).href;
    const href = pathToFileURL(resolve(path)).href;
    return /[/\\]$/.test(path) && !href.endsWith('/') ? `${href}/` : href;
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
