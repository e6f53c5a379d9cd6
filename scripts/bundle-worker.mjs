// Module workers cannot use the page's import map, so the browser worker entry is bundled
// with its dependencies (comlink, wasm-feature-detect) into one file next to the compiled
// one. The wasm glue stays separate: it is loaded by computed URL at run time.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../dist/worker/browser-entry.js', import.meta.url).pathname],
  outfile: new URL('../dist/worker/browser-entry.bundle.js', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});
