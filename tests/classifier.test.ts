// Classifier.fit with validation data, early stopping and a learning-rate schedule, and the
// classifier's setWeights.
import { describe, expect, it } from 'vitest';
import { Autoencoder, Classifier, type ClassifierEpochProgress, type Matrix, shapes } from '../dist/index.node.js';
import { expectError } from './helpers/errors.js';

const all = shapes({ count: 80, size: 8, seed: 5 }); // 64 features, 4 classes
const labels = Array.from(all.labels);

function rows(m: Matrix, start: number, end: number): Matrix {
  return { rows: end - start, cols: m.cols, data: m.data.slice(start * m.cols, end * m.cols) };
}

/** A case that overfits: 12 training rows, a large rate, many epochs; the rest validates. */
const small = rows(all, 0, 12);
const smallLabels = labels.slice(0, 12);
const held = { data: rows(all, 12, 80), labels: labels.slice(12) };

describe('Classifier.fit: validation', () => {
  it('reports the validation curve, the same from a split as from the same rows given', async () => {
    const a = await Classifier.create({ inputSize: 64, classes: 4, seed: 2 });
    const seen: ClassifierEpochProgress[] = [];
    const split = await a.fit(all, labels, { epochs: 4, validationSplit: 0.25, onEpochEnd: (p) => seen.push(p) });
    expect(split.validation).toHaveLength(4);
    expect(split.stoppedEarly).toBe(false);
    expect(split.bestEpoch).toBeUndefined();
    expect(seen.map((p) => p.validationLoss)).toEqual(split.validation?.map((v) => v.loss));
    expect(seen.map((p) => p.validationAccuracy)).toEqual(split.validation?.map((v) => v.accuracy));
    expect(seen.every((p) => p.learningRate === 1e-3)).toBe(true);
    for (const v of split.validation ?? []) {
      expect(v.loss).toBeGreaterThan(0);
      expect(v.accuracy).toBeGreaterThanOrEqual(0);
      expect(v.accuracy).toBeLessThanOrEqual(1);
    }
    // The last 20 rows were held out: the evaluation after fit is the last validation figure.
    const last = await a.evaluate(rows(all, 60, 80), labels.slice(60));
    expect(last).toEqual(split.validation?.[3]);

    const b = await Classifier.create({ inputSize: 64, classes: 4, seed: 2 });
    const given = await b.fit(rows(all, 0, 60), labels.slice(0, 60), {
      epochs: 4,
      validationData: { data: rows(all, 60, 80), labels: labels.slice(60) },
    });
    expect(given).toEqual(split);
    expect(await b.getWeights()).toEqual(await a.getWeights());
    await a.dispose();
    await b.dispose();
  });

  it('without validation data there is no validation curve', async () => {
    const c = await Classifier.create({ inputSize: 64, classes: 4 });
    const seen: ClassifierEpochProgress[] = [];
    const r = await c.fit(all, labels, { epochs: 2, onEpochEnd: (p) => seen.push(p) });
    expect(r).toEqual({ losses: r.losses, stoppedEarly: false, workers: 1 });
    expect(seen.every((p) => !('validationLoss' in p) && !('validationAccuracy' in p))).toBe(true);
    await c.dispose();
  });
});

