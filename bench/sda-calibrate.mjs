// node bench/sda-calibrate.mjs [--layer-epochs 10] [--epochs 50]
//   [--lr 1e-3] [--nu 0.25] [--l2 0] [--batch 128] [--workers 2] [--limit 60000]
//   [--patience 10] [--dropout-input 0] [--dropout-hidden 0]
// Choosing SdA-3's recipe (bench/sda.mjs) on the training set only: pretrain and fine-tune on
// the first 50 000 MNIST training images and report the error on the last 10 000, the images
// early stopping watches. The test images are never read: bench:papers reports the test
// figure of the chosen recipe, once. --limit N: the first N training images (5/6 to train).
// Writes bench/out/sda-calibration.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadMnist } from '../dist/index.node.js';
import { args, relaxedSimdOrRelaunch, rowsOf } from './harness.mjs';
import { SDA_RECIPE, trainSda } from './sda.mjs';

// The long runs use relaxed SIMD where the runtime has it (Node 20: behind a flag).
await relaxedSimdOrRelaunch();

const opts = args();
const num = (name, fallback) => {
  const v = Number(opts[name] ?? fallback);
  if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`--${name}: expected a number ≥ 0, got ${opts[name]}`);
  return v;
};
const recipe = {
  ...SDA_RECIPE,
  layerEpochs: num('layer-epochs', SDA_RECIPE.layerEpochs),
  epochs: num('epochs', SDA_RECIPE.epochs),
  learningRate: num('lr', SDA_RECIPE.learningRate),
  minLearningRate: num('lr', SDA_RECIPE.learningRate) / 100,
  nu: num('nu', SDA_RECIPE.nu),
  l2: num('l2', SDA_RECIPE.l2),
  batch: num('batch', SDA_RECIPE.batch),
  patience: num('patience', SDA_RECIPE.patience),
  dropoutInput: num('dropout-input', SDA_RECIPE.dropoutInput),
  dropoutHidden: num('dropout-hidden', SDA_RECIPE.dropoutHidden),
};
const workers = num('workers', 2);
const full = loadMnist({ split: 'train', limit: num('limit', 60000) });
const split = Math.round((full.rows * 5) / 6);
const t0 = performance.now();
const log = (s) => console.error(`[sda-calibrate] ${((performance.now() - t0) / 1000).toFixed(0)} s ${s}`);
const r = await trainSda(rowsOf(full, 0, split), rowsOf(full, split, full.rows), { recipe, workers, log });
await r.classifier.dispose();
const { classifier: _c, ...report } = r;
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('out/sda-calibration.json', import.meta.url),
  `${JSON.stringify({ recipe, ...report, seconds: (performance.now() - t0) / 1000 }, null, 2)}\n`,
);
console.log(
  `validation error ${(100 * r.validationError).toFixed(2)}% at epoch ${r.bestEpoch} of ${r.epochsTrained}; ` +
    `${((performance.now() - t0) / 1000).toFixed(0)} s (pretraining ${r.pretrainSeconds.toFixed(0)} s)`,
);
process.exit(0);
