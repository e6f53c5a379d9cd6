// The bad-input table: every row is a mistake a user can make, and each must give a typed
// DiaboloError with a stable code and a message naming the field (or file, row, column) —
// raised before any training starts, leaving an existing model untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutoencoderConfig, FitOptions } from '../dist/index.node.js';
import { Autoencoder, Classifier, matrix, parseCsv, parseIdx, parseNpy, shapes } from '../dist/index.node.js';
import { expectError } from './helpers/errors.js';
import { idxFile, npyFile } from './helpers/files.js';

const base: AutoencoderConfig = { inputSize: 16, hiddenSize: 4, seed: 1 };
const x = shapes({ count: 40, size: 8 }); // 64 features
const x16 = { rows: 40, cols: 16, data: x.data.slice(0, 40 * 16) };

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
  ['unknown loss', { ...base, loss: 'huber' }, 'E_INVALID', 'loss = "huber"'],
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
  // Values that are not numbers are refused where rows are turned into a matrix, naming
  // the row and the column — never read as 0 (null) or converted (strings, booleans).
  [
    'null in a row (a JSON missing value)',
    [new Array(16).fill(0.5), [...new Array(15).fill(0), null]],
    { epochs: 1 },
    'E_INVALID',
    'training data: row 1, column 15 = null is not a number',
  ],
  [
    'numeric string in a row',
    [[...new Array(15).fill(0), '0.5']],
    { epochs: 1 },
    'E_INVALID',
    'row 0, column 15 = "0.5" is not a number',
  ],
  ['boolean in a row', [[true, ...new Array(15).fill(0)]], { epochs: 1 }, 'E_INVALID', 'row 0, column 0 = true'],
  [
    'hole in a row',
    [Object.assign(new Array(16).fill(0), { 3: undefined })],
    { epochs: 1 },
    'E_INVALID',
    'row 0, column 3 = undefined',
  ],
  ['a row that is a string', ['0123456789abcdef'], { epochs: 1 }, 'E_INVALID', 'row 0 is "0123456789abcdef"'],
  ['a row that is null', [new Array(16).fill(0), null], { epochs: 1 }, 'E_INVALID', 'row 1 is null'],
  ['data that is null', null, { epochs: 1 }, 'E_INVALID', 'fit: data = null is not allowed'],
  [
    'a Float64Array row with a value float32 cannot hold',
    [Float64Array.from({ length: 16 }, (_, i) => (i === 2 ? 1e300 : 0))],
    { epochs: 1 },
    'E_INVALID',
    'row 0, column 2 = 1e+300 is beyond the float32 range',
  ],
  ['a BigInt64Array row', [new BigInt64Array(16)], { epochs: 1 }, 'E_INVALID', 'holds bigints'],
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

// Data files and values: [name, call, code, text the message must hold]. Each class of the
// issue "reliability round two" has its own table.
type Row = [string, () => unknown, string, string];
const enc = (s: string) => new TextEncoder().encode(s);
const npyHeader = (dict: string) => npyFile('<f4', [1], [0], { header: dict, dataBytes: 4 });

