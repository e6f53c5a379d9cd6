// Where the core's binaries and the browser worker script come from.
//
// Every default location is a static `new URL('literal', import.meta.url)`, one per file, so
// that bundlers that follow the pattern (Vite, webpack 5, Parcel) see each file, emit it and
// rewrite the URL with no configuration (Rollup and esbuild do not: `setAssetPaths`). This module and the browser worker bundle
// (dist/worker/browser.js) sit at the same depth under dist/, so the same relative literals
// hold in both.
import { invalid as invalidValue } from '../base/check.js';
import { DiaboloError } from '../base/errors.js';
import type { Flavor } from '../base/types.js';
import { FLAVORS } from './flavor.js';
import { platform } from './platform.js';

/** Where to take the core's binaries and the browser worker script from (see {@link setAssetPaths}). */
export interface AssetPaths {
  /**
   * The WebAssembly binaries: a folder URL (ending in `/`) holding `diabolo-relaxed.wasm`,
   * `diabolo-simd128.wasm` and `diabolo-scalar.wasm` as the package ships them in
   * `dist/wasm/`, or a URL per flavour (flavours left out keep their default).
   */
  wasm?: string | URL | Partial<Record<Flavor, string | URL>>;
  /**
   * The browser worker script (`dist/worker/browser.js` of the package). It may be on
   * another origin (a CDN): diabolo then starts it through a same-origin module that imports it.
   */
  worker?: string | URL;
}

/** The overrides in force, as absolute URLs (what a worker receives from its creator). */
export interface ResolvedAssetPaths {
  wasm: Partial<Record<Flavor, string>>;
  worker?: string;
}

let resolved: ResolvedAssetPaths = { wasm: {} };

/** The file name of each flavour's binary in dist/wasm/. */
export function wasmFileName(flavor: Flavor): string {
  return `diabolo-${flavor}.wasm`;
}

/** The shipped binary of a flavour: one literal per file, for bundlers. */
function shippedWasmUrl(flavor: Flavor): URL {
  switch (flavor) {
    case 'relaxed':
      return new URL('../wasm/diabolo-relaxed.wasm', import.meta.url);
    case 'simd128':
      return new URL('../wasm/diabolo-simd128.wasm', import.meta.url);
    case 'scalar':
      return new URL('../wasm/diabolo-scalar.wasm', import.meta.url);
  }
}

/** Where the binary of `flavor` is loaded from. */
export function wasmUrl(flavor: Flavor): URL {
  const override = resolved.wasm[flavor];
  return override === undefined ? shippedWasmUrl(flavor) : new URL(override);
}

/** The browser worker script set with {@link setAssetPaths}, if any. */
export function workerOverride(): string | undefined {
  return resolved.worker;
}

const copyOf = (p: ResolvedAssetPaths): ResolvedAssetPaths => ({
  wasm: { ...p.wasm },
  ...(p.worker === undefined ? {} : { worker: p.worker }),
});

/** The overrides in force (a worker's creator passes them on to it). */
export function assetPaths(): ResolvedAssetPaths {
  return copyOf(resolved);
}

/** Adopt overrides already resolved by another thread. */
export function adoptAssetPaths(paths: ResolvedAssetPaths): void {
  resolved = copyOf(paths);
}

const invalid = (what: string, value: unknown, expected: string) =>
  invalidValue(`setAssetPaths: ${what}`, value, expected);

function toHref(what: string, value: unknown, base: (path: string) => string): string {
  if (value instanceof URL) return value.href;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(what, value, 'a non-empty string or URL');
  try {
    return base(value);
  } catch {
    throw invalid(what, value, 'a URL or path');
  }
}

/** {@link setAssetPaths} with the platform's way of resolving relative locations. */
export function applyAssetPaths(paths: AssetPaths, resolve: (path: string) => string): void {
  if (paths === null || typeof paths !== 'object') throw invalid('paths', paths, 'an object { wasm?, worker? }');
  for (const key of Object.keys(paths)) {
    if (key !== 'wasm' && key !== 'worker') throw invalid(`paths.${key}`, key, 'only the keys wasm and worker');
  }
  const next: ResolvedAssetPaths = { wasm: {} };
  const { wasm, worker } = paths;
  if (typeof wasm === 'string' || wasm instanceof URL) {
    const folder = toHref('wasm', wasm, resolve);
    if (!folder.endsWith('/')) {
      throw invalid(
        'wasm',
        wasm,
        `a folder URL ending in "/" (or an object with a URL per flavour: ${FLAVORS.join(', ')})`,
      );
    }
    for (const f of FLAVORS) next.wasm[f] = new URL(wasmFileName(f), folder).href;
  } else if (wasm !== undefined) {
    if (wasm === null || typeof wasm !== 'object')
      throw invalid('wasm', wasm, 'a folder URL or { relaxed?, simd128?, scalar? }');
    for (const [key, url] of Object.entries(wasm)) {
      if (!(FLAVORS as readonly string[]).includes(key))
        throw invalid(`wasm.${key}`, key, `one of ${FLAVORS.join(', ')}`);
      if (url !== undefined) next.wasm[key as Flavor] = toHref(`wasm.${key}`, url, resolve);
    }
  }
  if (worker !== undefined) next.worker = toHref('worker', worker, resolve);
  resolved = next;
}

