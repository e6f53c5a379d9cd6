// Hinton & Salakhutdinov's deep autoencoder 784-1000-500-250-30 as bench:papers and
// bench/deep-calibrate.mjs both build it: greedy layer-wise pretraining (autoencoders
// standing in for the paper's RBMs; logistic units, a linear 30-unit code, cross-entropy on
// the pixels for the first layer), unrolled into one deep autoencoder and fine-tuned with Adam
// and a cosine schedule, data-parallel; then a short last phase on squared error, the paper's
// measure (a copy of the network built with the 'mse' loss); and the paper's score.
import { Autoencoder, pretrainStack } from '../dist/index.node.js';

/** The recipe (chosen with bench/deep-calibrate.mjs on the training set only). */
export const DEEP_RECIPE = {
  layerEpochs: 3,
  layerBatch: 128,
  layerLearningRate: 1e-3,
  epochs: 100,
  batch: 256,
  learningRate: 2e-3,
  minLearningRate: 2e-5,
  workers: 2,
  // The last phase: the fine-tuned weights trained on squared error (fresh Adam state), with
  // its own cosine from tailLearningRate to a hundredth of it. tailEpochs 0: no last phase.
  tailEpochs: 10,
  tailLearningRate: 1e-4,
};

/**
 * The pretrained, unrolled 784-1000-500-250-30-250-500-1000-784 autoencoder, in a worker.
 * Stage i is seeded `seed + i`; fine-tuning uses Adam. `log(line)`: progress.
 */
export async function pretrainDeepAE(train, { recipe = DEEP_RECIPE, seed = 1, log = () => {} } = {}) {
  const adam = { optimizer: { kind: 'adam' } };
  const { autoencoder } = await pretrainStack(
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
        epochs: recipe.layerEpochs,
        batchSize: recipe.layerBatch,
        learningRate: recipe.layerLearningRate,
        dataParallel: { workers: recipe.workers },
        onEpochEnd: (p) => log(`pretraining epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(3)}`),
      },
      // Decoupled weight decay (AdamW) when the recipe sets one.
      fineTune: {
        optimizer: recipe.weightDecay ? { kind: 'adamw', weightDecay: recipe.weightDecay } : { kind: 'adam' },
        seed,
      },
    },
    { backend: 'worker' },
  );
  return autoencoder;
}

/** `epochs` of `model` on `train` at the recipe's batch and workers, on a cosine from `lr` to `minLr`. */
function fitCosine(model, train, recipe, epochs, lr, minLr, more) {
  return model.fit(train, {
    epochs,
    batchSize: recipe.batch,
    learningRate: lr,
    schedule: { kind: 'cosine', minLearningRate: minLr },
    dataParallel: { workers: recipe.workers },
    ...more,
  });
}

/** Fine-tune `model` on `train` by the recipe; `more`: further FitOptions (validation, checkpoints, progress). */
export function fineTuneDeepAE(model, train, recipe = DEEP_RECIPE, more = {}) {
  return fitCosine(model, train, recipe, recipe.epochs, recipe.learningRate, recipe.minLearningRate, more);
}

/**
 * A copy of `model` (same layers, weights and seed; fresh Adam state) built with another loss,
 * in its own worker. `model` is left as it is.
 */
export async function copyWithLoss(model, loss) {
  const { inputSize, layers, seed } = model.config;
  const copy = await Autoencoder.create(
    {
      inputSize,
      layers: layers.map(({ units, activation }) => ({ units, activation })),
      loss,
      optimizer: { kind: 'adam' },
      seed,
    },
    { backend: 'worker' },
  );
  await copy.setWeights(await model.getWeights());
  return copy;
}

/** `recipe.tailEpochs` epochs of `model` on `train` at the last phase's cosine schedule. */
export function fitLastPhase(model, train, recipe = DEEP_RECIPE, more = {}) {
  const lr = recipe.tailLearningRate;
  return fitCosine(model, train, recipe, recipe.tailEpochs, lr, lr / 100, more);
}

/**
 * The last phase of the recipe: a copy of the fine-tuned `model` built with the squared-error
 * loss, trained `recipe.tailEpochs` epochs on `train`. Returns the copy and its fit result;
 * `model` is disposed. With `tailEpochs: 0`, `model` itself and no fit.
 */
export async function finishDeepAE(model, train, recipe = DEEP_RECIPE, more = {}) {
  if (!recipe.tailEpochs) return { model, fit: null };
  const copy = await copyWithLoss(model, 'mse');
  await model.dispose();
  return { model: copy, fit: await fitLastPhase(copy, train, recipe, more) };
}

/** Squared reconstruction error summed over the pixels, per image (the paper's measure). */
export async function squaredErrorPerImage(model, data) {
  const rec = await model.reconstruct(data);
  let e = 0;
  for (let i = 0; i < rec.data.length; i++) e += (rec.data[i] - data.data[i]) ** 2;
  return e / data.rows;
}
