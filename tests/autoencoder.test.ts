import { afterEach, describe, expect, it } from 'vitest';
import type { AutoencoderConfig, RuntimeOptions } from '../dist/index.node.js';
import { Autoencoder, DiaboloError, shapes } from '../dist/index.node.js';

const size = 10;
const train = shapes({ count: 600, size, seed: 3 });
const test = shapes({ count: 200, size, seed: 4 });
const config: AutoencoderConfig = { inputSize: size * size, hiddenSize: 24, seed: 1234 };
const fit = { epochs: 25, batchSize: 16, learningRate: 0.5 };

const open: Autoencoder[] = [];
async function make(c: AutoencoderConfig = config, o: RuntimeOptions = {}): Promise<Autoencoder> {
  const ae = await Autoencoder.create(c, o);
  open.push(ae);
  return ae;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((ae) => ae.dispose()));
});

function bits(w: Float32Array): Uint32Array {
  return new Uint32Array(w.buffer, w.byteOffset, w.length);
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<DiaboloError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(DiaboloError);
    return e as DiaboloError;
  }
  throw new Error('expected a DiaboloError, nothing was thrown');
}

describe('one-hidden-layer autoencoder on shapes', () => {
  it('reduces the held-out reconstruction error at least tenfold', async () => {
    const ae = await make();
    const before = (await ae.evaluate(test)).reconstruction;
    const { losses } = await ae.fit(train, fit);
    const after = (await ae.evaluate(test)).reconstruction;
    expect(losses).toHaveLength(fit.epochs);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)).toBeLessThan(losses[0] as number);
    expect(after).toBeLessThan(before / 10);
  });

  it('gives bit-identical weights inline and in a worker for the same seed', async () => {
    const inline = await make(config, { backend: 'inline' });
    const worker = await make(config, { backend: 'worker' });
    expect(worker.runtime.backend).toBe('worker');
    expect(worker.runtime.flavor).toBe(inline.runtime.flavor);
    const [a, b] = await Promise.all([inline.fit(train, fit), worker.fit(train, fit)]);
    expect(b.losses).toEqual(a.losses);
    const [wa, wb] = await Promise.all([inline.getWeights(), worker.getWeights()]);
    expect(wa.length).toBe(2 * size * size * 24 + 24 + size * size);
    expect(bits(wb)).toEqual(bits(wa));
  });

  it('clips the global gradient norm: each SGD step moves the weights by at most lr × maxNorm', async () => {
    const ae = await make();
    const before = await ae.getWeights();
    await ae.fit(train, { epochs: 1, batchSize: 100, learningRate: 0.1, gradientClipNorm: 1e-3 });
    const after = await ae.getWeights();
    let sq = 0;
    for (let i = 0; i < before.length; i++) sq += ((after[i] as number) - (before[i] as number)) ** 2;
    const steps = 6; // 600 samples / 100
    expect(Math.sqrt(sq)).toBeGreaterThan(0);
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(0.1 * 1e-3 * steps * 1.0001);
  });

  it('different seeds give different weights', async () => {
    const a = await make({ ...config, seed: 1 });
    const b = await make({ ...config, seed: 2 });
    expect(bits(await a.getWeights())).not.toEqual(bits(await b.getWeights()));
  });

  it('scalar and simd128 kernels train to bit-identical weights (same summation order)', async () => {
    const simd = await make(config, { flavor: 'simd128' });
    const scalar = await make(config, { flavor: 'scalar' });
    expect(simd.runtime.flavor).toBe('simd128');
    expect(scalar.runtime.flavor).toBe('scalar');
    await simd.fit(train, { ...fit, epochs: 3 });
    await scalar.fit(train, { ...fit, epochs: 3 });
    expect(bits(await scalar.getWeights())).toEqual(bits(await simd.getWeights()));
  });

  it('encodes to hiddenSize values per sample and reconstructs in [0, 1]', async () => {
    const ae = await make();
    const codes = await ae.encode(test);
    expect([codes.rows, codes.cols, codes.data.length]).toEqual([200, 24, 200 * 24]);
    const rec = await ae.reconstruct([Array.from(test.data.subarray(0, size * size))]);
    expect(rec.rows).toBe(1);
    expect(rec.data.every((v) => v > 0 && v < 1)).toBe(true);
  });

  it('restores weights with setWeights', async () => {
    const a = await make();
    await a.fit(train, { ...fit, epochs: 2 });
    const b = await make({ ...config, seed: 99 });
    await b.setWeights(await a.getWeights());
    expect(Array.from((await b.reconstruct(test)).data)).toEqual(Array.from((await a.reconstruct(test)).data));
  });
});

