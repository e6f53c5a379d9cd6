// Finishes dist/ after tsc:
// 1. The browser worker: module workers cannot use the page's import map, so it is one
//    self-contained file, dist/worker/browser.js, bundled (and minified: it repeats the
//    facade) from the compiled entry with comlink, wasm-feature-detect and the glue. Its
//    `new URL('../wasm/…', import.meta.url)` literals are kept as they are: the bundle sits
//    at the same depth as dist/core/, so they still point at dist/wasm/, and a bundler that
//    takes the worker in rewrites them. The unbundled entry is removed.
// 2. The ONNX writer, dist/interop/onnx.js, bundled (and minified) with the protobuf code it
//    uses: @bufbuild/protobuf and the official onnx.proto as the onnx-buf package compiles it.
//    The package thus has no dependency for it — nothing for users to install or to map in an
//    import map — and bundlers that do not read packages' `exports` maps (Parcel 2 by default;
//    @bufbuild/protobuf's subpaths exist only there) build it. Its own relative imports (the
//    error class, the version, the options) stay imports: it shares them with the facade, so a
//    DiaboloError it throws is the facade's. The facade loads it with import() on first use.
// 3. Comments are dropped from the rest of the shipped JavaScript (the .d.ts files keep the
//    TSDoc): the package stays within its size budget.
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

const onnx = join(dist, 'interop', 'onnx.js');
const vendored = ['@bufbuild/protobuf', 'onnx-buf'].map((name) => {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url))));
  return `${name} ${pkg.version} (${pkg.license.replace(/^\((.*)\)$/, '$1')})`;
});
await build({
  entryPoints: [onnx],
  outfile: onnx,
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2022',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
  banner: {
    js: `/*! diabolo's ONNX writer, bundled with ${vendored.join(' and ')}; onnx.proto: the ONNX project (Apache-2.0) */`,
  },
  plugins: [
    {
      name: 'keep-own-imports',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (a) => (a.importer === onnx ? { path: a.path, external: true } : undefined));
      },
    },
  ],
});

const bundles = [join(dist, 'worker', 'browser.js'), onnx];
function* jsFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* jsFiles(join(dir, e.name));
    else if (e.name.endsWith('.js') && !bundles.includes(join(dir, e.name))) yield join(dir, e.name);
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
