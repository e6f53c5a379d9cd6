// node bench/deep-loss-probe.mjs [--epochs 30] [--tail 5] [--tail-lr (the recipe's, 1e-4)] [--losses mse,bce]
// Why the deep autoencoder's recipe (bench/deep-ae.mjs) ends on squared error: from one
// cross-entropy fine-tuning (the recipe's, shortened to --epochs), the same last phase
// (--tail epochs, fresh Adam, cosine from --tail-lr) run once per loss on copies of the same
// weights, each scored by the squared error per image on the last 10 000 training images
// (the first 50 000 train, as in bench/deep-calibrate.mjs; the test images are never read).
import { loadMnist } from '../dist/index.node.js';
import {
  copyWithLoss,
  DEEP_RECIPE,
  fineTuneDeepAE,
  fitLastPhase,
  pretrainDeepAE,
  squaredErrorPerImage,
} from './deep-ae.mjs';
import { args, relaxedSimdOrRelaunch, rowsOf } from './harness.mjs';

await relaxedSimdOrRelaunch();
const opts = args();
const count = (name, fallback) => {
  const v = Number(opts[name] ?? fallback);
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${name}: expected a positive integer, got ${opts[name]}`);
  return v;
};
const tailLearningRate = Number(opts['tail-lr'] ?? DEEP_RECIPE.tailLearningRate);
if (!(tailLearningRate > 0)) throw new Error(`--tail-lr: expected a positive number, got ${opts['tail-lr']}`);
const recipe = { ...DEEP_RECIPE, epochs: count('epochs', 30), tailEpochs: count('tail', 5), tailLearningRate };
const losses = String(opts.losses ?? 'mse,bce').split(',');
const full = loadMnist({ split: 'train' });
const train = rowsOf(full, 0, 50000);
const validation = rowsOf(full, 50000, full.rows);
const t0 = performance.now();
const log = (s) => console.error(`[deep-loss-probe] ${((performance.now() - t0) / 1000).toFixed(0)} s ${s}`);

const model = await pretrainDeepAE(train, { recipe, log });
await fineTuneDeepAE(model, train, recipe, { onEpochEnd: (p) => log(`epoch ${p.epoch}: loss ${p.loss.toFixed(3)}`) });
const results = { crossEntropyEpochs: recipe.epochs, base: await squaredErrorPerImage(model, validation) };
log(`after ${recipe.epochs} cross-entropy epochs: validation squared error ${results.base.toFixed(3)}`);
for (const loss of losses) {
  const copy = await copyWithLoss(model, loss);
  await fitLastPhase(copy, train, recipe, {
    onEpochEnd: (p) => log(`${loss} last phase epoch ${p.epoch}: loss ${p.loss.toFixed(4)}`),
  });
  results[loss] = await squaredErrorPerImage(copy, validation);
  log(`${loss}: ${recipe.tailEpochs} more epochs → validation squared error ${results[loss].toFixed(3)}`);
  await copy.dispose();
}
await model.dispose();
console.log(JSON.stringify(results));
process.exit(0);
