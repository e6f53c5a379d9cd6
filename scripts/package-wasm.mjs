// Turns wasm-pack's per-flavour output (ts/src/wasm/<flavour>/) into what the package ships,
// in ts/src/wasm/ (tsc reads the types from there; copy-wasm.mjs copies it into dist/wasm/):
//
//   diabolo-<flavour>.wasm   each binary, without its debug-only custom sections
//   glue.js                  ONE wasm-bindgen glue for every flavour (they are identical), made
//                            into a factory: `createGlue()` returns a fresh set of bindings with
//                            its own instance state and an `instantiate(module)`, so one
//                            thread can hold several instances
//                            (flavours, or a new instance after a trap) without loading the
//                            module twice. The glue's own fallback `new URL('diabolo_bg.wasm',
//                            import.meta.url)` is removed: bundlers would try to emit a file
//                            that is not shipped; diabolo always hands the glue a compiled module.
//   glue.d.ts, bindings.d.ts their types
//
// Every rewrite is checked: if a new wasm-bindgen emits another shape, this fails loudly.
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The binary without its custom sections "name" (function names, for stack traces) and
 * "producers" (toolchain versions): a seventh of its size, nothing the code uses.
 */
function stripCustomSections(bytes) {
  const keep = [bytes.subarray(0, 8)];
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    let drop = false;
    if (id === 0) {
      const len = leb();
      const name = new TextDecoder().decode(bytes.subarray(at, at + len));
      drop = name === 'name' || name === 'producers';
    }
    if (!drop) keep.push(bytes.subarray(start, end));
    at = end;
  }
  if (at !== bytes.length) throw new Error('package-wasm: a binary ends inside a section');
  return Buffer.concat(keep);
}

/** Package the flavours built in `wasmDir` (see the top of this file). */
function packageWasm(wasmDir) {
  const where = wasmDir.replace(/\/$/, '').endsWith('testing') ? 'testing/' : '';
  // Every flavour wasm-pack built here (a folder holding its glue): build-wasm.mjs owns the list.
  const built = readdirSync(wasmDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(wasmDir, d.name, 'diabolo.js')))
    .map((d) => d.name);
  if (built.length === 0) throw new Error('package-wasm: no flavour built in ts/src/wasm/: run npm run build:wasm');

  // One glue for all: refuse to ship if the flavours' glue differs.
  const glueOf = (f) => readFileSync(join(wasmDir, f, 'diabolo.js'), 'utf8');
  const glue = glueOf(built[0]);
  for (const f of built.slice(1)) {
    if (glueOf(f) !== glue) throw new Error(`package-wasm: the wasm-bindgen glue of ${f} differs from ${built[0]}'s`);
  }

  /** Replace exactly one occurrence of `from`, or fail. */
  function replaceOnce(text, from, to, what) {
    const at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0)
      throw new Error(`package-wasm: expected exactly one ${what} in the glue`);
    return text.slice(0, at) + to + text.slice(at + from.length);
  }

  let body = glue.replace(/^\/\* @ts-self-types=.*\*\/\n/, '');
  body = replaceOnce(body, 'export { initSync, __wbg_init as default };', '', 'export list');
  body = replaceOnce(
    body,
    "module_or_path = new URL('diabolo_bg.wasm', import.meta.url);",
    "throw new Error('diabolo glue: no binary given');",
    'default binary URL',
  );
  const names = [];
  body = body.replace(/^export (class|function) ([A-Za-z_$][\w$]*)/gm, (_, kind, name) => {
    names.push(name);
    return `${kind} ${name}`;
  });
  if (/^export\b/m.test(body) || /import\.meta/.test(body)) {
    throw new Error('package-wasm: the glue has an export or import.meta this script does not know');
  }
  for (const needed of ['Model', 'Dataset', 'Classifier', 'coreVersion']) {
    if (!names.includes(needed)) throw new Error(`package-wasm: the glue exports no ${needed}`);
  }
  // The way diabolo instantiates: from a compiled module, asynchronously, without the glue's
  // loader — which probes the globals Response and Request, and in Node touching those loads
  // the whole fetch implementation (~40 ms of cold start).
  if (
    !body.includes('function __wbg_finalize_init(instance, module)') ||
    !body.includes('function __wbg_get_imports()')
  ) {
    throw new Error('package-wasm: the glue has no __wbg_finalize_init / __wbg_get_imports');
  }
  body += `
  async function instantiate(module) {
      if (wasm !== undefined) return wasm;
      const instance = await WebAssembly.instantiate(module, __wbg_get_imports());
      return __wbg_finalize_init(instance, module);
  }
  `;
  const indented = body
    .trim()
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
  writeFileSync(
    join(wasmDir, 'glue.js'),
    `/* @ts-self-types="./glue.d.ts" */
  // Generated by scripts/package-wasm.mjs from wasm-bindgen's output: do not edit.
  export default function createGlue() {
  ${indented}
    return { ${names.join(', ')}, instantiate, initSync, default: __wbg_init };
  }
  `,
  );
  copyFileSync(join(wasmDir, built[0], 'diabolo.d.ts'), join(wasmDir, 'bindings.d.ts'));
  writeFileSync(
    join(wasmDir, 'glue.d.ts'),
    `// Generated by scripts/package-wasm.mjs: do not edit.
  import type * as Bindings from './bindings.js';

  /** wasm-bindgen's bindings of one instance of the core. */
  export type Glue = typeof Bindings & {
    /** Instantiate a compiled module for these bindings (once; later calls return the same exports). */
    instantiate(module: WebAssembly.Module): Promise<Bindings.InitOutput>;
  };

  /** A fresh set of bindings with its own instance state (instantiate it with \`instantiate\`). */
  export default function createGlue(): Glue;
  `,
  );

  for (const f of built) {
    const bytes = readFileSync(join(wasmDir, f, 'diabolo_bg.wasm'));
    const stripped = stripCustomSections(bytes);
    // (Node 20 cannot validate the relaxed build without a flag: compare with the original.)
    if (WebAssembly.validate(bytes) !== WebAssembly.validate(stripped))
      throw new Error(`package-wasm: ${f} is not valid after stripping`);
    writeFileSync(join(wasmDir, `diabolo-${f}.wasm`), stripped);
    console.log(`[package-wasm] ${where}diabolo-${f}.wasm: ${bytes.length} → ${stripped.length} bytes`);
  }
  console.log(`[package-wasm] ${where}glue.js: one factory for ${built.join(', ')} (${names.length} exports)`);
}

const wasm = fileURLToPath(new URL('../ts/src/wasm/', import.meta.url));
packageWasm(wasm);
// The testing builds (conformance and benchmark hooks), packaged the same way beside them.
if (existsSync(join(wasm, 'testing'))) packageWasm(join(wasm, 'testing'));
