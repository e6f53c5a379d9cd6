// tsc emits only what it compiles: copy the wasm-pack output (glue JS, .d.ts, .wasm) next
// to the compiled facade so that dist/ is self-contained.
import { cpSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../ts/src/wasm', import.meta.url));
const to = fileURLToPath(new URL('../dist/wasm', import.meta.url));
if (!existsSync(from)) throw new Error('ts/src/wasm is missing: run `npm run build:wasm` first');
cpSync(from, to, { recursive: true, filter: (src) => !src.endsWith('.gitignore') });
