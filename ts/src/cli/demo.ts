// The main job for now: train a one-hidden-layer autoencoder in a worker on built-in
// geometric shapes, print the loss per epoch and the final reconstruction error.
import { Autoencoder, shapes } from '../index.node.js';

const size = 12;
const train = shapes({ count: 2000, size, seed: 1 });
const test = shapes({ count: 500, size, seed: 2 });
const epochs = 40;

const ae = await Autoencoder.create(
  { inputSize: size * size, hiddenSize: 32, hiddenActivation: 'sigmoid', outputActivation: 'sigmoid', seed: 42 },
  { backend: 'worker' },
);
const { flavor, backend } = ae.runtime;
console.log(`diabolo: ${size}×${size} shapes, ${train.rows} training / ${test.rows} test images`);
console.log(`autoencoder ${size * size}-32-${size * size} (sigmoid), MSE, SGD, ${backend} backend, ${flavor} kernels`);
const before = (await ae.evaluate(test)).reconstruction;
const result = await ae.fit(train, {
  epochs,
  batchSize: 16,
  learningRate: 0.5,
  onEpochEnd: (p) => {
    const bar = '#'.repeat(Math.round((20 * p.epoch) / p.epochs)).padEnd(20, '.');
    console.log(
      `epoch ${String(p.epoch).padStart(2)}/${p.epochs} [${bar}] loss ${p.loss.toFixed(4)}  ${Math.round(p.samplesPerSecond)} samples/s`,
    );
  },
});
const after = (await ae.evaluate(test)).reconstruction;
console.log(
  `test reconstruction error (squared error per image): ${before.toFixed(3)} before → ${after.toFixed(3)} after`,
);
console.log(`per pixel: ${(after / (size * size)).toFixed(5)}; trained in ${(result.elapsedMs / 1000).toFixed(2)} s`);
await ae.dispose();
