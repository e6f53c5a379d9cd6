// One model, several calls at once. A model trains one call at a time: a second training
// call, or a call that replaces its weights, while it trains is refused at once with E_BUSY
// and changes nothing; calls that only read the model go on and see it at a minibatch
// boundary, without disturbing the training; dispose() ends the training with E_DISPOSED.
import { describe, expect, it } from 'vitest';
import { Autoencoder, Classifier, type DiaboloError, shapes } from '../dist/index.node.js';

const data = shapes({ count: 600, size: 12, seed: 4 });
const config = { inputSize: 144, hiddenSize: 24, seed: 9 };
const fit = { epochs: 5, batchSize: 16, learningRate: 0.5 };
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: DiaboloError) => e.code,
  );

async function solo(backend: 'inline' | 'worker') {
  const ae = await Autoencoder.create(config, { backend });
  const r = await ae.fit(data, fit);
  const w = await ae.getWeights();
  await ae.dispose();
  return { losses: r.losses, weights: w };
}

describe.each(['inline', 'worker'] as const)('%s: concurrent calls on one model', (backend) => {
  it('a second fit() while one runs is refused with E_BUSY; the first runs as if alone', async () => {
    const reference = await solo(backend);
    const ae = await Autoencoder.create(config, { backend });
    const first = ae.fit(data, fit);
    const t0 = performance.now();
    expect(await code(ae.fit(data, fit))).toBe('E_BUSY');
    expect(performance.now() - t0).toBeLessThan(1000);
    const r = await first;
    expect(r.losses).toEqual(reference.losses);
    expect(await ae.getWeights()).toEqual(reference.weights);
    // No longer busy: training goes on.
    expect((await ae.fit(data, { ...fit, epochs: 1 })).losses.length).toBe(1);
    await ae.dispose();
  });

  it('setWeights / setLayerWeights during fit are refused and change nothing', async () => {
    const reference = await solo(backend);
    const ae = await Autoencoder.create(config, { backend });
    const first = ae.fit(data, fit);
    const zeros = new Float32Array(reference.weights.length);
    const e = await ae.setWeights(zeros).catch((x: DiaboloError) => x);
    expect((e as DiaboloError).code).toBe('E_BUSY');
    expect((e as DiaboloError).message).toMatch(/setWeights\(\): this model is training \(fit\(\)/);
    expect(await code(ae.setLayerWeights(0, false, new Float32Array(144 * 24), new Float32Array(24)))).toBe('E_BUSY');
    await first;
    expect(await ae.getWeights()).toEqual(reference.weights);
    await ae.setWeights(zeros); // allowed once training is over
    expect((await ae.getWeights()).every((v) => v === 0)).toBe(true);
    await ae.dispose();
  });

  it('reads during fit (encode, evaluate, save, getWeights) go on and do not disturb training', async () => {
    const reference = await solo(backend);
    const ae = await Autoencoder.create(config, { backend });
    const run = ae.fit(data, fit);
    const reads = await Promise.all([ae.encode(data), ae.evaluate(data), ae.save(), ae.getWeights()]);
    expect(reads[0].rows).toBe(600);
    expect(Number.isFinite(reads[1].reconstruction)).toBe(true);
    expect(reads[2].length).toBeGreaterThan(100);
    const r = await run;
    expect(r.losses).toEqual(reference.losses);
    expect(await ae.getWeights()).toEqual(reference.weights);
    await ae.dispose();
  });

  it('a fit that failed or was cancelled leaves the model free to train again', async () => {
    const ae = await Autoencoder.create(config, { backend });
    const stop = new AbortController();
    stop.abort(new Error('no'));
    expect(await code(ae.fit(data, { ...fit, signal: stop.signal }))).toBe('E_ABORTED');
    const late = new AbortController();
    const cancelled = ae.fit(data, { ...fit, epochs: 50, signal: late.signal, onEpochEnd: () => late.abort() });
    expect(await code(cancelled)).toBe('E_ABORTED');
    expect(await code(ae.fit(data, { ...fit, learningRate: -1 }))).toBe('E_INVALID');
    expect((await ae.fit(data, { ...fit, epochs: 2 })).losses.length).toBe(2);
    await ae.dispose();
  });

  it('dispose() during fit ends it with E_DISPOSED; later calls are E_DISPOSED too', async () => {
    const ae = await Autoencoder.create(config, { backend });
    const run = ae.fit(data, { ...fit, epochs: 200 });
    await new Promise((r) => setTimeout(r, 30));
    await ae.dispose();
    expect(await code(run)).toBe('E_DISPOSED');
    expect(await code(ae.encode(data))).toBe('E_DISPOSED');
    expect(await code(ae.fit(data, fit))).toBe('E_DISPOSED');
  });

  it('a classifier trains one fit at a time too', async () => {
    const labels = Array.from({ length: 600 }, (_, i) => i % 4);
    const c = await Classifier.create({ inputSize: 144, classes: 4, seed: 3 }, { backend });
    const first = c.fit(data, labels, { epochs: 4 });
    expect(await code(c.fit(data, labels, { epochs: 1 }))).toBe('E_BUSY');
    expect((await first).losses.length).toBe(4);
    expect((await c.fit(data, labels, { epochs: 1 })).losses.length).toBe(1);
    await c.dispose();
  });
});
