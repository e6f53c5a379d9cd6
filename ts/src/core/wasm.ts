import type { DiaboloError } from '../errors.js';
import type { Flavor } from '../types.js';
import type * as Glue from '../wasm/simd128/diabolo.js';
import { platform } from './platform.js';

/** The wasm-bindgen glue of one flavour (every flavour exports the same API). */
export type GlueModule = typeof Glue;

const loaded = new Map<Flavor, Promise<GlueModule>>();
const failures = new WeakMap<GlueModule, DiaboloError>();
const memories = new WeakMap<GlueModule, WebAssembly.Memory>();
let generation = 0;

/**
 * Load and instantiate a flavour's binary once per thread (every inline engine of the thread
 * shares it). After {@link markGlueFailed}, the next load makes a fresh instance.
 */
export function loadGlue(flavor: Flavor): Promise<GlueModule> {
  let glue = loaded.get(flavor);
  if (!glue) {
    glue = (async () => {
      // A computed URL, not a literal: bundlers (the browser worker bundle) leave it alone,
      // and it resolves next to this file in dist/ and in the bundle alike. A new query
      // string is a new module record, hence a new instance with its own memory.
      const url = new URL(`../wasm/${flavor}/diabolo.js${generation ? `?instance=${generation}` : ''}`, import.meta.url)
        .href;
      const mod = (await import(/* @vite-ignore */ url)) as GlueModule;
      const source = await platform().wasmSource(flavor);
      const exports = await mod.default(source === undefined ? undefined : { module_or_path: source });
      memories.set(mod, exports.memory);
      return mod;
    })();
    loaded.set(flavor, glue);
    glue.catch(() => loaded.delete(flavor));
  }
  return glue;
}

/** The fatal error that ended `glue`'s instance, if one did. */
export function glueFailure(glue: GlueModule): DiaboloError | undefined {
  return failures.get(glue);
}

/**
 * Record that `glue`'s instance trapped: every engine on it fails with `error` from now on,
 * and the next {@link loadGlue} of the flavour instantiates the binary afresh.
 */
export function markGlueFailed(flavor: Flavor, glue: GlueModule, error: DiaboloError): void {
  failures.set(glue, error);
  loaded.delete(flavor);
  generation++;
}

/**
 * The instance's memory, for copies straight between WASM memory and shared memory (views
 * of it must be made after the last call that may grow it).
 */
export function glueMemory(glue: GlueModule): WebAssembly.Memory {
  const memory = memories.get(glue);
  if (!memory) throw new Error('glueMemory: not a loaded glue module');
  return memory;
}