describe('errors', () => {
  for (const backend of ['inline', 'worker'] as const) {
    it(`names expected and actual shape for wrong-shaped input (${backend})`, async () => {
      const ae = await make(config, { backend });
      const wrong = shapes({ count: 5, size: 8 });
      const e = await caught(ae.fit(wrong, fit));
      expect(e.code).toBe('E_SHAPE');
      expect(e.message).toContain('[n ≥ 1, 100]');
      expect(e.message).toContain('[5, 64]');
      const rows = await caught(ae.encode([[1, 2, 3]]));
      expect(rows.code).toBe('E_SHAPE');
      expect(rows.message).toContain('row 0 has 3 values');
      // The model is untouched and still works.
      expect((await ae.encode(test)).rows).toBe(200);
    });

    it(`rejects NaN data naming the row and column, and reports divergence as E_NON_FINITE (${backend})`, async () => {
      const ae = await make(config, { backend });
      const data = new Float32Array(200).fill(0.5);
      data[137] = Number.NaN;
      const e = await caught(ae.fit({ rows: 2, cols: 100, data }, { epochs: 1, batchSize: 2 }));
      expect(e.code).toBe('E_INVALID');
      expect(e.message).toContain('NaN at row 1, column 37');
      // A learning rate that blows linear units up in one step: caught at that step, and the
      // model is put back as it was at the start of the epoch (here, as it was created).
      const linear = await make({ ...config, hiddenActivation: 'linear', outputActivation: 'linear' }, { backend });
      const before = await linear.getWeights();
      const d = await caught(linear.fit(train, { epochs: 3, batchSize: 600, learningRate: 1e30 }));
      expect(d.code).toBe('E_NON_FINITE');
      expect(d.message).toMatch(/diverging.*put back as it was at the start of epoch 1/);
      expect(await linear.getWeights()).toEqual(before);
    });
  }

  it('retryOnDivergence: back to the epoch start with a smaller learning rate, as if trained with it from there', async () => {
    const linear = { ...config, hiddenActivation: 'linear', outputActivation: 'linear' } as const;
    const options = { epochs: 3, batchSize: 30, learningRate: 20 };
    expect((await caught((await make(linear)).fit(train, options))).code).toBe('E_NON_FINITE');
    const retried = await make(linear);
    const r = await retried.fit(train, { ...options, retryOnDivergence: { factor: 0.1, maxRetries: 4 } });
    expect(r.divergences.length).toBeGreaterThanOrEqual(1);
    expect(r.divergences.map((d) => d.epoch)).toEqual(r.divergences.map(() => 1));
    expect(r.divergences[0]?.message).toMatch(/not finite|diverging/);
    const rate = 20 * 0.1 ** r.divergences.length;
    expect(r.history.map((h) => h.learningRate)).toEqual([rate, rate, rate]);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    // Every retry started from the state before epoch 1 (weights, optimizer, random stream):
    // the result is that of a fresh model trained at the reduced rate, bit for bit.
    const direct = await make(linear);
    const d = await direct.fit(train, { ...options, learningRate: rate });
    expect(r.losses).toEqual(d.losses);
    expect(bits(await retried.getWeights())).toEqual(bits(await direct.getWeights()));
    // Too few retries: the error says how many were made.
    const e = await caught(
      (await make(linear)).fit(train, { ...options, retryOnDivergence: { factor: 0.9, maxRetries: 2 } }),
    );
    expect(e.code).toBe('E_NON_FINITE');
    expect(e.message).toContain('after 2 retries with a smaller learning rate: retryOnDivergence.maxRetries = 2');
    for (const [bad, text] of [
      [{ factor: 1 }, 'retryOnDivergence.factor = 1'],
      [{ maxRetries: 0 }, 'retryOnDivergence.maxRetries = 0'],
      [{ factr: 0.5 }, 'retryOnDivergence.factr'],
    ] as const) {
      const b = await caught((await make(linear)).fit(train, { ...options, retryOnDivergence: bad as never }));
      expect(b.code).toBe('E_INVALID');
      expect(b.message).toContain(text);
    }
  });

  it('rejects bad configurations, naming the field and the allowed values', async () => {
    const cases: Array<[AutoencoderConfig, string]> = [
      [{ ...config, hiddenSize: 0 }, 'hiddenSize = 0'],
      [{ ...config, inputSize: 2.5 }, 'inputSize = 2.5'],
      [{ ...config, hiddenActivation: 'swish' as never }, 'hiddenActivation = "swish"'],
      [{ ...config, loss: 'bce', outputActivation: 'sigmoid' }, 'outputActivation = "sigmoid"'],
      [{ ...config, seed: -1 }, 'seed = -1'],
      [{ ...config, hiden: 3 } as never, 'config.hiden'],
    ];
    for (const [c, text] of cases) {
      const e = await caught(Autoencoder.create(c));
      expect(e.code).toBe('E_INVALID');
      expect(e.message).toContain(text);
    }
  });

  it('rejects bad training options before training starts', async () => {
    const ae = await make();
    const w = await ae.getWeights();
    for (const [o, text] of [
      [{ epochs: 0 }, 'epochs = 0'],
      [{ epochs: 1, batchSize: 601 }, 'batchSize = 601'],
      [{ epochs: 1, learningRate: -1 }, 'learningRate = -1'],
    ] as const) {
      const e = await caught(ae.fit(train, o));
      expect(e.code).toBe('E_INVALID');
      expect(e.message).toContain(text);
    }
    expect(bits(await ae.getWeights())).toEqual(bits(w));
  });

  it('refuses use after dispose', async () => {
    const ae = await Autoencoder.create(config, { backend: 'worker' });
    await ae.dispose();
    await ae.dispose();
    expect((await caught(ae.encode(test))).code).toBe('E_DISPOSED');
  });

  it('runs an epoch in pieces with batch progress, bit-identical to whole epochs', async () => {
    const whole = await make();
    const pieces = await make();
    await whole.fit(train, fit);
    const seen: number[] = [];
    await pieces.fit(train, {
      ...fit,
      batchesPerCall: 7,
      onBatchEnd: (p) => {
        if (p.epoch === 1) seen.push(p.batch);
        expect(p.batches).toBe(38); // 600 / 16
        expect(Number.isFinite(p.loss)).toBe(true);
      },
    });
    expect(seen).toEqual([7, 14, 21, 28, 35, 38]);
    expect(bits(await pieces.getWeights())).toEqual(bits(await whole.getWeights()));
  });

  for (const backend of ['inline', 'worker'] as const) {
    it(`cancels within one minibatch, keeps a usable model, and training can continue (${backend})`, async () => {
      const ae = await make(config, { backend });
      const controller = new AbortController();
      let last = 0;
      const e = await caught(
        ae.fit(train, {
          ...fit,
          signal: controller.signal,
          onBatchEnd: (p) => {
            last = p.batch;
            if (p.epoch === 2 && p.batch === 5) controller.abort(new Error('user pressed stop'));
          },
        }),
      );
      expect(e.code).toBe('E_ABORTED');
      expect(e.message).toContain('user pressed stop');
      expect(last).toBe(5);
      expect((await ae.encode(test)).rows).toBe(200);
      const again = await ae.fit(train, { ...fit, epochs: 2 });
      expect(again.losses.every(Number.isFinite)).toBe(true);
    });
  }

  it('a worker stopped mid-training rejects the pending call with a typed error within a second', async () => {
    const ae = await Autoencoder.create(config, { backend: 'worker' });
    let stoppedAt = 0;
    const training = ae.fit(train, {
      ...fit,
      epochs: 1000,
      batchesPerCall: 1,
      onBatchEnd: (p) => {
        if (stoppedAt === 0 && p.batch === 3) {
          stoppedAt = performance.now();
          void ae.dispose();
        }
      },
    });
    const e = await caught(training);
    expect(['E_DISPOSED', 'E_WORKER']).toContain(e.code);
    expect(performance.now() - stoppedAt).toBeLessThan(1000);
    expect((await caught(ae.encode(test))).code).toBe('E_DISPOSED');
  });

  it('stops at an epoch boundary when aborted', async () => {
    const ae = await make();
    const controller = new AbortController();
    let seen = 0;
    const e = await caught(
      ae.fit(train, {
        ...fit,
        onEpochEnd: (p) => {
          seen = p.epoch;
          if (p.epoch === 2) controller.abort();
        },
        signal: controller.signal,
      }),
    );
    expect(e.code).toBe('E_ABORTED');
    expect(seen).toBe(2);
    expect((await ae.encode(test)).rows).toBe(200);
  });
});

