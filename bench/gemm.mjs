// npm run bench:gemm [-- --quick]
// GEMM GFLOP/s of the three products of training (forward X·Wᵀ, input gradient dA·W,
// weight gradient dAᵀ·X) for B ∈ {32,128,256} × 784 × H ∈ {64,256,512}, through every wasm
// build (scalar, simd128, relaxed) and the same Rust GEMM built natively (its f32 micro-kernel,
// chosen at run time on x86_64 — avx512f, avx2+fma or portable — is named in the table;
// DIABOLO_NATIVE_KERNEL=portable runs the wasm builds' plain Rust kernel instead). Each wasm
// GEMM is reported as a fraction of the f32x4 mul+add ceiling (relaxed: of the relaxed-madd
// ceiling) measured in the same process, in the same rounds: the faster of a peak loop
// (crates/diabolo-core/src/testing/peak.rs) and the register-tile probes of bench/tiles.mjs, which
// also show what each tile shape can reach at best. Writes bench/out/gemm.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relaxedSimd } from 'wasm-feature-detect';
import { args, bestSeconds, loadFlavor, table } from './harness.mjs';
import { tileProbes } from './tiles.mjs';

const opts = args();
const quick = Boolean(opts.quick);
const timing = quick ? { trials: 2, minSeconds: 0.03 } : { trials: 5, minSeconds: 0.1 };
const OPS = ['forward', 'inputGrad', 'weightGrad'];
const BATCHES = [32, 128, 256];
const HIDDEN = [64, 256, 512];
const INPUTS = 784;

function ceiling(glue, kind) {
  const iters = 200_000;
  const f = kind === 'relaxedMadd' ? (i) => glue.relaxedMaddPeak(i, 1) : (i) => glue.mulAddPeak(i, 1);
  const s = bestSeconds((reps) => {
    for (let r = 0; r < reps; r++) f(iters);
  }, timing);
  return (iters * glue.peakFlopsPerIter()) / s / 1e9;
}

/**
 * Child mode: time every wasm build in this one process, in rounds. Each round measures
 * the ceilings and every (build, op, shape) once (best of a few trials); over the rounds
 * the fastest time and the highest ceiling count. A burst of load from elsewhere on the
 * machine then spoils one round, not one build's whole column.
 */
async function measureAll() {
  const glues = {};
  for (const flavor of ['simd128', 'relaxed', 'scalar']) glues[flavor] = await loadFlavor(flavor);
  const rounds = quick ? 1 : 3;
  const ceil = { mulAdd: 0, relaxedMadd: 0 };
  const best = new Map();
  const benches = [];
  for (const flavor of Object.keys(glues)) {
    for (const op of OPS) {
      for (const b of BATCHES) {
        for (const h of HIDDEN) {
          const [m, k, n] = op === 'forward' ? [b, INPUTS, h] : op === 'inputGrad' ? [b, h, INPUTS] : [h, b, INPUTS];
          benches.push({ flavor, op, m, k, n, bench: new glues[flavor].GemmBench(op, b, INPUTS, h) });
        }
      }
    }
  }
  const probes = (await tileProbes()) ?? [];
  const tileBest = new Map();
  for (let r = 0; r < rounds; r++) {
    ceil.mulAdd = Math.max(ceil.mulAdd, ceiling(glues.simd128, 'mulAdd'));
    ceil.relaxedMadd = Math.max(ceil.relaxedMadd, ceiling(glues.relaxed, 'relaxedMadd'));
    for (const p of probes) {
      const iters = 256 * 400;
      const s = bestSeconds((reps) => {
        for (let i = 0; i < reps; i++) p.run(iters);
      }, timing);
      tileBest.set(p, Math.max(tileBest.get(p) ?? 0, (iters * p.flopsPerIter) / s / 1e9));
    }
    for (const x of benches) {
      const t = x.flavor === 'scalar' ? { trials: 1, minSeconds: 0.05 } : timing;
      const s = bestSeconds((reps) => x.bench.run(reps), t);
      best.set(x, Math.min(best.get(x) ?? Number.POSITIVE_INFINITY, s));
    }
  }
  // The ceiling is the fastest multiply-add code seen in this run: the peak loop (a chain
  // through mul and add, latency-bound where the adder is fast) or the best register-tile
  // probe (a chain through the add only, as in a GEMM), whichever ran faster.
  const loops = { ...ceil };
  for (const p of probes) ceil[p.op] = Math.max(ceil[p.op], tileBest.get(p));
  const rows = benches.map((x) => {
    const gflops = x.bench.flops() / best.get(x) / 1e9;
    const c = x.flavor === 'relaxed' ? ceil.relaxedMadd : ceil.mulAdd;
    return { build: x.flavor, op: x.op, m: x.m, k: x.k, n: x.n, gflops, fraction: gflops / c };
  });
  const tiles = probes.map((p) => ({
    tile: p.tile,
    accumulators: p.accumulators,
    op: p.op,
    gflops: tileBest.get(p),
    fraction: tileBest.get(p) / ceil[p.op],
  }));
  process.stdout.write(JSON.stringify({ ceiling: ceil, loops, rows, tiles }));
}

