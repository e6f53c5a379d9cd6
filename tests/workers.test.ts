// Many trainers at once, and long runs that must not leak.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Autoencoder, shapes } from '../dist/index.node.js';

// A full collection before each heap reading, so that the heap check sees what is retained,
// not how much garbage the collector has not yet reclaimed.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  collect();
  return process.memoryUsage().heapUsed;
};

const data = shapes({ count: 300, size: 10, seed: 8 });

describe('several workers', () => {
  it('a hyper-parameter sweep in three workers at once gives each run its inline result', async () => {
    const rates = [0.05, 0.2, 0.8];
    const config = (i: number) => ({ inputSize: 100, hiddenSize: 16, seed: 30 + i });
    const training = (lr: number) => ({ epochs: 15, batchSize: 20, learningRate: lr });
    const workers = await Promise.all(rates.map((_, i) => Autoencoder.create(config(i), { backend: 'worker' })));
    const results = await Promise.all(workers.map((ae, i) => ae.fit(data, training(rates[i] as number))));
    for (const [i, ae] of workers.entries()) {
      const inline = await Autoencoder.create(config(i));
      const r = await inline.fit(data, training(rates[i] as number));
      expect(results[i]?.losses).toEqual(r.losses);
      expect(await ae.getWeights()).toEqual(await inline.getWeights());
      await inline.dispose();
    }
    await Promise.all(workers.map((ae) => ae.dispose()));
  });
});

describe('transferring the data', () => {
  it('moves the buffer to the worker (no copy; the caller’s array is detached) and trains the same', async () => {
    const copy = { ...data, data: Float32Array.from(data.data) };
    const moved = await Autoencoder.create({ inputSize: 100, hiddenSize: 16, seed: 3 }, { backend: 'worker' });
    const kept = await Autoencoder.create({ inputSize: 100, hiddenSize: 16, seed: 3 }, { backend: 'worker' });
    const a = await moved.fit(copy, { epochs: 3, transferData: true });
    const b = await kept.fit(data, { epochs: 3 });
    expect(copy.data.length).toBe(0);
    expect(data.data.length).toBe(300 * 100);
    expect(a.losses).toEqual(b.losses);
    await Promise.all([moved.dispose(), kept.dispose()]);
  });
});

describe('memory', () => {
  it('1 000 create → train → dispose cycles keep WASM memory and the JS heap bounded', async () => {
    const cycle = async () => {
      const ae = await Autoencoder.create({
        inputSize: 100,
        layers: [{ units: 32 }, { units: 8 }],
        optimizer: { kind: 'adam' },
      });
      await ae.fit(data, { epochs: 1, batchSize: 50 });
      const usage = await ae.memoryUsage();
      await ae.dispose();
      return usage;
    };
    for (let i = 0; i < 50; i++) await cycle();
    const warm = await cycle();
    const heapWarm = heapAfterGc();
    let last = warm;
    for (let i = 0; i < 1000; i++) last = await cycle();
    const heapGrowth = heapAfterGc() - heapWarm;
    console.log(
      `after 1 050 cycles: WASM ${(last.wasmBytes / 2 ** 20).toFixed(2)} MiB (after 50: ${(warm.wasmBytes / 2 ** 20).toFixed(2)}), live handles ${last.handles}, JS heap growth ${(heapGrowth / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(last.handles).toBe(warm.handles);
    expect(last.wasmBytes).toBeLessThanOrEqual(warm.wasmBytes);
    expect(heapGrowth).toBeLessThan(4 * 2 ** 20);
  });

  it('a long run does not grow memory per epoch', async () => {
    const ae = await Autoencoder.create({ inputSize: 100, hiddenSize: 32, optimizer: { kind: 'adam' } });
    const seen: Array<Promise<{ handles: number; wasmBytes: number }>> = [];
    await ae.fit(data, {
      epochs: 300,
      batchSize: 30,
      validationSplit: 0.2,
      onEpochEnd: (p) => {
        if (p.epoch === 10 || p.epoch === 300) seen.push(ae.memoryUsage());
      },
    });
    const [at10, at300] = await Promise.all(seen);
    expect(at300).toEqual(at10);
    await ae.dispose();
  });
});
