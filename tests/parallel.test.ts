// Data-parallel training: one model, several workers, gradients summed through shared
// memory. The loss curve must be one worker's (up to float rounding), the model stays usable
// after failures, and without shared memory training falls back to one engine.
import { describe, expect, it } from 'vitest';
import { Autoencoder, Classifier, shapes, TrainingControl } from '../dist/index.node.js';
import { rejection } from './helpers/errors.js';

const data = shapes({ count: 600, size: 10, seed: 21 });
const plain = { inputSize: 100, layers: [{ units: 32 }, { units: 8 }], optimizer: { kind: 'adam' as const }, seed: 4 };
const fit = { epochs: 6, batchSize: 50, learningRate: 0.01 };

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('data-parallel training', () => {
  for (const workers of [2, 3]) {
    it(`${workers} workers follow one worker's loss curve (a batch that does not split evenly, clipping, validation)`, async () => {
      const options = { ...fit, batchSize: 47, gradientClipNorm: 1, validationSplit: 0.1 };
      const one = await Autoencoder.create(plain, { backend: 'worker' });
      const many = await Autoencoder.create(plain, { backend: 'worker' });
      const a = await one.fit(data, options);
      const b = await many.fit(data, { ...options, dataParallel: { workers } });
      expect(a.workers).toBe(1);
      expect(b.workers).toBe(workers);
      // Same minibatches and the same update; only the order of the float sums differs.
      for (const [i, h] of b.history.entries()) {
        const ref = a.history[i];
        expect(Math.abs(h.loss - (ref?.loss as number)) / h.loss).toBeLessThan(1e-5);
        expect(Math.abs((h.validationLoss as number) - (ref?.validationLoss as number))).toBeLessThan(1e-4);
      }
      expect(maxAbsDiff(await many.getWeights(), await one.getWeights())).toBeLessThan(1e-4);
      expect(b.losses.at(-1)).toBeLessThan((b.losses[0] as number) * 0.8);
      await Promise.all([one.dispose(), many.dispose()]);
    });
  }

  it('an inline model trains with worker replicas; denoising and a VAE with KL warm-up learn too', async () => {
    const denoising = await Autoencoder.create({ ...plain, corruption: { kind: 'mask', nu: 0.2 } });
    const d = await denoising.fit(data, { ...fit, dataParallel: { workers: 2 } });
    expect(d.workers).toBe(2);
    expect(d.losses.at(-1)).toBeLessThan((d.losses[0] as number) * 0.7);
    const vae = await Autoencoder.create({
      inputSize: 100,
      layers: [{ units: 32 }],
      vae: { latentSize: 4 },
      loss: 'bce',
      seed: 2,
    });
    const v = await vae.fit(data, { ...fit, klWarmupEpochs: 3, dataParallel: { workers: 2 } });
    expect(v.workers).toBe(2);
    expect(v.losses.at(-1)).toBeLessThan(v.losses[0] as number);
    expect((await vae.sample(3)).data.every(Number.isFinite)).toBe(true);
    await Promise.all([denoising.dispose(), vae.dispose()]);
  });

  it('cancelling mid-epoch leaves a consistent, usable model', async () => {
    const model = await Autoencoder.create(plain, { backend: 'worker' });
    const controller = new AbortController();
    const e = await rejection(
      model.fit(data, {
        ...fit,
        epochs: 50,
        signal: controller.signal,
        dataParallel: { workers: 2 },
        onBatchEnd: (p) => {
          if (p.epoch === 2 && p.batch === 5) controller.abort();
        },
      }),
    );
    expect(e.code).toBe('E_ABORTED');
    expect((await model.encode(data)).data.every(Number.isFinite)).toBe(true);
    const more = await model.fit(data, { ...fit, epochs: 1, dataParallel: { workers: 2 } });
    expect(more.losses).toHaveLength(1);
    await model.dispose();
  });

  it('pauses between minibatches (with the update applied) and ends as an unpaused run', async () => {
    const options = { ...fit, epochs: 3, dataParallel: { workers: 2 } };
    const straight = await Autoencoder.create(plain, { backend: 'worker' });
    const a = await straight.fit(data, options);
    const paused = await Autoencoder.create(plain, { backend: 'worker' });
    const control = new TrainingControl();
    let seenWhilePaused: Float32Array | undefined;
    const b = await paused.fit(data, {
      ...options,
      control,
      onBatchEnd: (p) => {
        if (p.epoch === 2 && p.batch === 4) {
          control.pause();
          setTimeout(async () => {
            seenWhilePaused = await paused.getWeights();
            control.resume();
          }, 20);
        }
      },
    });
    expect(seenWhilePaused?.every(Number.isFinite)).toBe(true);
    expect(b.losses).toEqual(a.losses);
    expect(await paused.getWeights()).toEqual(await straight.getWeights());
    await Promise.all([straight.dispose(), paused.dispose()]);
  });

  it('a diverging minibatch stops every replica with E_NON_FINITE; the weights stay finite', async () => {
    const linear = {
      ...plain,
      hiddenActivation: 'linear',
      outputActivation: 'linear',
      optimizer: { kind: 'sgd' },
    } as const;
    const model = await Autoencoder.create(linear);
    const e = await rejection(
      model.fit(data, { epochs: 3, batchSize: 30, learningRate: 50, dataParallel: { workers: 2 } }),
    );
    expect(e.code).toBe('E_NON_FINITE');
    expect((await model.getWeights()).every(Number.isFinite)).toBe(true);
    await model.dispose();
  });

  it('without SharedArrayBuffer it falls back to one engine and says why', async () => {
    const saved = globalThis.SharedArrayBuffer;
    const model = await Autoencoder.create(plain);
    try {
      // @ts-expect-error — simulating a runtime without shared memory
      globalThis.SharedArrayBuffer = undefined;
      const r = await model.fit(data, { ...fit, epochs: 2, dataParallel: { workers: 2 } });
      expect(r.workers).toBe(1);
      expect(r.dataParallelFallback).toBe('SharedArrayBuffer is not available');
    } finally {
      globalThis.SharedArrayBuffer = saved;
    }
    await model.dispose();
  });

  it('names bad settings', async () => {
    const model = await Autoencoder.create(plain);
    const zero = await rejection(model.fit(data, { ...fit, dataParallel: { workers: 0 } }));
    expect(zero.code).toBe('E_INVALID');
    expect(zero.message).toContain('dataParallel.workers = 0');
    const moved = await rejection(model.fit(data, { ...fit, transferData: true, dataParallel: { workers: 2 } }));
    expect(moved.message).toContain('transferData = true is not allowed');
    // A refused call keeps the caller's rows, and leaves nothing that detaches them later
    // (Comlink transfers an array once marked, with any later message to any worker).
    const worker = await Autoencoder.create(plain, { backend: 'worker' });
    const refused = await rejection(worker.fit(data, { ...fit, transferData: true, dataParallel: { workers: 2 } }));
    expect(refused.code).toBe('E_INVALID');
    await worker.fit(data, { ...fit, epochs: 1 });
    expect(data.data.length).toBe(600 * 100);
    await Promise.all([model.dispose(), worker.dispose()]);
  });
});