// Divergence is caught when it starts — a loss that keeps growing by orders of magnitude, or
// one step that blows the weights up — not when the loss is already NaN; the model goes back
// to the start of the failing epoch and can be used and trained on.
describe('divergence leaves a usable model', () => {
  const relu = {
    inputSize: 100,
    layers: [{ units: 16, activation: 'relu' as const }],
    outputActivation: 'linear' as const,
    seed: 1,
  };
  const x = shapes({ count: 400, size: 10, seed: 1 });
  for (const backend of ['inline', 'worker'] as const) {
    it(`a rate far too large after good epochs: stopped while finite, back to that fit's failing epoch start (${backend})`, async () => {
      const ae = await Autoencoder.create(relu, { backend });
      await ae.fit(x, { epochs: 2, batchSize: 20, learningRate: 0.05 });
      const good = await ae.getWeights();
      for (const learningRate of [2, 5, 20, 1e30]) {
        const e = await caught(ae.fit(x, { epochs: 5, batchSize: 20, learningRate }));
        expect(e.code).toBe('E_NON_FINITE');
        expect(e.message).toMatch(/training is diverging/);
        expect(e.message).toMatch(/put back as it was at the start of epoch 1/);
        expect(await ae.getWeights()).toEqual(good);
      }
      // Still a working model: it encodes finite codes and trains on at a sane rate.
      const codes = await ae.encode(x);
      expect(codes.data.every(Number.isFinite)).toBe(true);
      const more = await ae.fit(x, { epochs: 3, batchSize: 20, learningRate: 0.05 });
      expect(more.losses.every(Number.isFinite)).toBe(true);
      expect(more.losses[2]).toBeLessThan(more.losses[0] as number);
      await ae.dispose();
    });
  }

  it('a failing later epoch goes back to that epoch start, not to the start of the fit', async () => {
    // At this rate the loss grows slowly through epoch 1 and explodes in epoch 2.
    const ae = await Autoencoder.create(relu);
    const e = await caught(ae.fit(x, { epochs: 5, batchSize: 20, learningRate: 1.05 }));
    expect(e.code).toBe('E_NON_FINITE');
    expect(e.message).toMatch(
      /epoch 2, learning rate 1.05\); the model was put back as it was at the start of epoch 2/,
    );
    // The same model after one epoch at that rate, trained on its own.
    const reference = await Autoencoder.create(relu);
    await reference.fit(x, { epochs: 1, batchSize: 20, learningRate: 1.05 });
    expect(await ae.getWeights()).toEqual(await reference.getWeights());
    await Promise.all([ae.dispose(), reference.dispose()]);
  });
});

