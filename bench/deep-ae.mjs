// Hinton & Salakhutdinov's deep autoencoder 784-1000-500-250-30 as bench:papers and
// bench/deep-calibrate.mjs both build it: greedy layer-wise pretraining (autoencoders
// standing in for the paper's RBMs; logistic units, a linear 30-unit code, cross-entropy on
// the pixels for the first layer), unrolled into one deep autoencoder; and the paper's score.
import { pretrainStack } from '../dist/index.node.js';

/**
 * The pretrained, unrolled 784-1000-500-250-30-250-500-1000-784 autoencoder, in a worker.
 * `fit`: the FitOptions of every stage (epochs, batch size, learning rate, data parallelism,
 * progress); fine-tuning uses Adam with seed 1.
 */
export async function pretrainDeepAE(train, fit) {
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
      fit,
      fineTune: { optimizer: { kind: 'adam' }, seed: 1 },
    },
    { backend: 'worker' },
  );
  return autoencoder;
}

/** Squared reconstruction error summed over the pixels, per image (the paper's measure). */
export async function squaredErrorPerImage(model, data) {
  const rec = await model.reconstruct(data);
  let e = 0;
  for (let i = 0; i < rec.data.length; i++) e += (rec.data[i] - data.data[i]) ** 2;
  return e / data.rows;
}
