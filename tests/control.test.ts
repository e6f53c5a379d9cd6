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

// Inline training runs in the caller's thread: it must give the event loop a turn often
// enough that timers — an AbortSignal.timeout, a setTimeout that aborts or pauses, an
// interval — run while it trains (the bound on latency is generous: this machine is shared).
describe('inline training shares the thread', () => {
  const big = shapes({ count: 2000, size: 16, seed: 1 });
  const wide = { inputSize: 256, hiddenSize: 64, seed: 1 };

  async function stopsSoon(signal: AbortSignal, epochs: number) {
    const ae = await Autoencoder.create(wide);
    let firedAt = 0;
    signal.addEventListener('abort', () => {
      firedAt = performance.now();
    });
    let done = 0;
    const e = await ae.fit(big, { epochs, batchSize: 16, signal, onEpochEnd: () => void done++ }).then(
      () => null,
      (x: DiaboloError) => x,
    );
    const stoppedAfter = performance.now() - firedAt;
    expect(e?.code).toBe('E_ABORTED');
    expect(firedAt).toBeGreaterThan(0);
    expect(stoppedAfter).toBeLessThan(250);
    expect(done).toBeLessThan(epochs);
    // Still usable: it trains on.
    const more = await ae.fit(big, { epochs: 1, batchSize: 16 });
    expect(Number.isFinite(more.losses[0])).toBe(true);
    await ae.dispose();
  }

  it('AbortSignal.timeout(50) stops a 300-epoch inline fit soon after it fires', async () => {
    await stopsSoon(AbortSignal.timeout(50), 300);
  });

  it('a setTimeout that aborts stops even epochs: 1e9', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('enough')), 80);
    await stopsSoon(stop.signal, 1e9);
  });

  it('without a signal, timers and intervals still run during an inline fit', async () => {
    const ae = await Autoencoder.create(wide);
    let ticks = 0;
    const interval = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    await ae.fit(big, { epochs: 4, batchSize: 16 });
    const ms = performance.now() - t0;
    clearInterval(interval);
    // An interval of 5 ms ticks at least once per ~50 ms of training.
    expect(ticks).toBeGreaterThan(ms / 50);
    await ae.dispose();
  });

  it('TrainingControl.pause() from a timer holds inline training until resume()', async () => {
    const ae = await Autoencoder.create(wide);
    const control = new TrainingControl();
    let batchesWhilePaused = -1;
    let progress = 0;
    setTimeout(() => {
      control.pause();
      const at = progress;
      setTimeout(() => {
        batchesWhilePaused = progress - at;
        control.resume();
      }, 150);
    }, 40);
    const run = await ae.fit(big, { epochs: 3, batchSize: 16, control, onBatchEnd: () => void progress++ });
    expect(run.losses.length).toBe(3);
    // At most the piece running when pause() came finished after it.
    expect(batchesWhilePaused).toBeGreaterThanOrEqual(0);
    expect(batchesWhilePaused).toBeLessThanOrEqual(1);
    await ae.dispose();
  });

  it('inline = worker, bit for bit, although inline runs in time slices', async () => {
    const [inline, worker] = await Promise.all([
      Autoencoder.create(wide),
      Autoencoder.create(wide, { backend: 'worker' }),
    ]);
    const a = await inline.fit(big, { epochs: 2, batchSize: 16 });
    const b = await worker.fit(big, { epochs: 2, batchSize: 16 });
    expect(a.losses).toEqual(b.losses);
    expect(await inline.getWeights()).toEqual(await worker.getWeights());
    await Promise.all([inline.dispose(), worker.dispose()]);
  });
});
