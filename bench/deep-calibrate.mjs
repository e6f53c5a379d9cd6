// node bench/deep-calibrate.mjs [--epochs 100] [--layer-epochs 3]
//   [--batch 256] [--lr 2e-3] [--workers 2] [--every 10] [--weight-decay 0 (AdamW when > 0)]
//   [--tail-epochs 10] [--tail-lr 1e-4] [--tail-every 5]
// Choosing the deep autoencoder's recipe (Hinton & Salakhutdinov's 784-1000-500-250-30) on the
// training set only: pretrain layer by layer on the first 50 000 MNIST training images,
// fine-tune them with Adam and a cosine schedule, and measure the squared error per image on
// the last 10 000 training images at a checkpoint every `--every` epochs; then the last phase on
// squared error (bench/deep-ae.mjs: finishDeepAE), checkpointed every `--tail-every` of its
// epochs (numbered after the cross-entropy epochs). The test images are
// never read: bench:papers reports the test figure of the chosen recipe, once.
// Writes bench/out/deep-calibration.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Autoencoder, loadMnist } from '../dist/index.node.js';
import { DEEP_RECIPE, fineTuneDeepAE, finishDeepAE, pretrainDeepAE, squaredErrorPerImage } from './deep-ae.mjs';
import { args, relaxedSimdOrRelaunch, rowsOf } from './harness.mjs';

// The long runs use relaxed SIMD where the runtime has it (Node 20: behind a flag).
await relaxedSimdOrRelaunch();

const opts = args();
const num = (name, fallback) => {
  const v = Number(opts[name] ?? fallback);
  if (!(v > 0)) throw new Error(`--${name}: expected a positive number, got ${opts[name]}`);
  return v;
};
const lr = num('lr', DEEP_RECIPE.learningRate);
const recipe = {
  ...DEEP_RECIPE,
  epochs: num('epochs', DEEP_RECIPE.epochs),
  layerEpochs: num('layer-epochs', DEEP_RECIPE.layerEpochs),
  batch: num('batch', DEEP_RECIPE.batch),
  learningRate: lr,
  minLearningRate: lr / 100,
  workers: num('workers', DEEP_RECIPE.workers),
  weightDecay: Number(opts['weight-decay'] ?? 0),
  tailEpochs: Number(opts['tail-epochs'] ?? DEEP_RECIPE.tailEpochs),
  tailLearningRate: num('tail-lr', DEEP_RECIPE.tailLearningRate),
};
if (!(Number.isInteger(recipe.tailEpochs) && recipe.tailEpochs >= 0))
  throw new Error(`--tail-epochs: expected an integer ≥ 0, got ${opts['tail-epochs']}`);
const tailEvery = num('tail-every', 5);
if (!(recipe.weightDecay >= 0)) throw new Error(`--weight-decay: expected a number ≥ 0, got ${opts['weight-decay']}`);
const every = num('every', 10);

const full = loadMnist({ split: 'train' });
const split = 50000;
const train = rowsOf(full, 0, split);
const validation = rowsOf(full, split, full.rows);
const t0 = performance.now();
const seconds = () => (performance.now() - t0) / 1000;
const log = (s) => console.error(`[deep-calibrate] ${seconds().toFixed(0)} s ${s}`);

const validationError = (model) => squaredErrorPerImage(model, validation);

const model = await pretrainDeepAE(train, { recipe, log });
const pretrainSeconds = seconds();
const checkpoints = [{ epoch: 0, validationSqErr: await validationError(model), seconds: seconds() }];
log(`pretrained: validation squared error ${checkpoints[0].validationSqErr.toFixed(3)}`);
const files = [];
const history = [];
const fit = await fineTuneDeepAE(model, train, recipe, {
  validationData: validation,
  // The model is busy while it trains: keep each checkpoint's file and measure it afterwards.
  checkpoint: { every, save: (file, epoch) => files.push({ epoch, file: file.slice(), seconds: seconds() }) },
  onEpochEnd: (p) => {
    history.push({
      epoch: p.epoch,
      loss: p.loss,
      validationLoss: p.validationLoss,
      samplesPerSecond: p.samplesPerSecond,
    });
    log(`epoch ${p.epoch}: loss ${p.loss.toFixed(3)}, validation ${p.validationLoss?.toFixed(3)}`);
  },
});
// The last phase on squared error, from the fine-tuned weights.
const tail = await finishDeepAE(model, train, recipe, {
  checkpoint: {
    every: tailEvery,
    save: (file, epoch) => files.push({ epoch: recipe.epochs + epoch, file: file.slice(), seconds: seconds() }),
  },
  onEpochEnd: (p) => {
    history.push({
      epoch: recipe.epochs + p.epoch,
      loss: p.loss,
      samplesPerSecond: p.samplesPerSecond,
      phase: 'squared error',
    });
    log(`last phase epoch ${p.epoch}: squared-error loss ${p.loss.toFixed(4)}`);
  },
});
await tail.model.dispose();
for (const { epoch, file, seconds: at } of files) {
  const m = await Autoencoder.load(file);
  checkpoints.push({ epoch, validationSqErr: await validationError(m), seconds: at });
  await m.dispose();
  log(`epoch ${epoch}: validation squared error ${checkpoints.at(-1).validationSqErr.toFixed(3)}`);
}
const report = {
  recipe: { ...recipe, schedule: 'cosine to lr/100' },
  workersUsed: fit.workers,
  pretrainSeconds,
  checkpoints,
  history,
};
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(new URL('out/deep-calibration.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(
  checkpoints.map((c) => `epoch ${c.epoch}: ${c.validationSqErr.toFixed(3)} (${c.seconds.toFixed(0)} s)`).join('\n'),
);
process.exit(0);