// Class 3: a value that is not plainly a number is refused, never coerced (null → 0,
// '0x1F' → 31, a first data row taken for a header, a label column read as NaN).
const coercionRows: Row[] = [
  [
    'matrix(): null value',
    () => matrix(2, 2, [1, null, 3, 4] as never),
    'E_INVALID',
    'data[1] (row 0, column 1) = null',
  ],
  [
    'matrix(): numeric strings',
    () => matrix(1, 2, ['1', '2'] as never),
    'E_INVALID',
    'data[0] (row 0, column 0) = "1"',
  ],
  ['matrix(): a string as data', () => matrix(1, 3, '123' as never), 'E_INVALID', 'got string'],
  ['matrix(): booleans', () => matrix(1, 2, [true, false] as never), 'E_INVALID', '= true is not a number'],
  ['matrix(): beyond float32', () => matrix(1, 1, [1e300]), 'E_INVALID', '1e+300 is beyond the float32 range'],
  [
    'CSV: null cell',
    () => parseCsv('1,2\n3,null\n', { source: 'n.csv' }),
    'E_FORMAT',
    'n.csv line 2, column 2: "null"',
  ],
  [
    'CSV: empty cell',
    () => parseCsv('1,2\n3,\n', { source: 'e.csv' }),
    'E_FORMAT',
    'e.csv line 2, column 2: "" is not',
  ],
  ['CSV: hexadecimal', () => parseCsv('1,2\n0x1F,2\n', { source: 'h.csv' }), 'E_FORMAT', 'line 2, column 1: "0x1F"'],
  ['CSV: binary literal', () => parseCsv('1,2\n2,0b11\n', { source: 'b.csv' }), 'E_FORMAT', 'line 2, column 2: "0b11"'],
  [
    'CSV: 1e999',
    () => parseCsv('1,2\n1e999,2\n', { source: 'o.csv' }),
    'E_FORMAT',
    'line 2, column 1: "1e999" is beyond',
  ],
  ['CSV: 1e39 (beyond float32)', () => parseCsv('1,2\n2,-1e39\n'), 'E_FORMAT', 'line 2, column 2: "-1e39" is beyond'],
  ['CSV: Infinity', () => parseCsv('1,2\nInfinity,2\n'), 'E_FORMAT', 'line 2, column 1: "Infinity" is not a number'],
  ['CSV: trailing text', () => parseCsv('1,2\n3abc,2\n'), 'E_FORMAT', 'line 2, column 1: "3abc" is not a number'],
  ['CSV: boolean', () => parseCsv('1,2\n1,true\n'), 'E_FORMAT', 'line 2, column 2: "true"'],
  [
    'CSV: decimal comma',
    () => parseCsv('0.5,2\n1,5,2\n'),
    'E_FORMAT',
    'line 2: expected 2 fields (as on line 1), got 3',
  ],
  ['CSV: semicolons', () => parseCsv('1;5;2\n'), 'E_FORMAT', 'separated by commas'],
  [
    'CSV: first data row with a typo is not taken for a header',
    () => parseCsv('l,2,3\n4,5,6\n', { source: 't.csv' }),
    'E_FORMAT',
    't.csv line 1, column 1: "l" is not a number, yet column 2 ("2") is',
  ],
  [
    'CSV: typo at the end of the first row',
    () => parseCsv('1,2,3x\n4,5,6\n'),
    'E_FORMAT',
    'line 1, column 3: "3x" is not a number',
  ],
  ['CSV: a first row of NaN', () => parseCsv('NaN,NaN\n1,2\n'), 'E_FORMAT', 'line 1, column 1: "NaN" is neither'],
  ['CSV: a blank line inside', () => parseCsv('1,2\n\n3,4\n'), 'E_FORMAT', 'line 2: an empty line'],
  ['CSV: a blank line, CR endings', () => parseCsv('1\r2\r\r3\r'), 'E_FORMAT', 'line 3: an empty line'],
  ['CSV: labelColumn NaN', () => parseCsv('1,2\n', { labelColumn: Number.NaN }), 'E_INVALID', 'labelColumn = NaN'],
  ['CSV: labelColumn 1.5', () => parseCsv('1,2\n', { labelColumn: 1.5 }), 'E_INVALID', 'labelColumn = 1.5'],
  ['CSV: labelColumn -1', () => parseCsv('1,2\n', { labelColumn: -1 }), 'E_INVALID', 'labelColumn = -1'],
  ['CSV: labelColumn "1"', () => parseCsv('1,2\n', { labelColumn: '1' as never }), 'E_INVALID', 'labelColumn = "1"'],
  ['CSV: labelColumn "middle"', () => parseCsv('1,2\n', { labelColumn: 'middle' as never }), 'E_INVALID', '"middle"'],
  [
    'CSV: labelColumn past the end',
    () => parseCsv('1,2\n', { labelColumn: 2 }),
    'E_INVALID',
    'labelColumn = 2 is outside',
  ],
  ['CSV: fractional label', () => parseCsv('1,2.5\n', { labelColumn: 'last' }), 'E_FORMAT', 'label "2.5"'],
  ['CSV: label beyond 2^32', () => parseCsv('1,4294967296\n', { labelColumn: 1 }), 'E_FORMAT', 'label "4294967296"'],
  ['CSV: header wider than the rows', () => parseCsv('a,b,c\n1,2\n'), 'E_FORMAT', 'line 1: expected 2 fields'],
  ['CSV: header with nothing under it', () => parseCsv('a,b\n\n'), 'E_FORMAT', 'a header (line 1) but no data rows'],
];