function runChild(nodeFlags) {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [...nodeFlags, script, '--child', ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out);
}

function runNative() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync(
    'cargo',
    [
      'run',
      '-q',
      '--release',
      '-p',
      'diabolo-core',
      '--features',
      'testing',
      '--example',
      'gemm_bench',
      '--',
      ...(quick ? ['--quick'] : []),
    ],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, RUSTFLAGS: '-C target-cpu=native', CARGO_TARGET_DIR: `${root}/target/native-bench` },
    },
  );
  const { kernel, rows } = JSON.parse(out);
  return { kernel, rows: rows.map((r) => ({ ...r, kernel, fraction: null })) };
}

async function main() {
  // Node 20 has relaxed SIMD behind a flag; newer runtimes have it on.
  const relaxedFlags = (await relaxedSimd()) ? [] : ['--experimental-wasm-relaxed-simd'];
  console.error('[bench:gemm] wasm builds (scalar, simd128, relaxed), interleaved…');
  const wasm = runChild(relaxedFlags);
  console.error('[bench:gemm] native…');
  const native = runNative();
  const rows = [...wasm.rows, ...native.rows];
  const report = {
    ceiling: wasm.ceiling,
    peakLoops: wasm.loops,
    machine: machine(),
    nativeKernel: native.kernel,
    rows,
    tileLimits: wasm.tiles,
  };
  const outDir = new URL('out/', import.meta.url);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(new URL('gemm.json', outDir), `${JSON.stringify(report, null, 2)}\n`);

  const find = (build, op, m, k, n) =>
    rows.find((r) => r.build === build && r.op === op && r.m === m && r.k === k && r.n === n);
  const body = [];
  for (const r of rows.filter((x) => x.build === 'simd128')) {
    const [sc, rx, nat] = ['scalar', 'relaxed', 'native'].map((b) => find(b, r.op, r.m, r.k, r.n));
    body.push([
      r.op,
      `${r.m}×${r.k}×${r.n}`,
      sc.gflops.toFixed(1),
      `${r.gflops.toFixed(1)} (${(100 * r.fraction).toFixed(0)}%)`,
      `${rx.gflops.toFixed(1)} (${(100 * rx.fraction).toFixed(0)}%)`,
      nat.gflops.toFixed(1),
      (r.gflops / sc.gflops).toFixed(1),
      (rx.gflops / r.gflops).toFixed(2),
    ]);
  }
  console.log(
    `ceilings (same run; the faster of the peak loop and the best register tile): f32x4 mul+add ${report.ceiling.mulAdd.toFixed(1)} GFLOP/s, relaxed madd ${report.ceiling.relaxedMadd?.toFixed(1)} GFLOP/s (peak loops ${report.peakLoops.mulAdd.toFixed(1)} / ${report.peakLoops.relaxedMadd?.toFixed(1)})`,
  );
  console.log(
    table(
      [
        'op',
        'm×k×n',
        'scalar',
        'simd128 (of mul+add)',
        'relaxed (of madd)',
        `native (${native.kernel})`,
        'simd/scalar',
        'relaxed/simd',
      ],
      body,
    ),
  );
  if (wasm.tiles.length > 0) printTileLimits(wasm.tiles, rows);
  console.log(`machine: ${report.machine}; written to bench/out/gemm.json`);
}

/**
 * The register-tile probes beside the GEMMs: what each tile shape reaches with no GEMM
 * around it, and the best relaxed tile against the best simd128 GEMM (the most the relaxed
 * build could gain here).
 */
function printTileLimits(tiles, rows) {
  const shapes = [...new Set(tiles.map((t) => t.tile))];
  const cell = (shape, op) => {
    const t = tiles.find((x) => x.tile === shape && x.op === op);
    return `${t.gflops.toFixed(1)} (${(100 * t.fraction).toFixed(0)}%)`;
  };
  console.log('register-tile limits (one k-step per iteration, operands in L1, no GEMM around it):');
  console.log(
    table(
      ['tile', 'accumulators', 'mul+add (of ceiling)', 'relaxed madd (of ceiling)'],
      shapes.map((shape) => [
        shape,
        String(tiles.find((t) => t.tile === shape).accumulators),
        cell(shape, 'mulAdd'),
        cell(shape, 'relaxedMadd'),
      ]),
    ),
  );
  const best = (xs) => xs.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const tile = best(tiles.filter((t) => t.op === 'relaxedMadd'));
  const gemm = best(rows.filter((r) => r.build === 'simd128'));
  console.log(
    `best relaxed tile ${tile.tile}: ${tile.gflops.toFixed(1)} GFLOP/s = ${(tile.gflops / gemm.gflops).toFixed(2)}× the best simd128 GEMM (${gemm.gflops.toFixed(1)}, ${gemm.op} ${gemm.m}×${gemm.k}×${gemm.n})`,
  );
}

function machine() {
  const os = process.platform;
  let cpu = 'unknown CPU';
  try {
    cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim();
  } catch {}
  return `${cpu}, ${os}, Node ${process.version}`;
}

if (opts.child) await measureAll();
else await main();
