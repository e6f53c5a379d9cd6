// tsc emits only what it compiles: copy what scripts/package-wasm.mjs made of the wasm-pack
// output (one glue, its types, one binary per flavour) next to the compiled facade, so that
// dist/ is self-contained. The per-flavour wasm-pack folders are build intermediates. The
// testing builds (conformance and benchmark hooks) go to build/testing/, outside the package.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../ts/src/wasm', import.meta.url));
if (!existsSync(join(from, 'glue.js')))
  throw new Error('ts/src/wasm/glue.js is missing: run `npm run build:wasm` first');
const packaged = /^(glue\.js|glue\.d\.ts|bindings\.d\.ts|diabolo-[a-z0-9]+\.wasm)$/;

function copyPackaged(source, target) {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(source)) {
    if (packaged.test(name)) copyFileSync(join(source, name), join(target, name));
  }
}

copyPackaged(from, fileURLToPath(new URL('../dist/wasm', import.meta.url)));
if (existsSync(join(from, 'testing', 'glue.js'))) {
  copyPackaged(join(from, 'testing'), fileURLToPath(new URL('../build/testing', import.meta.url)));
}