describe('optimizers', () => {
  it('each optimizer the API offers trains a model (sgd, momentum, Nesterov, adam, adamw)', async () => {
    const x = shapes({ count: 300, size: 10, seed: 3 });
    for (const optimizer of [
      { kind: 'sgd' },
      { kind: 'momentum', momentum: 0.9 },
      { kind: 'momentum', momentum: 0.9, nesterov: true },
      { kind: 'adam' },
      { kind: 'adamw', weightDecay: 0.05 },
    ] as const) {
      const ae = await Autoencoder.create({ inputSize: 100, hiddenSize: 16, optimizer, seed: 2 });
      const lr = optimizer.kind.startsWith('adam') ? 0.01 : 0.5;
      const r = await ae.fit(x, { epochs: 4, batchSize: 20, learningRate: lr });
      expect(r.losses[3], JSON.stringify(optimizer)).toBeLessThan(r.losses[0] as number);
      await ae.dispose();
    }
  });
});

describe('activations and losses from the core registry (SiLU, GELU, L1)', () => {
  const x = shapes({ count: 200, size: 8, seed: 5 });
  const adam = { kind: 'adam' } as const;
  const cases: Array<[string, AutoencoderConfig]> = [
    [
      'silu, contractive, l1',
      { inputSize: 64, layers: [{ units: 16, activation: 'silu', contractive: 0.01 }], loss: 'l1', optimizer: adam },
    ],
    [
      'deep gelu → silu',
      {
        inputSize: 64,
        layers: [
          { units: 24, activation: 'gelu' },
          { units: 8, activation: 'silu' },
        ],
        optimizer: adam,
      },
    ],
    [
      'gelu VAE with l1',
      {
        inputSize: 64,
        layers: [{ units: 16, activation: 'gelu' }],
        vae: { latentSize: 2 },
        loss: 'l1',
        optimizer: adam,
      },
    ],
  ];
  for (const [name, c] of cases) {
    it(`${name}: trains, inline and in a worker to the same bits`, async () => {
      const cfg = { ...c, seed: 9 };
      const opts = { epochs: 6, batchSize: 20, learningRate: 0.01 };
      const inline = await make(cfg, { backend: 'inline' });
      const worker = await make(cfg, { backend: 'worker' });
      const [a, b] = await Promise.all([inline.fit(x, opts), worker.fit(x, opts)]);
      expect(a.losses.every(Number.isFinite)).toBe(true);
      expect(a.losses.at(-1)).toBeLessThan(a.losses[0] as number);
      expect(b.losses).toEqual(a.losses);
      expect(bits(await worker.getWeights())).toEqual(bits(await inline.getWeights()));
    });
  }

  it('gelu and silu give the same bits in the scalar and simd128 builds', async () => {
    const cfg = { ...(cases[1]?.[1] as AutoencoderConfig), seed: 3 };
    const simd = await make(cfg, { flavor: 'simd128' });
    const scalar = await make(cfg, { flavor: 'scalar' });
    await simd.fit(x, { epochs: 2, batchSize: 20, learningRate: 0.01 });
    await scalar.fit(x, { epochs: 2, batchSize: 20, learningRate: 0.01 });
    expect(bits(await scalar.getWeights())).toEqual(bits(await simd.getWeights()));
  });

  it("an l1 VAE's ELBO adds the Laplace constant (ln 2 per input) to the loss and the KL", async () => {
    const vae = await make({ ...(cases[2]?.[1] as AutoencoderConfig), seed: 4 });
    await vae.fit(x, { epochs: 2, batchSize: 20, learningRate: 0.01 });
    const e = await vae.evaluate(x);
    expect(e.elbo).toBe(-(e.reconstruction + 64 * Math.LN2 + e.kl));
  });
});
