// The bad-input table: every row is a mistake a user can make, and each must give a typed
// DiaboloError with a stable code and a message naming the field (or file, row, column) —
// raised before any training starts, leaving an existing model untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutoencoderConfig, FitOptions } from '../dist/index.node.js';
import { Autoencoder, Classifier, DiaboloError, matrix, parseCsv, parseIdx, shapes } from '../dist/index.node.js';

const base: AutoencoderConfig = { inputSize: 16, hiddenSize: 4, seed: 1 };
const x = shapes({ count: 40, size: 8 }); // 64 features
const x16 = { rows: 40, cols: 16, data: x.data.slice(0, 40 * 16) };

async function expectError(p: Promise<unknown> | (() => unknown), code: string, text: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(DiaboloError);
    expect((e as DiaboloError).code).toBe(code);
    expect((e as DiaboloError).message).toContain(text);
    return;
  }
  throw new Error(`expected ${code} (${text}), nothing was thrown`);
}

/** Objects that refer to themselves: messages must still show them (never a TypeError from JSON). */
const cyclic: Record<string, unknown> = { rho: 0.1 };
cyclic.beta = cyclic;
const cyclicArray: unknown[] = [];
cyclicArray.push(cyclicArray);

const configRows: Array<[string, unknown, string, string]> = [
  ['inputSize 0', { ...base, inputSize: 0 }, 'E_INVALID', 'inputSize = 0'],
  ['inputSize fractional', { ...base, inputSize: 3.5 }, 'E_INVALID', 'inputSize = 3.5'],
  ['inputSize string', { ...base, inputSize: '16' }, 'E_INVALID', 'inputSize = "16"'],
  ['inputSize over the limit', { ...base, inputSize: 1e6 }, 'E_INVALID', 'inputSize = 1000000'],
  ['hidden size 0', { ...base, hiddenSize: 0 }, 'E_INVALID', 'hiddenSize = 0'],
  ['no layers at all', { inputSize: 16 }, 'E_INVALID', 'layers'],
  ['empty layers', { inputSize: 16, layers: [] }, 'E_INVALID', 'layers'],
  ['both hiddenSize and layers', { ...base, layers: [{ units: 3 }] }, 'E_INVALID', 'hiddenSize = 4'],
  ['layer units negative', { inputSize: 16, layers: [{ units: -2 }] }, 'E_INVALID', 'layers[0].units = -2'],
  ['layer unknown key', { inputSize: 16, layers: [{ units: 2, size: 3 }] }, 'E_INVALID', 'layers[0].size'],
  ['unknown config key', { ...base, hiden: 3 }, 'E_INVALID', 'config.hiden'],
  ['config not an object', 42, 'E_INVALID', 'config = 42'],
  ['unknown activation', { ...base, hiddenActivation: 'swish' }, 'E_INVALID', 'hiddenActivation = "swish"'],
  ['unknown loss', { ...base, loss: 'l1' }, 'E_INVALID', 'loss = "l1"'],
  [
    'bce with sigmoid output',
    { ...base, loss: 'bce', outputActivation: 'sigmoid' },
    'E_INVALID',
    'outputActivation = "sigmoid"',
  ],
  ['negative alpha', { ...base, activationAlpha: -1 }, 'E_INVALID', 'activationAlpha = -1'],
  ['rho 0', { ...base, sparsity: { rho: 0, beta: 1 } }, 'E_INVALID', 'sparsity.rho = 0'],
  ['rho 1', { ...base, sparsity: { rho: 1, beta: 1 } }, 'E_INVALID', 'sparsity.rho = 1'],
  ['beta negative', { ...base, sparsity: { rho: 0.1, beta: -3 } }, 'E_INVALID', 'sparsity.beta = -3'],
  ['contractive negative', { ...base, contractive: -0.1 }, 'E_INVALID', 'contractive = -0.1'],
  ['l2 NaN', { ...base, l2: Number.NaN }, 'E_INVALID', 'l2 = NaN'],
  ['mask nu 1', { ...base, corruption: { kind: 'mask', nu: 1 } }, 'E_INVALID', 'corruption.nu = 1'],
  ['mask nu negative', { ...base, corruption: { kind: 'mask', nu: -0.1 } }, 'E_INVALID', 'corruption.nu = -0.1'],
  [
    'gaussian sigma negative',
    { ...base, corruption: { kind: 'gaussian', sigma: -1 } },
    'E_INVALID',
    'corruption.sigma = -1',
  ],
  [
    'salt-and-pepper high < low',
    { ...base, corruption: { kind: 'saltPepper', nu: 0.1, low: 1, high: 0 } },
    'E_INVALID',
    'corruption.high = 0',
  ],
  ['unknown corruption', { ...base, corruption: { kind: 'blur' } }, 'E_INVALID', 'corruption.kind = "blur"'],
  ['latent 0', { ...base, vae: { latentSize: 0 } }, 'E_INVALID', 'vae.latentSize = 0'],
  ['vae beta negative', { ...base, vae: { latentSize: 2, beta: -1 } }, 'E_INVALID', 'vae.beta = -1'],
  ['tied VAE', { ...base, vae: { latentSize: 2 }, tiedWeights: true }, 'E_INVALID', 'tiedWeights = true'],
  ['adam beta1 = 1', { ...base, optimizer: { kind: 'adam', beta1: 1 } }, 'E_INVALID', 'optimizer.beta1 = 1'],
  ['adam epsilon 0', { ...base, optimizer: { kind: 'adam', epsilon: 0 } }, 'E_INVALID', 'optimizer.epsilon = 0'],
  ['unknown optimizer', { ...base, optimizer: { kind: 'lbfgs' } }, 'E_INVALID', 'optimizer.kind = "lbfgs"'],
  ['unknown init', { ...base, init: 'orthogonal' }, 'E_INVALID', 'init = "orthogonal"'],
  ['negative seed', { ...base, seed: -1 }, 'E_INVALID', 'seed = -1'],
  ['seed beyond 2^53', { ...base, seed: 2 ** 60 }, 'E_INVALID', 'seed'],
  ['inputSize a BigInt', { ...base, inputSize: 16n }, 'E_INVALID', 'inputSize = 16n is not allowed'],
  ['seed a BigInt', { ...base, seed: 1n }, 'E_INVALID', 'seed = 1n is not allowed'],
  ['units a BigInt', { inputSize: 16, layers: [{ units: 4n }] }, 'E_INVALID', 'layers[0].units = 4n'],
  ['l2 a BigInt', { ...base, l2: 0n }, 'E_INVALID', 'l2 = 0n'],
  [
    'sparsity with a cycle',
    { ...base, sparsity: cyclic },
    'E_INVALID',
    'sparsity.beta = {"rho":0.1,"beta":"(cycle)"} is not allowed',
  ],
  ['a layer that is a cyclic array', { inputSize: 16, layers: cyclicArray }, 'E_INVALID', 'layers[0] = ["(cycle)"]'],
  [
    'corruption with a cycle',
    { ...base, corruption: { kind: 'mask', nu: cyclic } },
    'E_INVALID',
    'corruption.nu = {"rho":0.1,"beta":"(cycle)"}',
  ],
  ['an activation that is a symbol', { ...base, hiddenActivation: Symbol('relu') }, 'E_INVALID', 'Symbol(relu)'],
  [
    'a model too large for WASM memory',
    { inputSize: 65536, hiddenSize: 65536 },
    'E_MEMORY',
    'config: 8590065664 parameters need 128.00 GiB',
  ],
];