// Class 4: wrong argument types and damaged files give DiaboloErrors, never a TypeError.
const typeRows: Row[] = [
  [
    'parseCsv(a Buffer)',
    () => parseCsv(Buffer.from('1,2\n') as never),
    'E_INVALID',
    'got Buffer (decode the bytes first',
  ],
  ['parseCsv(null)', () => parseCsv(null as never), 'E_INVALID', 'text must be a string, got null'],
  ['parseCsv(text, null)', () => parseCsv('1,2', null as never), 'E_INVALID', 'options = null'],
  ['parseCsv: unknown option', () => parseCsv('1,2', { labelcolumn: 1 } as never), 'E_INVALID', 'options.labelcolumn'],
  ['parseCsv: header "yes"', () => parseCsv('1,2', { header: 'yes' } as never), 'E_INVALID', 'header = "yes"'],
  ['parseNpy(a string)', () => parseNpy('\x93NUMPY' as never), 'E_INVALID', 'bytes must be a Uint8Array, got string'],
  ['parseNpy(an ArrayBuffer)', () => parseNpy(new ArrayBuffer(8) as never), 'E_INVALID', 'new Uint8Array(buffer)'],
  [
    'parseNpy: complex <c8',
    () => parseNpy(npyFile('<c8', [1], [], { dataBytes: 8 }), 'c.npy'),
    'E_FORMAT',
    'c.npy: not a readable .npy file: dtype "<c8" is not supported',
  ],
  ['parseNpy: objects |O', () => parseNpy(npyFile('|O', [1], [], { dataBytes: 8 })), 'E_FORMAT', 'object arrays'],
  [
    'parseNpy: native order =f4',
    () => parseNpy(npyFile('=f4', [1], [], { dataBytes: 4 })),
    'E_FORMAT',
    'native byte order',
  ],
  ['parseNpy: half floats <f2', () => parseNpy(npyFile('<f2', [1], [], { dataBytes: 2 })), 'E_FORMAT', 'dtype "<f2"'],
  [
    'parseNpy: version 2 cut inside the header length',
    () => parseNpy(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0])),
    'E_FORMAT',
    '10 bytes is too short for the header length',
  ],
  [
    'parseNpy: version 9',
    () => parseNpy(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0, 0, 0])),
    'E_FORMAT',
    'format version 9.0',
  ],
  [
    'parseNpy: unknown header key',
    () => parseNpy(npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 'y'}")),
    'E_FORMAT',
    'unknown header key "x"',
  ],
  [
    'parseNpy: (1) is no tuple',
    () => parseNpy(npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1)}")),
    'E_FORMAT',
    'a one-element tuple is written (n,)',
  ],
  ['parseNpy: a header of junk', () => parseNpy(npyHeader('garbage')), 'E_FORMAT', 'header byte 10: expected "{"'],
  ['parseNpy: three dimensions', () => parseNpy(npyFile('<f4', [1, 1, 1], [0])), 'E_FORMAT', 'has 3 dimensions'],
  ['parseIdx(null)', () => parseIdx(null as never), 'E_INVALID', 'bytes must be a Uint8Array, got null'],
  ['parseIdx(a string)', () => parseIdx('\0\0\x08\x01' as never), 'E_INVALID', 'got string'],
  [
    'parseIdx: cut inside the dimensions',
    () => parseIdx(Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 1]), 'g'),
    'E_FORMAT',
    'g: not a readable IDX file: 8 bytes: truncated',
  ],
  [
    'parseIdx: int32 elements',
    () => parseIdx(Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 0])),
    'E_FORMAT',
    'element type 0xc',
  ],
  ['parseIdx: text', () => parseIdx(enc('1,2,3\n')), 'E_FORMAT', 'two zero bytes'],
];

