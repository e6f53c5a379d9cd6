// Put the package's browser build (JS modules, the bundled worker, the .wasm binaries) and
// its three runtime dependencies into studio/public, which Vite serves as-is in dev and copies
// verbatim into the static build: the package then finds its worker and binaries next to
// itself, exactly as it does for any page that imports dist/index.browser.js.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { extname } from 'node:path';

const root = new URL('../', import.meta.url);
const dist = new URL('dist/', root);
const out = new URL('studio/public/', root);
if (!existsSync(new URL('index.browser.js', dist))) {
  console.error('studio-assets: dist/ is not built: run npm run build first');
  process.exit(1);
}
const keep = new Set(['.js', '.wasm']);
rmSync(new URL('diabolo/', out), { recursive: true, force: true });
cpSync(dist, new URL('diabolo/', out), {
  recursive: true,
  filter: (src) => !extname(src) || keep.has(extname(src)),
});
mkdirSync(new URL('vendor/', out), { recursive: true });
cpSync(new URL('node_modules/comlink/dist/esm/comlink.mjs', root), new URL('vendor/comlink.mjs', out));
cpSync(
  new URL('node_modules/wasm-feature-detect/dist/esm/index.js', root),
  new URL('vendor/wasm-feature-detect.js', out),
);
// scikit-learn's 8×8 digits (BSD-licensed, 1 797 images), when scripts/fetch-data.sh has
// found them: the page offers them as a built-in set and disables that choice otherwise.
const digits = [
  process.env.DIABOLO_DIGITS,
  '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz',
  new URL('.cache/sklearn-digits.csv.gz', root).pathname,
].find((p) => p && existsSync(p));
rmSync(new URL('data/', out), { recursive: true, force: true });
if (digits) {
  mkdirSync(new URL('data/', out), { recursive: true });
  cpSync(digits, new URL('data/digits.csv.gz', out));
}
console.log(
  `studio-assets: dist/ → studio/public/diabolo, comlink and wasm-feature-detect → studio/public/vendor, ${digits ? `${digits} → studio/public/data` : 'no 8×8 digits (run scripts/fetch-data.sh)'}`,
);
