// tsc emits only what it compiles: copy what scripts/package-wasm.mjs made of the wasm-pack
// output (one glue, its types, one binary per flavour) next to the compiled facade, so that
// dist/ is self-contained. The per-flavour wasm-pack folders are build intermediates.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../ts/src/wasm', import.meta.url));
const to = fileURLToPath(new URL('../dist/wasm', import.meta.url));
if (!existsSync(join(from, 'glue.js')))
  throw new Error('ts/src/wasm/glue.js is missing: run `npm run build:wasm` first');
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) {
  if (/^(glue\.js|glue\.d\.ts|bindings\.d\.ts|diabolo-[a-z0-9]+\.wasm)$/.test(name))
    copyFileSync(join(from, name), join(to, name));
}
