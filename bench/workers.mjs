// npm run bench:workers [-- --quick]
// Data-parallel training on all cores, one worker against two splitting every minibatch
// (`dataParallel`), on MNIST, for two workloads:
// - autoencoder: 784-512-784 (sigmoid, cross-entropy, Adam 1e-3) at batch 256;
// - classifier: the SdA-3 fine-tuning of bench:papers, 784-1000-1000-1000-10 (sigmoid body,
//   softmax head, Adam 1e-3, dropout 0.2 on the inputs and 0.5 on the hidden units) at
//   batch 128, on a randomly initialised body (the speed does not depend on pretraining).
// The fastest timed epoch counts for each; one and two workers alternate so that the machine's
// noise falls on both. Writes bench/out/workers.json: per workload {"oneWorker", "twoWorkers",
// "ratio"} (samples/s) and the losses; the autoencoder's at the top level as before.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Autoencoder, loadMnist } from '../dist/index.node.js';
import { args, table } from './harness.mjs';

const quick = Boolean(args().quick);
const ROWS = quick ? 6144 : 15360;
const ROUNDS = quick ? 2 : 5;
const EPOCHS = 2;
const log = (s) => console.error(`[bench:workers] ${s}`);

const x = loadMnist({ split: 'train', limit: ROWS });

/** Samples/s of each timed epoch, with the losses, for one workload trained by `workers`. */
const WORKLOADS = {
  autoencoder: {
    description: '784-512-784 sigmoid, BCE, Adam 1e-3, batch 256, MNIST',
    async run(workers) {
      const config = { inputSize: 784, layers: [{ units: 512 }], loss: 'bce', optimizer: { kind: 'adam' }, seed: 1 };
      const fit = { batchSize: 256, learningRate: 1e-3, dataParallel: { workers } };
      const ae = await Autoencoder.create(config, { backend: 'worker' });
      try {
        await ae.fit(x, { ...fit, epochs: 1 }); // warm-up: JIT tiers, memory
        const r = await ae.fit(x, { ...fit, epochs: EPOCHS });
        return { workers: r.workers, rates: r.history.map((h) => h.samplesPerSecond), losses: r.losses };
      } finally {
        await ae.dispose();
      }
    },
  },
  classifier: {
    description: 'SdA-3 fine-tuning 784-1000-1000-1000-10, Adam 1e-3, dropout 0.2/0.5, batch 128, MNIST',
    async run(workers) {
      const units = [1000, 1000, 1000].map((u) => ({ units: u }));
      const body = await Autoencoder.create({ inputSize: 784, layers: units, seed: 1 }, { backend: 'worker' });
      const c = await body.toClassifier({ classes: 10, seed: 1, optimizer: { kind: 'adam' } });
      await body.dispose();
      try {
        // Each fit starts its replicas: the epochs are timed from one epoch's end to the next.
        const ends = [performance.now()];
        const r = await c.fit(x, x.labels, {
          epochs: EPOCHS + 1,
          batchSize: 128,
          learningRate: 1e-3,
          dropout: { input: 0.2, hidden: 0.5 },
          dataParallel: { workers },
          onEpochEnd: () => ends.push(performance.now()),
        });
        const rates = ends.slice(2).map((t, i) => x.rows / ((t - (ends[i + 1] ?? 0)) / 1000));
        return { workers: r.workers, rates, losses: r.losses };
      } finally {
        await c.dispose();
      }
    },
  },
};

const results = {};
for (const [name, workload] of Object.entries(WORKLOADS)) {
  const best = { 1: 0, 2: 0 };
  const losses = { 1: [], 2: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const workers of [1, 2]) {
      const r = await workload.run(workers);
      if (r.workers !== workers) throw new Error(`${name}: asked for ${workers} workers, got ${r.workers}`);
      const sps = Math.max(...r.rates);
      best[workers] = Math.max(best[workers], sps);
      losses[workers] = r.losses;
      log(`${name}, round ${round + 1}, ${workers} worker${workers > 1 ? 's' : ''}: ${Math.round(sps)} samples/s`);
    }
  }
  results[name] = {
    workload: workload.description,
    oneWorker: best[1],
    twoWorkers: best[2],
    ratio: best[2] / best[1],
    losses: { oneWorker: losses[1], twoWorkers: losses[2] },
  };
}
const report = {
  quick,
  machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`,
  ...results.autoencoder,
  classifier: results.classifier,
};
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(new URL('out/workers.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(report.machine);
console.log(
  table(
    ['workload', 'samples/s, 1 worker', 'samples/s, 2 workers', 'ratio', 'last loss (1 / 2 workers)'],
    Object.values(results).map((r) => [
      r.workload,
      Math.round(r.oneWorker),
      Math.round(r.twoWorkers),
      `${r.ratio.toFixed(2)}×`,
      `${r.losses.oneWorker.at(-1).toFixed(4)} / ${r.losses.twoWorkers.at(-1).toFixed(4)}`,
    ]),
  ),
);
console.log('written to bench/out/workers.json');
process.exit(0);
