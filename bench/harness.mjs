// Shared pieces of the benchmarks: loading a built flavour of the core outside the facade,
// and timing with the best of several trials (this machine is shared and noisy: the
// fastest trial is the one least disturbed).
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { relaxedSimd } from 'wasm-feature-detect';

/**
 * A fresh instance of one flavour of the core: the shipped binary (dist/wasm/), or with
 * `hooks` its testing build with the benchmark hooks (GemmBench, the peak loops), from
 * build/testing/ — of this checkout, or of the copy of a build at `root` (a URL).
 */
export async function loadFlavor(flavor, { hooks = true, root = new URL('../', import.meta.url) } = {}) {
  const dir = new URL(hooks ? 'build/testing/' : 'dist/wasm/', root);
  const { default: createGlue } = await import(new URL('glue.js', dir).href);
  const glue = createGlue();
  await glue.instantiate(await WebAssembly.compile(await readFile(new URL(`diabolo-${flavor}.wasm`, dir))));
  return glue;
}

/**
 * Seconds per call of `run(reps)` / reps: reps grow until one trial takes `minSeconds`,
 * then the best of `trials` trials counts.
 */
export function bestSeconds(run, { trials = 5, minSeconds = 0.1 } = {}) {
  run(1);
  let reps = 1;
  for (;;) {
    const t = performance.now();
    run(reps);
    if ((performance.now() - t) / 1000 >= minSeconds) break;
    reps *= 2;
  }
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < trials; i++) {
    const t = performance.now();
    run(reps);
    best = Math.min(best, (performance.now() - t) / 1000 / reps);
  }
  return best;
}

/** Parse `--name value` and `--flag` arguments. */
export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = true;
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

/** Print rows as an aligned text table. */
export function table(header, rows) {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n');
}

/**
 * Whether this process can run relaxed SIMD. Node 20 has it only behind a flag: without it,
 * the script runs again with the flag (once) and this process exits with that run's status.
 */
export async function relaxedSimdOrRelaunch() {
  if (await relaxedSimd()) return true;
  const flag = '--experimental-wasm-relaxed-simd';
  if (process.execArgv.includes(flag)) return false;
  const r = spawnSync(process.execPath, [flag, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

/** Mean and sample standard deviation (0 for a single value). */
export function spread(values) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, sd };
}

/** Rows `[from, to)` of a matrix (with its labels, if it has some), without copying. */
export function rowsOf(set, from, to) {
  return {
    rows: to - from,
    cols: set.cols,
    data: set.data.subarray(from * set.cols, to * set.cols),
    ...(set.labels ? { labels: set.labels.subarray(from, to) } : {}),
  };
}
