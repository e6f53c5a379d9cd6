import type { DiaboloError } from '../base/errors.js';
import type { Flavor } from '../base/types.js';
import createGlue, { type Glue } from '../wasm/glue.js';
import { wasmFileName, wasmUrl } from './assets.js';
import { platform } from './platform.js';

/** The wasm-bindgen bindings of one instance of the core (every flavour has the same API). */
export type GlueModule = Glue;

const compiled = new Map<Flavor, Promise<WebAssembly.Module>>();
const loaded = new Map<Flavor, Promise<GlueModule>>();
const failures = new WeakMap<GlueModule, DiaboloError>();
const memories = new WeakMap<GlueModule, WebAssembly.Memory>();

/** A flavour's binary, fetched or read and compiled once per thread. */
function compileFlavor(flavor: Flavor): Promise<WebAssembly.Module> {
  let module = compiled.get(flavor);
  if (!module) {
    module = platform().compileWasm(wasmUrl(flavor), `wasm/${wasmFileName(flavor)}`);
    compiled.set(flavor, module);
    module.catch(() => compiled.delete(flavor));
  }
  return module;
}

/**
 * Instantiate a flavour's binary once per thread (every inline engine of the thread shares
 * the instance). After {@link markGlueFailed}, the next load makes a fresh instance.
 */
export function loadGlue(flavor: Flavor): Promise<GlueModule> {
  let glue = loaded.get(flavor);
  if (!glue) {
    glue = (async () => {
      const module = await compileFlavor(flavor);
      // A fresh set of bindings: its own instance, memory and handle tables.
      const bindings = createGlue();
      const exports = await bindings.instantiate(module);
      memories.set(bindings, exports.memory);
      return bindings;
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
