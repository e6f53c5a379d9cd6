// Unit tests of TypeScript logic, on the sources (ts/src), with no wasm build: training
// options and schedules, configuration resolution, argument messages. `npm run test:unit`.
import { describe, expect, it } from 'vitest';
import { show } from '../../ts/src/base/check.js';
import { coreSpec, parameterTensors, resolveAutoencoderConfig } from '../../ts/src/model/config.js';
import { learningRateAt, resolveFitOptions } from '../../ts/src/train/options.js';
import { expectInvalid } from './errors.js';

const sgd = { kind: 'sgd' } as const;

describe('learning-rate schedules', () => {
  it('constant, step (γ every k epochs) and cosine (full rate first, above the minimum last)', () => {
    expect([1, 2, 3].map((e) => learningRateAt(0.1, { kind: 'constant' }, e, 3))).toEqual([0.1, 0.1, 0.1]);
    const step = [1, 2, 3, 4, 5].map((e) => learningRateAt(1, { kind: 'step', every: 2, gamma: 0.5 }, e, 5));
    expect(step).toEqual([1, 1, 0.5, 0.5, 0.25]);
    const cosine = [1, 2, 3, 4].map((e) => learningRateAt(1, { kind: 'cosine', minLearningRate: 0.1 }, e, 4));
    expect(cosine[0]).toBe(1);
    for (let i = 1; i < cosine.length; i++) expect(cosine[i]).toBeLessThan(cosine[i - 1] as number);
    expect(cosine[3]).toBeGreaterThan(0.1);
  });
});

describe('fit options', () => {
  it('fills the defaults and decides the piece size from what is asked for', () => {
    const o = resolveFitOptions({ epochs: 3 }, 100, sgd);
    expect(o).toMatchObject({ epochs: 3, validationSplit: 0, gradientClipNorm: 0, dataParallel: 1 });
    expect(o.batchesPerCall).toBe(0); // no progress, no signal: an epoch per call (in a worker)
    const withSignal = resolveFitOptions({ epochs: 1, signal: new AbortController().signal }, 100, sgd);
    expect(withSignal.batchesPerCall).toBe(1);
    // Inline, the same training runs in time slices unless a count is given.
    expect(resolveFitOptions({ epochs: 1 }, 100, sgd, true).pieces).toEqual({ sliceMs: 25 });
    expect(resolveFitOptions({ epochs: 1, batchesPerCall: 3 }, 100, sgd, true).pieces).toBe(3);
    expect(o.pieces).toBe(0);
  });

  it('names the option and the expected range', () => {
    expectInvalid(() => resolveFitOptions({ epochs: 0 }, 100, sgd), 'epochs = 0');
    expectInvalid(() => resolveFitOptions({ epochs: 1, batchSize: 101 }, 100, sgd), 'batchSize = 101');
    expectInvalid(() => resolveFitOptions({ epochs: 1, validationSplit: 1 }, 100, sgd), 'validationSplit = 1');
    expectInvalid(() => resolveFitOptions({ epochs: 1, learningRate: -1 }, 100, sgd), 'learningRate = -1');
    expectInvalid(() => resolveFitOptions({ epochs: 1, epochz: 2 } as never, 100, sgd), 'options.epochz');
  });
});

describe('autoencoder configuration', () => {
  it('resolves defaults, mirrors the decoder and lays out the parameters', () => {
    const c = resolveAutoencoderConfig({ inputSize: 10, layers: [{ units: 6 }, { units: 3 }], seed: 4 });
    expect(c.layers.map((l) => l.units)).toEqual([6, 3]);
    const sizes = parameterTensors(c).map((t) => t.length);
    // encoder W, b per layer, then the mirrored decoder: 10-6-3-6-10
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(6 * 10 + 6 + 3 * 6 + 3 + 6 * 3 + 6 + 10 * 6 + 10);
    expect(JSON.parse(coreSpec(c)).inputSize).toBe(10);
  });

  it("takes the core's vocabulary: every activation and loss, their α and output rules", () => {
    const base = { inputSize: 4, hiddenSize: 2 } as const;
    for (const activation of ['silu', 'gelu', 'leakyRelu', 'elu', 'sigmoid'] as const) {
      const c = resolveAutoencoderConfig({ ...base, hiddenActivation: activation });
      // The default α of the activations that take one; the leaky ReLU's for the others, as always.
      expect(c.layers[0]?.activationAlpha).toBe(activation === 'elu' ? 1 : 0.01);
    }
    expect(resolveAutoencoderConfig({ ...base, loss: 'l1' }).outputActivation).toBe('sigmoid');
    expect(resolveAutoencoderConfig({ ...base, loss: 'bce' }).outputActivation).toBe('linear');
    expect(resolveAutoencoderConfig({ ...base, loss: 'mse' }).outputActivation).toBe('sigmoid');
    expectInvalid(
      () => resolveAutoencoderConfig({ ...base, loss: 'bce', outputActivation: 'gelu' }),
      'outputActivation = "gelu" is not allowed: expected "linear" with loss "bce"',
    );
    expectInvalid(
      () => resolveAutoencoderConfig({ ...base, hiddenActivation: 'swish' as never }),
      'expected one of linear, sigmoid, tanh, relu, leakyRelu, elu, softplus, silu, gelu',
    );
    expectInvalid(() => resolveAutoencoderConfig({ ...base, loss: 'huber' as never }), 'expected one of mse, bce, l1');
    expectInvalid(
      () => resolveAutoencoderConfig({ ...base, corruption: { kind: 'blur' } as never }),
      'expected one of none, mask, gaussian, saltPepper',
    );
    expectInvalid(
      () => resolveAutoencoderConfig({ ...base, optimizer: { kind: 'lbfgs' } as never }),
      'expected one of sgd, momentum, adam, adamw',
    );
    expectInvalid(
      () => resolveAutoencoderConfig({ ...base, init: 'orthogonal' as never }),
      'expected one of auto, glorot, he, uniformFanIn',
    );
    expectInvalid(
      () => resolveAutoencoderConfig({ ...base, optimizer: { kind: 'sgd', rho: 1 } as never }),
      'optimizer.rho',
    );
  });

  it('refuses what it cannot build, naming the field', () => {
    expectInvalid(() => resolveAutoencoderConfig({ inputSize: 0, hiddenSize: 2 }), 'inputSize = 0');
    expectInvalid(() => resolveAutoencoderConfig({ inputSize: 4, hiddenSize: 2, loss: 'mae' as never }), 'loss');
    expectInvalid(() => resolveAutoencoderConfig({ inputSize: 4, hiddenSize: 2, colour: 1 } as never), 'colour');
  });
});

describe('messages show any value', () => {
  it('BigInts, cycles, symbols and long strings never throw', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const v of [10n, cyclic, Symbol('s'), 'x'.repeat(500), undefined, null, Number.NaN, () => 1]) {
      expect(typeof show(v)).toBe('string');
    }
    expect(show('x'.repeat(500)).length).toBeLessThan(120);
  });
});
