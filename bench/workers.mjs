// npm run bench:workers [-- --quick]
// Data-parallel training on all cores: a 784-512-784 autoencoder (sigmoid, cross-entropy,
// Adam 1e-3) at batch 256 on MNIST, trained by one worker and by two workers splitting every
// minibatch (FitOptions.dataParallel). The fastest of the timed epochs counts for each; the
// two runs alternate so that the machine's noise falls on both. Writes
// bench/out/workers.json: {"oneWorker", "twoWorkers", "ratio"} (samples/s) and the losses.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Autoencoder, loadMnist } from '../dist/index.node.js';
import { args, table } from './harness.mjs';

const quick = Boolean(args().quick);
const ROWS = quick ? 6144 : 15360;
const ROUNDS = quick ? 2 : 5;
const EPOCHS = 2;
const config = { inputSize: 784, layers: [{ units: 512 }], loss: 'bce', optimizer: { kind: 'adam' }, seed: 1 };
const fit = { batchSize: 256, learningRate: 1e-3 };
const log = (s) => console.error(`[bench:workers] ${s}`);

const x = loadMnist({ split: 'train', limit: ROWS });
const best = { 1: 0, 2: 0 };
const losses = { 1: [], 2: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const workers of [1, 2]) {
    const ae = await Autoencoder.create(config, { backend: 'worker' });
    await ae.fit(x, { ...fit, epochs: 1, dataParallel: { workers } }); // warm-up: JIT tiers, memory
    const r = await ae.fit(x, { ...fit, epochs: EPOCHS, dataParallel: { workers } });
    if (r.workers !== workers) throw new Error(`asked for ${workers} workers, got ${r.workers}`);
    const sps = Math.max(...r.history.map((h) => h.samplesPerSecond));
    best[workers] = Math.max(best[workers], sps);
    losses[workers] = r.losses;
    log(`round ${round + 1}, ${workers} worker${workers > 1 ? 's' : ''}: ${Math.round(sps)} samples/s`);
    await ae.dispose();
  }
}
const report = {
  quick,
  workload: '784-512-784 sigmoid, BCE, Adam 1e-3, batch 256, MNIST',
  machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`,
  oneWorker: best[1],
  twoWorkers: best[2],
  ratio: best[2] / best[1],
  losses: { oneWorker: losses[1], twoWorkers: losses[2] },
};
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(new URL('out/workers.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(`${report.workload}; ${report.machine}`);
console.log(
  table(
    ['workers', 'samples/s', 'loss after the last epoch'],
    [
      ['1', Math.round(best[1]), losses[1].at(-1).toFixed(4)],
      ['2 (data-parallel)', Math.round(best[2]), losses[2].at(-1).toFixed(4)],
    ],
  ),
);
console.log(`ratio: ${report.ratio.toFixed(2)}×; written to bench/out/workers.json`);
process.exit(0);