// Class 7: a header claiming a huge array is refused from the header, before allocating:
// E_FORMAT when the file is too short for it, E_MEMORY when it is not but the array would
// not fit in one WASM array. Each must be refused at once.
const hugeU8 = () => {
  const n = 2 ** 29 + 1; // as float32: just over 2 GiB
  const file = npyFile('|u1', [n], [], { dataBytes: n }); // untouched pages: cheap
  return file;
};
const bombRows: Row[] = [
  [
    'npy claiming 2^40 elements',
    () => parseNpy(npyFile('<f4', [2 ** 20, 2 ** 20], [1, 2, 3, 4]), 'big.npy'),
    'E_FORMAT',
    "big.npy: not a readable .npy file: 'shape' (1048576, 1048576) of <f4 needs 4398046511104 data bytes, the file has 16",
  ],
  [
    'npy claiming 2^60 × 2^60 elements',
    () => parseNpy(npyFile('<f8', [2 ** 52, 2 ** 52], [1])),
    'E_FORMAT',
    'the file has 8',
  ],
  [
    'npy consistent but over 2 GiB as float32',
    () => parseNpy(hugeU8(), 'u8.npy'),
    'E_MEMORY',
    'u8.npy: 2.00 GiB is too large',
  ],
  [
    'IDX claiming 2^64 bytes',
    () => parseIdx(idxFile([2 ** 32 - 1, 2 ** 32 - 1], 10), 'i'),
    'E_FORMAT',
    'dimensions 4294967295×4294967295 need',
  ],
  [
    'IDX consistent but over 2 GiB as float32',
    () => parseIdx(idxFile([2 ** 29 + 1], 2 ** 29 + 1), 'huge'),
    'E_MEMORY',
    'huge: 2.00 GiB is too large',
  ],
  [
    'CSV of absurd width (the first line claims 2·10^10 cells)',
    () => parseCsv(`${'0,'.repeat(199_999)}0\n${'1\n'.repeat(100_000)}`, { source: 'wide.csv' }),
    'E_FORMAT',
    'wide.csv line 2: expected 200000 fields (as on line 1), got 1',
  ],
  [
    'JSON of absurd width',
    () => jsonParser().then((parse) => parse(`[[${'0,'.repeat(9_999)}0]${',[1]'.repeat(60_000)}]`, 'wide.json')),
    'E_FORMAT',
    'wide.json: row 1 has 1 values, expected 10000',
  ],
];

// The JSON reader of the command line (dist/data/json.js).
const jsonParser = async (): Promise<(text: string, source?: string) => unknown> =>
  (await import('../dist/data/json.js')).parseJsonMatrix;
const json = (text: string) => () => jsonParser().then((parse) => parse(text, 'd.json'));
const jsonRows: Row[] = [
  ['JSON: not JSON', json('[[1, 2]'), 'E_FORMAT', 'd.json: not valid JSON'],
  ['JSON: null value', json('[[1, 2], [3, null]]'), 'E_FORMAT', 'd.json: row 1, column 1 is null: expected a number'],
  ['JSON: string value', json('[["1", 2]]'), 'E_FORMAT', 'row 0, column 0 is "1"'],
  ['JSON: boolean value', json('[[1, false]]'), 'E_FORMAT', 'row 0, column 1 is false'],
  ['JSON: 1e999', json('[[1, 1e999]]'), 'E_FORMAT', 'row 0, column 1 = Infinity is beyond the float32 range'],
  ['JSON: ragged rows', json('[[1, 2], [3]]'), 'E_FORMAT', 'row 1 has 1 values, expected 2'],
  ['JSON: a flat array', json('[1, 2, 3]'), 'E_FORMAT', 'row 0 is 1: expected an array of numbers'],
  ['JSON: nested too deep', json('[[[1], [2]]]'), 'E_FORMAT', 'row 0, column 0 is an array'],
  ['JSON: a number', json('42'), 'E_FORMAT', 'got 42: expected an array of rows'],
  ['JSON: empty array', json('[]'), 'E_FORMAT', 'an empty array'],
  [
    'JSON: object with an unknown key',
    json('{"rows": 1, "cols": 1, "data": [1], "labels": [0]}'),
    'E_FORMAT',
    'unknown key "labels"',
  ],
  [
    'JSON: object, data too short',
    json('{"rows": 2, "cols": 2, "data": [1, 2, 3]}'),
    'E_FORMAT',
    '"data" holds 3 values',
  ],
  [
    'JSON: object, null in data',
    json('{"rows": 2, "cols": 2, "data": [1, 2, null, 4]}'),
    'E_FORMAT',
    'row 1, column 0 is null',
  ],
  ['JSON: object, rows "2"', json('{"rows": "2", "cols": 1, "data": [1, 2]}'), 'E_FORMAT', '"rows" = "2"'],
  [
    'JSON: text not a string',
    () => jsonParser().then((parse) => parse(enc('[[1]]') as never)),
    'E_INVALID',
    'got Uint8Array',
  ],
];

describe('bad data: values are never coerced (class 3)', () => {
  for (const [name, call, code, text] of coercionRows) it(name, () => expectError(call, code, text));
});
describe('bad data: wrong types and damaged files give typed errors (class 4)', () => {
  for (const [name, call, code, text] of [...typeRows, ...jsonRows]) it(name, () => expectError(call, code, text));
});
describe('bad data: huge claims are refused from the header, at once (class 7)', () => {
  for (const [name, call, code, text] of bombRows) {
    it(name, async () => {
      const t0 = performance.now();
      await expectError(call, code, text);
      expect(performance.now() - t0).toBeLessThan(2_000);
    });
  }
});
