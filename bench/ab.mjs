// Old build against new build, in one process and one run: the check that a refactor of the
// core costs no speed and changes no bit. `--base DIR` names a copy of another build (its
// `dist/` and `build/testing/`, e.g. `cp -r dist build /tmp/base/` on the old
// commit); this checkout's own build is the other side.
//
// Per round, alternating sides, each build's GEMM benches (forward, input and weight
// gradient at 128×784×256) and a raw-WASM training epoch (784-256-784, BCE, Adam, batch 128,
// 6 400 MNIST-sized rows of fixed pseudo-random data) are timed; the best of the rounds
// counts. The epoch's loss must have the same bits on both sides, or the script fails.
//
//   node bench/ab.mjs --base /tmp/base [--new DIR] [--rounds 5] [--flavors simd128,relaxed]
// (`--new` another copy instead of this checkout: two copies of one build show the noise.)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { coreSpec, resolveAutoencoderConfig } from '../dist/model/config.js';
import { args, bestSeconds, loadFlavor, relaxedSimdOrRelaunch, table } from './harness.mjs';

const opts = args();
if (typeof opts.base !== 'string') {
  console.error('usage: node bench/ab.mjs --base DIR [--rounds N] [--flavors simd128,relaxed,scalar]');
  process.exit(2);
}
const rounds = Number(opts.rounds ?? 5);
const flavors = String(opts.flavors ?? 'simd128,relaxed').split(',');
if (flavors.includes('relaxed') && !(await relaxedSimdOrRelaunch()))
  throw new Error('relaxed SIMD is not available in this Node, even with its flag');
const sides = {
  base: pathToFileURL(`${resolve(opts.base)}/`),
  new: typeof opts.new === 'string' ? pathToFileURL(`${resolve(opts.new)}/`) : new URL('../', import.meta.url),
};

/**
 * The epoch's total loss, whatever shape the build's binding returns it in: an array of
 * terms (older builds) or a named report (`report.terms.total`), which is freed here.
 */
function total(report) {
  if (ArrayBuffer.isView(report) || Array.isArray(report)) return report[5];
  const terms = report.terms;
  const value = terms.total;
  terms.free?.();
  report.free?.();
  return value;
}

const ROWS = 6400;
const data = new Float32Array(ROWS * 784);
let s = 12345;
for (let i = 0; i < data.length; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  data[i] = (s >>> 8) / 2 ** 24 < 0.8 ? 0 : ((s >>> 4) & 255) / 255;
}
const spec = coreSpec(
  resolveAutoencoderConfig({
    inputSize: 784,
    layers: [{ units: 256 }],
    loss: 'bce',
    optimizer: { kind: 'adam' },
    seed: 1,
  }),
);

const jobs = [];
for (const flavor of flavors) {
  for (const side of Object.keys(sides)) {
    const shipped = await loadFlavor(flavor, { hooks: false, root: sides[side] });
    const testing = await loadFlavor(flavor, { root: sides[side] });
    const ds = new shipped.Dataset(data, ROWS, 784);
    const gemm = ['forward', 'inputGrad', 'weightGrad'].map((op) => ({
      op,
      bench: new testing.GemmBench(op, 128, 784, 256),
    }));
    jobs.push({ flavor, side, shipped, ds, gemm, best: new Map(), losses: [] });
  }
}

for (let r = 0; r < rounds; r++) {
  for (const j of r % 2 ? [...jobs].reverse() : jobs) {
    for (const g of j.gemm) {
      const sec = bestSeconds((reps) => g.bench.run(reps), { trials: 3, minSeconds: 0.1 });
      j.best.set(g.op, Math.min(j.best.get(g.op) ?? Number.POSITIVE_INFINITY, sec));
    }
    const model = new j.shipped.Model(spec);
    const t = performance.now();
    const loss = total(model.trainEpoch(j.ds, 128, 1e-3));
    const sec = (performance.now() - t) / 1000;
    model.free();
    j.best.set('train', Math.min(j.best.get('train') ?? Number.POSITIVE_INFINITY, sec));
    j.losses.push(loss);
  }
}

const rows = [];
let failed = false;
for (const flavor of flavors) {
  const [a, b] = ['base', 'new'].map((side) => jobs.find((j) => j.flavor === flavor && j.side === side));
  for (const g of a.gemm) {
    const flops = g.bench.flops();
    const [ga, gb] = [a, b].map((j) => flops / j.best.get(g.op) / 1e9);
    rows.push([flavor, `GEMM ${g.op} 128×784×256 (GFLOP/s)`, ga.toFixed(1), gb.toFixed(1), (gb / ga).toFixed(3)]);
  }
  const [ta, tb] = [a, b].map((j) => ROWS / j.best.get('train'));
  rows.push([flavor, 'train 784-256-784 b128 (samples/s)', ta.toFixed(0), tb.toFixed(0), (tb / ta).toFixed(3)]);
  const same = a.losses.every((l, i) => Object.is(l, b.losses[i]));
  if (!same) failed = true;
  console.log(`${flavor}: epoch loss ${same ? 'bit-identical' : 'DIFFERS'} (base ${a.losses[0]}, new ${b.losses[0]})`);
}
console.log(table(['build', 'measure', 'base', 'new', 'new/base'], rows));
if (failed) {
  console.error('ab: the two builds give different losses');
  process.exit(1);
}