describe('Classifier.fit: early stopping', () => {
  const overfit = { epochs: 300, batchSize: 4, learningRate: 0.05, validationData: held };

  it('stops when the validation loss rises and puts back the best epoch', async () => {
    const c = await Classifier.create({ inputSize: 64, classes: 4, seed: 3 });
    const r = await c.fit(small, smallLabels, { ...overfit, earlyStopping: { patience: 5 } });
    const curve = (r.validation ?? []).map((v) => v.loss);
    expect(r.stoppedEarly).toBe(true);
    expect(r.losses.length).toBeLessThan(300);
    const best = curve.indexOf(Math.min(...curve)) + 1;
    expect(r.bestEpoch).toBe(best);
    expect(r.losses.length).toBe(best + 5);
    // The validation loss rose after the best epoch, and the classifier holds that epoch's parameters.
    expect(curve[curve.length - 1]).toBeGreaterThan(curve[best - 1] as number);
    expect((await c.evaluate(held.data, held.labels)).loss).toBe(curve[best - 1]);
    await c.dispose();
  });

  it('restoreBest: false keeps the last epoch; minDelta makes small gains not count', async () => {
    const c = await Classifier.create({ inputSize: 64, classes: 4, seed: 3 });
    const r = await c.fit(small, smallLabels, { ...overfit, earlyStopping: { patience: 5, restoreBest: false } });
    expect(r.stoppedEarly).toBe(true);
    expect(r.bestEpoch).toBe(r.losses.length);
    expect((await c.evaluate(held.data, held.labels)).loss).toBe(r.validation?.at(-1)?.loss);
    const d = await Classifier.create({ inputSize: 64, classes: 4, seed: 3 });
    const strict = await d.fit(small, smallLabels, { ...overfit, earlyStopping: { patience: 5, minDelta: 10 } });
    // Only the first epoch improves on +∞ by more than 10.
    expect(strict.losses).toHaveLength(6);
    expect(strict.bestEpoch).toBe(1);
    expect((await d.evaluate(held.data, held.labels)).loss).toBe(strict.validation?.[0]?.loss);
    await c.dispose();
    await d.dispose();
  });
});

describe('Classifier.fit: early stopping on accuracy', () => {
  it('monitor: accuracy keeps the first epoch of best validation accuracy', async () => {
    const c = await Classifier.create({ inputSize: 64, classes: 4, seed: 3 });
    const r = await c.fit(small, smallLabels, {
      epochs: 60,
      batchSize: 4,
      learningRate: 0.05,
      validationData: held,
      earlyStopping: { patience: 4, monitor: 'accuracy' },
    });
    const accuracy = (r.validation ?? []).map((v) => v.accuracy);
    const best = accuracy.indexOf(Math.max(...accuracy)) + 1;
    expect(r.bestEpoch).toBe(best);
    // It stops `patience` epochs after the best accuracy (or runs out of epochs), not on the loss's terms.
    expect(r.losses.length).toBe(Math.min(60, best + 4));
    expect(r.stoppedEarly).toBe(r.losses.length < 60);
    expect((await c.evaluate(held.data, held.labels)).accuracy).toBe(accuracy[best - 1]);
    await c.dispose();
  });

  it('refuses an unknown monitor, and autoencoders have only the loss to watch', async () => {
    const c = await Classifier.create({ inputSize: 64, classes: 4 });
    const fit = { epochs: 1, validationData: held, earlyStopping: { patience: 1, monitor: 'error' as 'loss' } };
    await expect(c.fit(small, smallLabels, fit)).rejects.toThrow(/earlyStopping\.monitor = "error".*loss, accuracy/);
    await c.dispose();
    const ae = await Autoencoder.create({ inputSize: 64, hiddenSize: 8 });
    const stop = { patience: 1, monitor: 'accuracy' } as unknown as { patience: number };
    await expect(ae.fit(small, { epochs: 1, validationSplit: 0.2, earlyStopping: stop })).rejects.toThrow(
      /earlyStopping.*monitor/,
    );
    await ae.dispose();
  });
});

describe('Classifier.fit: schedule', () => {
  it('changes the learning rate of each epoch', async () => {
    const c = await Classifier.create({ inputSize: 64, classes: 4, optimizer: { kind: 'sgd' } });
    const rates: number[] = [];
    await c.fit(all, labels, {
      epochs: 5,
      learningRate: 0.2,
      schedule: { kind: 'step', every: 2, gamma: 0.5 },
      onEpochEnd: (p) => rates.push(p.learningRate),
    });
    expect(rates).toEqual([0.2, 0.2, 0.1, 0.1, 0.05]);
    rates.length = 0;
    await c.fit(all, labels, {
      epochs: 4,
      learningRate: 0.2,
      schedule: { kind: 'cosine' },
      onEpochEnd: (p) => rates.push(p.learningRate),
    });
    expect(rates[0]).toBe(0.2);
    expect(rates[2]).toBeCloseTo(0.1, 12);
    for (let i = 1; i < 4; i++) expect(rates[i]).toBeLessThan(rates[i - 1] as number);
    await c.dispose();
  });
});

