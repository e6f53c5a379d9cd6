// npm run bench:gemm:browser
// The GEMM kernels of the simd128 and relaxed builds in headless Chromium (relaxed SIMD is
// on there), with both ceilings measured in the same page: the relaxed build's gain where
// the runtime enables it by default. Writes bench/out/gemm-browser.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { launch, serve } from './browser.mjs';
import { table } from './harness.mjs';

const page = `<!doctype html><meta charset="utf-8"><script type="module">
async function load(flavor) {
  const g = (await import('/build/testing/glue.js')).default();
  await g.instantiate(await WebAssembly.compileStreaming(fetch('/build/testing/diabolo-' + flavor + '.wasm')));
  return g;
}
function best(run, trials, minMs) {
  run(1);
  let reps = 1;
  for (;;) { const t = performance.now(); run(reps); if (performance.now() - t >= minMs) break; reps *= 2; }
  let b = Infinity;
  for (let i = 0; i < trials; i++) { const t = performance.now(); run(reps); b = Math.min(b, (performance.now() - t) / reps); }
  return b / 1000;
}
window.runBench = async (shapes, rounds) => {
  const glue = { simd128: await load('simd128'), relaxed: await load('relaxed') };
  const iters = 200000;
  const ceil = { mulAdd: 0, relaxedMadd: 0 };
  const rows = [];
  const benches = [];
  for (const flavor of ['simd128', 'relaxed']) for (const [op, b, h] of shapes) benches.push({ flavor, op, b, h, bench: new glue[flavor].GemmBench(op, b, 784, h), s: Infinity });
  for (let r = 0; r < rounds; r++) {
    const peak = (f) => (iters * glue.simd128.peakFlopsPerIter()) / best((n) => { for (let i = 0; i < n; i++) f(); }, 5, 100) / 1e9;
    ceil.mulAdd = Math.max(ceil.mulAdd, peak(() => glue.simd128.mulAddPeak(iters, 1)));
    ceil.relaxedMadd = Math.max(ceil.relaxedMadd, peak(() => glue.relaxed.relaxedMaddPeak(iters, 1)));
    for (const x of benches) x.s = Math.min(x.s, best((n) => x.bench.run(n), 5, 100));
  }
  for (const x of benches) {
    const gflops = x.bench.flops() / x.s / 1e9;
    rows.push({ build: x.flavor, op: x.op, batch: x.b, hidden: x.h, gflops, fraction: gflops / (x.flavor === 'relaxed' ? ceil.relaxedMadd : ceil.mulAdd) });
  }
  return { ceiling: ceil, flavors: [glue.simd128.buildFlavor(), glue.relaxed.buildFlavor()], userAgent: navigator.userAgent, rows };
};
window.ready = true;
</script>`;

const shapes = [
  ['forward', 128, 256],
  ['inputGrad', 128, 256],
  ['weightGrad', 128, 256],
  ['forward', 256, 512],
  ['inputGrad', 256, 512],
  ['weightGrad', 256, 512],
];
const server = await serve({ '/bench.html': page });
const browser = await launch();
try {
  const tab = await browser.newPage();
  tab.on('pageerror', (e) => console.error('[page error]', e.message));
  await tab.goto(`${server.url}/bench.html`);
  await tab.waitForFunction(() => window.ready === true);
  const report = await tab.evaluate(([s, r]) => window.runBench(s, r), [shapes, 3]);
  mkdirSync(new URL('out/', import.meta.url), { recursive: true });
  writeFileSync(new URL('out/gemm-browser.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${report.userAgent}`);
  console.log(
    `ceilings (same page): f32x4 mul+add ${report.ceiling.mulAdd.toFixed(1)} GFLOP/s, relaxed madd ${report.ceiling.relaxedMadd.toFixed(1)} GFLOP/s`,
  );
  const find = (b, op, batch, h) =>
    report.rows.find((x) => x.build === b && x.op === op && x.batch === batch && x.hidden === h);
  console.log(
    table(
      ['op', 'B×784×H', 'simd128', 'relaxed', 'relaxed/simd128'],
      shapes.map(([op, b, h]) => {
        const [s, r] = [find('simd128', op, b, h), find('relaxed', op, b, h)];
        return [
          op,
          `${b}×784×${h}`,
          `${s.gflops.toFixed(1)} (${(100 * s.fraction).toFixed(0)}%)`,
          `${r.gflops.toFixed(1)} (${(100 * r.fraction).toFixed(0)}%)`,
          (r.gflops / s.gflops).toFixed(2),
        ];
      }),
    ),
  );
} finally {
  await browser.close();
  await server.close();
}
