import type { Flavor, Topology } from '../base/types.js';
import { adoptAssetPaths } from './assets.js';
import type { EngineApi, SetupCalls } from './calls.js';
import { classifierCalls } from './classifiers.js';
import { datasetCalls } from './datasets.js';
import { diagnosticCalls } from './diagnostics.js';
import { chooseFlavor } from './flavor.js';
import { Handles } from './handles.js';
import { modelCalls } from './models.js';
import { replicaCalls } from './replicas.js';
import { snapshotCalls } from './snapshots.js';
import { loadGlue } from './wasm.js';

/**
 * The WASM core behind numeric handles: every call of {@link EngineApi} (calls.ts). Models,
 * classifiers and datasets live in WASM memory; callers hold integer ids. The same object
 * serves inline use and, exposed through Comlink, a worker: that is what makes the two
 * bit-identical.
 */
export type Engine = EngineApi;

function setupCalls(h: Handles): SetupCalls {
  const info = () => {
    const glue = h.core();
    return { flavor: glue.buildFlavor() as Flavor, coreVersion: glue.coreVersion() };
  };
  return {
    async init(requested = 'auto', assets) {
      if (assets) adoptAssetPaths(assets);
      if (!h.loaded) {
        const flavor = await chooseFlavor(requested);
        h.load(await loadGlue(flavor), flavor);
      }
      return info();
    },
    info,
    describeModel(specJson) {
      const glue = h.core();
      return JSON.parse(h.run(() => glue.describeModel(specJson))) as Topology;
    },
  };
}

/** A new engine, with no core loaded until its `init`. */
export function createEngine(): Engine {
  const h = new Handles();
  const models = modelCalls(h);
  return {
    ...setupCalls(h),
    ...datasetCalls(h),
    ...models,
    ...replicaCalls(h),
    ...snapshotCalls(h, models),
    ...classifierCalls(h),
    ...diagnosticCalls(h),
  };
}