describe('Classifier.setWeights', () => {
  it('round-trips bit-exactly and refuses bad weights, changing nothing', async () => {
    const a = await Classifier.create({ inputSize: 64, classes: 4, seed: 1 });
    const b = await Classifier.create({ inputSize: 64, classes: 4, seed: 9 });
    await a.fit(all, labels, { epochs: 2 });
    const w = await a.getWeights();
    await b.setWeights(w);
    const back = await b.getWeights();
    expect(new Uint32Array(back.buffer)).toEqual(new Uint32Array(w.buffer));
    expect(await b.predictProba(all)).toEqual(await a.predictProba(all));

    await expectError(
      b.setWeights(new Float32Array(3)),
      'E_SHAPE',
      `parameters: expected shape [${w.length}], got [3]`,
    );
    const bad = w.slice();
    bad[7] = Number.NaN;
    await expectError(b.setWeights(bad), 'E_INVALID', 'parameters = NaN at index 7');
    bad[7] = Number.NEGATIVE_INFINITY;
    await expectError(b.setWeights(bad), 'E_INVALID', 'parameters = -Infinity at index 7');
    await expectError(b.setWeights([1, 2] as never), 'E_INVALID', 'weights');
    expect(await b.getWeights()).toEqual(w);

    const run = b.fit(all, labels, { epochs: 3 });
    await expectError(b.setWeights(w), 'E_BUSY', 'setWeights(): this model is training (fit()');
    await run;
    await a.dispose();
    await b.dispose();
  });
});

describe('Classifier.fit: bad options', () => {
  it('are refused with the option named', async () => {
    const c = await Classifier.create({ inputSize: 64, classes: 4 });
    const w = await c.getWeights();
    const cases: Array<[object, string, string]> = [
      [{ epochs: 1, validationSplit: 1 }, 'E_INVALID', 'validationSplit = 1'],
      [{ epochs: 1, validationSplit: -0.1 }, 'E_INVALID', 'validationSplit = -0.1'],
      [{ epochs: 1, validationSplit: 0.2, validationData: held }, 'E_INVALID', 'absent when validationData is given'],
      [{ epochs: 1, validationData: rows(all, 0, 4) }, 'E_INVALID', 'options.validationData'],
      [{ epochs: 1, validationData: { data: rows(all, 0, 4), labels: [0, 1] } }, 'E_SHAPE', 'validationData.labels'],
      [
        { epochs: 1, validationData: { data: rows(all, 0, 2), labels: [0, 4] } },
        'E_INVALID',
        'validationData.labels[1] = 4',
      ],
      [
        { epochs: 1, validationData: { data: { rows: 2, cols: 3, data: new Float32Array(6) }, labels: [0, 1] } },
        'E_SHAPE',
        'validationData',
      ],
      [{ epochs: 1, earlyStopping: { patience: 2 } }, 'E_INVALID', 'earlyStopping'],
      [{ epochs: 1, validationSplit: 0.2, earlyStopping: { patience: 0 } }, 'E_INVALID', 'earlyStopping.patience = 0'],
      [{ epochs: 1, validationSplit: 0.2, earlyStopping: { patience: 1, best: 1 } }, 'E_INVALID', 'earlyStopping.best'],
      [{ epochs: 1, schedule: { kind: 'exp' } }, 'E_INVALID', 'schedule.kind = "exp"'],
      [{ epochs: 1, schedule: { kind: 'step', every: 2, gamma: 2 } }, 'E_INVALID', 'schedule.gamma = 2'],
      [{ epochs: 1, validationSplit: 0.5, batchSize: 41 }, 'E_INVALID', 'batchSize = 41'],
      [{ epochs: 1, dropout: { input: 1 } }, 'E_INVALID', 'dropout.input = 1'],
      [{ epochs: 1, dropout: { hidden: -0.2 } }, 'E_INVALID', 'dropout.hidden = -0.2'],
      [{ epochs: 1, dropout: { hiden: 0.5 } }, 'E_INVALID', 'options.dropout.hiden'],
      [{ epochs: 1, dropout: 0.5 }, 'E_INVALID', 'options.dropout'],
    ];
    for (const [options, code, text] of cases) {
      await expectError(c.fit(all, labels, options as never), code, text);
    }
    expect(await c.getWeights()).toEqual(w);
    await c.dispose();
  });
});