/**
 * Tell diabolo where its binaries and its browser worker script are, when they are not where
 * the package puts them: self-hosted, on a CDN, or moved by a build step. Relative values are
 * resolved now, against the page's URL in a browser and the working directory in Node (where
 * paths and `file:` / `http(s):` URLs are accepted). Call it before the first model or engine
 * is created; engines already running keep what they loaded. `setAssetPaths({})` restores the
 * defaults.
 *
 * @example
 * setAssetPaths({ wasm: 'https://cdn.example.com/diabolo@0.1.0/dist/wasm/' });
 */
export function setAssetPaths(paths: AssetPaths): void {
  applyAssetPaths(paths, (path) => platform().resolveAssetPath(path));
}

/**
 * An `E_LOAD` error naming the file (its path in the package's dist/, e.g.
 * `wasm/diabolo-simd128.wasm` or `worker/browser.js`), the URL tried, what happened, and
 * the way out.
 */
export function loadError(file: string, url: string, problem: string): DiaboloError {
  const worker = file.startsWith('worker/');
  const what = worker ? "diabolo's worker script" : "diabolo's WebAssembly binary";
  // Dev servers that pre-bundle dependencies into a cache folder without rewriting
  // `new URL(…, import.meta.url)` (Vite before 8: vitejs/vite#8427) move the code away from its files.
  const moved = url.includes('/node_modules/.vite/')
    ? " (your dev server's dependency pre-bundling moved diabolo's code away from its files: exclude diabolo from it, e.g. Vite's optimizeDeps: { exclude: ['diabolo'] })"
    : '';
  return new DiaboloError(
    'E_LOAD',
    `could not load ${what} from ${url}: ${problem}${moved}. Serve (or copy) dist/${file} of the diabolo package at that location, or tell diabolo where it is with setAssetPaths({ ${worker ? 'worker' : 'wasm'}: … }) before creating a model`,
  );
}

/** Compile a binary that is already in memory; a file that is not WebAssembly says so. */
export async function compileBytes(bytes: BufferSource, file: string, url: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    const view = ArrayBuffer.isView(bytes)
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new Uint8Array(bytes);
    const magic = view[0] === 0 && view[1] === 0x61 && view[2] === 0x73 && view[3] === 0x6d;
    const head = new TextDecoder().decode(view.subarray(0, 40)).replace(/\s+/g, ' ');
    throw loadError(
      file,
      url,
      magic
        ? `it is not a binary this runtime can compile (${(e as Error).message})`
        : `what came back is not WebAssembly (${view.length} bytes starting ${JSON.stringify(head)})`,
    );
  }
}

/** Fetch and compile a binary over HTTP(S) (or any URL `fetch` takes), with clear failures. */
export async function fetchWasm(url: URL, file: string): Promise<WebAssembly.Module> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw loadError(file, url.href, `the request failed (${(e as Error).message})`);
  }
  if (!response.ok) throw loadError(file, url.href, `HTTP ${response.status} ${response.statusText}`.trim());
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('text/html')) {
    throw loadError(
      file,
      url.href,
      'the server answered with an HTML page, not the binary (the file is not at that path)',
    );
  }
  if (type.startsWith('application/wasm') && typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (e) {
      // Only on failure are the bytes needed (to say what came back): fetch them again rather
      // than keep a second copy of every binary that compiles.
      let bytes: ArrayBuffer;
      try {
        bytes = await (await fetch(url)).arrayBuffer();
      } catch {
        throw loadError(file, url.href, `it does not compile (${(e as Error).message})`);
      }
      return compileBytes(bytes, file, url.href);
    }
  }
  return compileBytes(await response.arrayBuffer(), file, url.href);
}
