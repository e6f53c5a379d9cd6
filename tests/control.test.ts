// Long runs: periodic checkpoints that resume to the same weights, and pause/resume.
import { describe, expect, it } from 'vitest';
import { Autoencoder, type DiaboloError, shapes, TrainingControl } from '../dist/index.node.js';

const data = shapes({ count: 300, size: 10, seed: 12 });
const config = {
  inputSize: 100,
  hiddenSize: 20,
  corruption: { kind: 'mask' as const, nu: 0.2 },
  optimizer: { kind: 'adam' as const },
  seed: 17,
};
const fit = { epochs: 6, batchSize: 25, learningRate: 0.01, schedule: { kind: 'cosine' as const } };

describe('checkpoints', () => {
  it('a run interrupted after epoch 4 resumes from its checkpoint to the uninterrupted weights', async () => {
    const straight = await Autoencoder.create(config);
    await straight.fit(data, fit);

    const saved = new Map<number, Uint8Array>();
    const interrupted = await Autoencoder.create(config, { backend: 'worker' });
    const stop = new AbortController();
    const e = await interrupted
      .fit(data, {
        ...fit,
        signal: stop.signal,
        checkpoint: { every: 2, save: (file, epoch) => void saved.set(epoch, file) },
        onEpochEnd: (p) => {
          if (p.epoch === 4) stop.abort(new Error('power cut'));
        },
      })
      .catch((err: unknown) => err);
    expect((e as DiaboloError).code).toBe('E_ABORTED');
    expect([...saved.keys()]).toEqual([2, 4]);
    await interrupted.dispose();

    const resumed = await Autoencoder.load(saved.get(4) as Uint8Array);
    const rest = await resumed.fit(data, { ...fit, initialEpoch: 4 });
    expect(rest.history.map((h) => h.epoch)).toEqual([5, 6]);
    expect(await resumed.getWeights()).toEqual(await straight.getWeights());
    await Promise.all([straight.dispose(), resumed.dispose()]);
  });
});

describe('pause and resume', () => {
  it('holds training between minibatches while paused and ends with the same weights', async () => {
    const reference = await Autoencoder.create(config);
    await reference.fit(data, fit);
    const ae = await Autoencoder.create(config, { backend: 'worker' });
    const control = new TrainingControl();
    let batches = 0;
    let pausedAt = -1;
    const run = ae.fit(data, {
      ...fit,
      control,
      batchesPerCall: 1,
      onBatchEnd: () => {
        batches++;
        if (batches === 20 && pausedAt < 0) {
          control.pause();
          pausedAt = batches;
        }
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(control.paused).toBe(true);
    expect(batches).toBe(pausedAt);
    control.resume();
    await run;
    expect(batches).toBe(6 * 12);
    expect(await ae.getWeights()).toEqual(await reference.getWeights());
    await Promise.all([ae.dispose(), reference.dispose()]);
  });

  it('an abort while paused rejects at once', async () => {
    const ae = await Autoencoder.create(config);
    const control = new TrainingControl();
    control.pause();
    const stop = new AbortController();
    const run = ae.fit(data, { ...fit, control, signal: stop.signal });
    setTimeout(() => stop.abort(), 20);
    const e = await run.catch((err: unknown) => err);
    expect((e as DiaboloError).code).toBe('E_ABORTED');
    await ae.dispose();
  });
});