describe('Classifier.fit: dropout', () => {
  /** A classifier on a small trained encoder (two layers, so that `hidden` drops twice). */
  async function fineTuned(seed: number): Promise<Classifier> {
    const ae = await Autoencoder.create({ inputSize: 64, layers: [{ units: 24 }, { units: 12 }], seed: 4 });
    await ae.fit(all, { epochs: 2, batchSize: 8 });
    const c = await ae.toClassifier({ classes: 4, seed });
    await ae.dispose();
    return c;
  }
  const fit = { epochs: 30, batchSize: 4, learningRate: 0.01 };

  it('is seeded, thins the network only while training, and regularises', async () => {
    const dropout = { input: 0.2, hidden: 0.5 };
    const [a, b, plain] = [await fineTuned(7), await fineTuned(7), await fineTuned(7)];
    const ra = await a.fit(small, smallLabels, { ...fit, dropout });
    const rb = await b.fit(small, smallLabels, { ...fit, dropout });
    const rp = await plain.fit(small, smallLabels, fit);
    // Same seed, same masks: the same curve and weights.
    expect(rb).toEqual(ra);
    expect(await b.getWeights()).toEqual(await a.getWeights());
    // The thinned networks fit the 12 rows less tightly than the whole network does.
    expect(ra.losses.at(-1)).toBeGreaterThan(2 * (rp.losses.at(-1) ?? 0));
    // Prediction uses the whole network: repeated evaluations agree exactly.
    const once = await a.evaluate(held.data, held.labels);
    expect(await a.evaluate(held.data, held.labels)).toEqual(once);
    expect(once.accuracy).toBeGreaterThan(0.25);
    // `hidden` acts on the encoder layers: input dropout alone gives another network.
    const inputOnly = await fineTuned(7);
    await inputOnly.fit(small, smallLabels, { ...fit, dropout: { input: 0.2 } });
    expect(await inputOnly.getWeights()).not.toEqual(await a.getWeights());
    for (const c of [a, b, plain, inputOnly]) await c.dispose();
  });

  it('ends with the fit: the next fit without it trains the whole network', async () => {
    const c = await fineTuned(8);
    const dropout = { input: 0.3, hidden: 0.5 };
    await c.fit(small, smallLabels, { ...fit, epochs: 2, dropout });
    const whole = await c.evaluate(small, smallLabels);
    // One full batch at a negligible rate: the epoch's loss is that of the network it trained.
    const probe = { epochs: 1, batchSize: 12, learningRate: 1e-12 };
    const thinned = await c.fit(small, smallLabels, { ...probe, dropout });
    expect(Math.abs((thinned.losses[0] ?? 0) - whole.loss)).toBeGreaterThan(1e-3);
    const after = await c.fit(small, smallLabels, probe);
    expect(after.losses[0]).toBeCloseTo(whole.loss, 4);
    await c.dispose();
  });
});

describe('Classifier.fit: backends', () => {
  it('inline and worker agree on curves, stopping and parameters', async () => {
    const results = [];
    for (const backend of ['inline', 'worker'] as const) {
      const c = await Classifier.create({ inputSize: 64, classes: 4, seed: 3 }, { backend });
      const r = await c.fit(small, smallLabels, {
        epochs: 300,
        batchSize: 4,
        learningRate: 0.05,
        schedule: { kind: 'cosine', minLearningRate: 0.01 },
        validationData: held,
        earlyStopping: { patience: 5 },
      });
      results.push({ r, weights: await c.getWeights() });
      await c.dispose();
    }
    expect(results[0]?.r.stoppedEarly).toBe(true);
    expect(results[1]).toEqual(results[0]);
  });
});
