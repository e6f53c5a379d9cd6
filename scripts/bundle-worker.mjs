// Finishes dist/ after tsc:
// 1. The browser worker: module workers cannot use the page's import map, so it is one
//    self-contained file, dist/worker/browser.js, bundled (and minified: it repeats the
//    facade) from the compiled entry with comlink, wasm-feature-detect and the glue. Its
//    `new URL('../wasm/…', import.meta.url)` literals are kept as they are: the bundle sits
//    at the same depth as dist/core/, so they still point at dist/wasm/, and a bundler that
//    takes the worker in rewrites them. The unbundled entry is removed.
// 2. Comments are dropped from the shipped JavaScript (the .d.ts files keep the TSDoc): the
//    package stays within its size budget.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const entry = join(dist, 'worker', 'browser-entry.js');
await build({
  entryPoints: [entry],
  outfile: join(dist, 'worker', 'browser.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
for (const suffix of ['.js', '.d.ts']) rmSync(entry.replace(/\.js$/, suffix), { force: true });

function* jsFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* jsFiles(join(dir, e.name));
    else if (e.name.endsWith('.js') && !(dir.endsWith('worker') && e.name === 'browser.js')) yield join(dir, e.name);
  }
}
for (const file of jsFiles(dist)) {
  const source = readFileSync(file, 'utf8');
  const shebang = source.startsWith('#!') ? `${source.slice(0, source.indexOf('\n') + 1)}` : '';
  const { code } = await transform(source.slice(shebang.length), {
    format: 'esm',
    target: 'es2022',
    legalComments: 'inline',
    loader: 'js',
  });
  writeFileSync(file, shebang + code);
}