const fitRows: Array<[string, unknown, unknown, string, string]> = [
  ['epochs 0', x16, { epochs: 0 }, 'E_INVALID', 'epochs = 0'],
  ['batch size 0', x16, { epochs: 1, batchSize: 0 }, 'E_INVALID', 'batchSize = 0'],
  ['batch size > n', x16, { epochs: 1, batchSize: 41 }, 'E_INVALID', 'batchSize = 41'],
  ['learning rate 0', x16, { epochs: 1, learningRate: 0 }, 'E_INVALID', 'learningRate = 0'],
  [
    'learning rate Infinity',
    x16,
    { epochs: 1, learningRate: Number.POSITIVE_INFINITY },
    'E_INVALID',
    'learningRate = Infinity',
  ],
  ['validation split 1', x16, { epochs: 1, validationSplit: 1 }, 'E_INVALID', 'validationSplit = 1'],
  [
    'early stopping without validation',
    x16,
    { epochs: 1, earlyStopping: { patience: 2 } },
    'E_INVALID',
    'earlyStopping',
  ],
  ['unknown schedule', x16, { epochs: 1, schedule: { kind: 'exp' } }, 'E_INVALID', 'schedule.kind = "exp"'],
  ['unknown fit option', x16, { epochs: 1, epoch: 3 }, 'E_INVALID', 'options.epoch'],
  ['wrong width', x, { epochs: 1 }, 'E_SHAPE', '[40, 64]'],
  [
    'rows × cols ≠ length',
    { rows: 3, cols: 16, data: new Float32Array(40) },
    { epochs: 1 },
    'E_SHAPE',
    'rows × cols = 3 × 16 = 48',
  ],
  ['zero rows', { rows: 0, cols: 16, data: new Float32Array(0) }, { epochs: 1 }, 'E_SHAPE', '[0, 16]'],
  ['ragged rows', [new Array(16).fill(0), new Array(15).fill(0)], { epochs: 1 }, 'E_SHAPE', 'row 1 has 15 values'],
  ['Float64Array data', { rows: 1, cols: 16, data: new Float64Array(16) }, { epochs: 1 }, 'E_INVALID', 'Float64Array'],
  [
    'NaN in data',
    { rows: 1, cols: 16, data: new Float32Array(16).fill(Number.NaN) },
    { epochs: 1 },
    'E_INVALID',
    'NaN at row 0, column 0',
  ],
  [
    'Infinity in data',
    { rows: 2, cols: 16, data: new Float32Array(32).fill(0).fill(Number.POSITIVE_INFINITY, 20, 21) },
    { epochs: 1 },
    'E_INVALID',
    'Infinity at row 1, column 4',
  ],
  ['not data at all', 'pixels', { epochs: 1 }, 'E_INVALID', 'fit: data = "pixels" is not allowed'],
  ['no data', null, { epochs: 1 }, 'E_INVALID', 'fit: data = null is not allowed: expected a Matrix'],
  ['no options', x16, undefined, 'E_INVALID', 'fit: options = undefined is not allowed: expected an object'],
  ['options null', x16, null, 'E_INVALID', 'fit: options = null'],
  ['validation data null', x16, { epochs: 1, validationData: null }, 'E_INVALID', 'validationData = null'],
  ['onEpochEnd not a function', x16, { epochs: 1, onEpochEnd: 'log' }, 'E_INVALID', 'onEpochEnd = "log"'],
  ['onBatchEnd not a function', x16, { epochs: 1, onBatchEnd: {} }, 'E_INVALID', 'onBatchEnd = {}'],
  ['signal not an AbortSignal', x16, { epochs: 1, signal: true }, 'E_INVALID', 'signal = true'],
  [
    'control without waitWhilePaused',
    x16,
    { epochs: 1, control: { paused: true } },
    'E_INVALID',
    'control = {"paused":true}',
  ],
  ['transferData a string', x16, { epochs: 1, transferData: 'yes' }, 'E_INVALID', 'transferData = "yes"'],
  ['epochs a BigInt', x16, { epochs: 3n }, 'E_INVALID', 'epochs = 3n'],
  [
    'data beyond what WASM memory can hold (refused before any copy)',
    // 2 GiB of float32: the pages of a fresh typed array are not touched, so this is cheap.
    { rows: 2 ** 25 + 1, cols: 16, data: new Float32Array((2 ** 25 + 1) * 16) },
    { epochs: 1 },
    'E_MEMORY',
    'training data: 2.00 GiB is too large',
  ],
  [
    'retry factor out of range',
    x16,
    { epochs: 1, retryOnDivergence: { factor: 1.5 } },
    'E_INVALID',
    'retryOnDivergence.factor = 1.5',
  ],
];

