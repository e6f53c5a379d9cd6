// What every browser thread needs to load the core. Kept apart from platform/browser.ts,
// which starts workers: diabolo's own worker bundle must hold no reference to the worker
// script, or bundlers would emit a nested copy of it.

import { DiaboloError } from '../base/errors.js';
import { fetchWasm } from '../core/assets.js';
import type { Platform } from '../core/platform.js';

/** What a browser thread needs to load the core: binaries are fetched (streaming compile). */
export const browserLoading: Omit<Platform, 'spawnWorker'> = {
  compileWasm: fetchWasm,
  resolveAssetPath(path) {
    return new URL(path, globalThis.document?.baseURI ?? globalThis.location?.href).href;
  },
};

/**
 * Inside diabolo's worker: it loads the core and never starts workers, so its bundle holds no
 * reference to the worker script (bundlers would otherwise emit a nested copy of it).
 */
export const browserWorkerPlatform: Platform = {
  ...browserLoading,
  spawnWorker() {
    throw new DiaboloError('E_INTERNAL', "diabolo's worker does not start workers");
  },
};