describe('data-parallel Classifier.fit', () => {
  const data = shapes({ count: 600, size: 10, seed: 22 });
  const labels = Array.from(data.labels);
  const classes = Math.max(...labels) + 1;

  /** A classifier on a briefly trained encoder, in its own worker. */
  async function fineTuner() {
    const ae = await Autoencoder.create(plain, { backend: 'worker' });
    await ae.fit(data, { ...fit, epochs: 2 });
    const c = await ae.toClassifier({ classes, l2: 1e-4 });
    await ae.dispose();
    return c;
  }

  for (const workers of [2, 3]) {
    it(`${workers} workers follow one worker: the head alone, then every layer (Adam's state carried over)`, async () => {
      const [one, many] = [await fineTuner(), await fineTuner()];
      expect(await many.getWeights()).toEqual(await one.getWeights());
      const options = { epochs: 3, batchSize: 47, learningRate: 3e-3, validationSplit: 0.1 };
      for (const trainBody of [false, true]) {
        const a = await one.fit(data, labels, { ...options, trainBody });
        const b = await many.fit(data, labels, { ...options, trainBody, dataParallel: { workers } });
        expect([a.workers, b.workers]).toEqual([1, workers]);
        for (const [i, loss] of b.losses.entries()) {
          expect(Math.abs(loss - (a.losses[i] as number)) / loss).toBeLessThan(1e-5);
          const [va, vb] = [a.validation?.[i], b.validation?.[i]];
          expect(Math.abs((vb?.loss as number) - (va?.loss as number))).toBeLessThan(1e-4);
        }
        expect(maxAbsDiff(await many.getWeights(), await one.getWeights())).toBeLessThan(1e-4);
      }
      await Promise.all([one.dispose(), many.dispose()]);
    });
  }

  it('learns with dropout on two workers, and the classifier stays usable', async () => {
    const c = await fineTuner();
    const before = await c.evaluate(data, labels);
    const r = await c.fit(data, labels, {
      epochs: 6,
      batchSize: 32,
      learningRate: 3e-3,
      dropout: { input: 0.1, hidden: 0.2 },
      dataParallel: { workers: 2 },
    });
    expect(r.workers).toBe(2);
    expect(r.losses.at(-1)).toBeLessThan(r.losses[0] as number);
    const after = await c.evaluate(data, labels);
    expect(after.loss).toBeLessThan(before.loss);
    expect((await c.predict(data)).length).toBe(data.rows);
    await c.dispose();
  });

  it('softmax regression inline with worker replicas; falls back without shared memory; names bad settings', async () => {
    const probe = await Classifier.create({ inputSize: 100, classes, seed: 3 });
    const r = await probe.fit(data, labels, {
      epochs: 3,
      batchSize: 64,
      learningRate: 0.01,
      dataParallel: { workers: 2 },
    });
    expect(r.workers).toBe(2);
    expect(r.losses.at(-1)).toBeLessThan(r.losses[0] as number);
    const saved = globalThis.SharedArrayBuffer;
    try {
      // @ts-expect-error — simulating a runtime without shared memory
      globalThis.SharedArrayBuffer = undefined;
      const f = await probe.fit(data, labels, { epochs: 1, dataParallel: { workers: 2 } });
      expect(f.workers).toBe(1);
      expect(f.dataParallelFallback).toBe('SharedArrayBuffer is not available');
    } finally {
      globalThis.SharedArrayBuffer = saved;
    }
    const zero = await rejection(probe.fit(data, labels, { epochs: 1, dataParallel: { workers: 0 } }));
    expect(zero.message).toContain('dataParallel.workers = 0');
    const extra = await rejection(
      probe.fit(data, labels, { epochs: 1, dataParallel: { workers: 2, threads: 2 } as never }),
    );
    expect(extra.code).toBe('E_INVALID');
    await probe.dispose();
  });
});