describe('bad configurations', () => {
  for (const [name, config, code, text] of configRows) {
    it(name, () => expectError(Autoencoder.create(config as AutoencoderConfig), code, text));
  }
});

describe('bad training calls leave the model untouched', () => {
  let ae: Autoencoder;
  let weights: Float32Array;
  beforeAll(async () => {
    ae = await Autoencoder.create(base);
    weights = await ae.getWeights();
  });
  afterAll(() => ae.dispose());
  for (const [name, data, options, code, text] of fitRows) {
    it(name, async () => {
      await expectError(ae.fit(data as never, options as FitOptions), code, text);
      expect(await ae.getWeights()).toEqual(weights);
    });
  }
});

describe('other entry points', () => {
  it('labels out of range, missing, fractional', async () => {
    const c = await Classifier.create({ inputSize: 16, classes: 3 });
    await expectError(c.fit(x16, new Array(40).fill(3), { epochs: 1 }), 'E_INVALID', 'labels[0] = 3');
    await expectError(c.fit(x16, [1, 2], { epochs: 1 }), 'E_SHAPE', 'expected 40 labels');
    await expectError(c.fit(x16, new Array(40).fill(0.5), { epochs: 1 }), 'E_INVALID', 'labels[0] = 0.5');
    await expectError(Classifier.create({ inputSize: 16, classes: 1 }), 'E_INVALID', 'classes = 1');
    await c.dispose();
  });
  it('weights of the wrong length or kind', async () => {
    const ae = await Autoencoder.create(base);
    await expectError(ae.setWeights(new Float32Array(3)), 'E_SHAPE', 'parameters');
    await expectError(ae.setWeights([1, 2] as never), 'E_INVALID', 'weights');
    await expectError(ae.sample(2), 'E_INVALID', 'sample');
    await expectError(ae.interpolate([0], [1], 1), 'E_INVALID', 'steps = 1');
    await expectError(
      ae.calibrateThreshold(x16, { method: 'percentile', percentile: 101 }),
      'E_INVALID',
      'percentile = 101',
    );
    await ae.dispose();
  });
  it('matrix(), CSV and IDX mistakes name the place', () => {
    expect(() => matrix(2, 2, [1])).toThrow(/expected shape \[2, 2\]/);
    expect(() => parseCsv('1,2\n3,x\n', { source: 'a.csv' })).toThrow(/a.csv line 2, column 2: "x"/);
    expect(() => parseCsv('1,2\n3\n', { source: 'b.csv' })).toThrow(/b.csv line 2: expected 2 fields/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1]), 'labels')).toThrow(
      /labels: .*need 9 bytes, the file has 9|need/,
    );
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1]))).toThrow(/magic/);
  });
  it('has at least 40 rows', () => {
    expect(configRows.length + fitRows.length).toBeGreaterThanOrEqual(40);
  });
});
