import type { Flavor } from '../types.js';
import type * as Glue from '../wasm/simd128/diabolo.js';
import { platform } from './platform.js';

/** The wasm-bindgen glue of one flavour (every flavour exports the same API). */
export type GlueModule = typeof Glue;

const loaded = new Map<Flavor, Promise<GlueModule>>();

/** Load and instantiate a flavour's binary once per thread. */
export function loadGlue(flavor: Flavor): Promise<GlueModule> {
  let glue = loaded.get(flavor);
  if (!glue) {
    glue = (async () => {
      // A computed URL, not a literal: bundlers (the browser worker bundle) leave it alone,
      // and it resolves next to this file in dist/ and in the bundle alike.
      const url = new URL(`../wasm/${flavor}/diabolo.js`, import.meta.url).href;
      const mod = (await import(/* @vite-ignore */ url)) as GlueModule;
      const source = await platform().wasmSource(flavor);
      await mod.default(source === undefined ? undefined : { module_or_path: source });
      return mod;
    })();
    loaded.set(flavor, glue);
    glue.catch(() => loaded.delete(flavor));
  }
  return glue;
}
