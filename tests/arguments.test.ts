// Arguments of every public entry point: a wrong kind of argument (null, nothing, a string, a
// BigInt, an object with a cycle…) gives a typed DiaboloError naming the method, the argument
// and what was expected — never a TypeError from inside, and never a call that reaches the
// core with a request it cannot serve.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Autoencoder,
  Classifier,
  DiaboloError,
  encodePng,
  histogram,
  imageGrid,
  pretrainStack,
  raster,
  scatter,
  shapes,
  TrainingControl,
  writePng,
} from '../dist/index.node.js';
import { expectError } from './helpers/errors.js';

const x = shapes({ count: 40, size: 8 }); // 64 features
const x16 = { rows: 40, cols: 16, data: x.data.slice(0, 40 * 16) };
const labels = Array.from({ length: 40 }, (_, i) => i % 3);
const cyclic: Record<string, unknown> = { classes: 3 };
cyclic.self = cyclic;

let ae: Autoencoder;
let vae: Autoencoder;
let c: Classifier;
let file: Uint8Array;
beforeAll(async () => {
  ae = await Autoencoder.create({ inputSize: 16, layers: [{ units: 6 }, { units: 4 }], seed: 1 });
  vae = await Autoencoder.create({ inputSize: 16, layers: [{ units: 6 }], vae: { latentSize: 2 }, seed: 1 });
  c = await Classifier.create({ inputSize: 16, classes: 3 });
  file = await ae.save();
});
afterAll(() => Promise.all([ae.dispose(), vae.dispose(), c.dispose()]));

type Row = [name: string, call: () => unknown, code: string, text: string];
const matrixExpected = 'expected a Matrix { rows, cols, data } or an array of rows';
/* biome-ignore lint/suspicious/noExplicitAny: the rows call the API with what its types forbid. */
const any = (v: unknown): any => v;

const autoencoderRows: Row[] = [
  [
    'create: options null',
    () => Autoencoder.create({ inputSize: 4, hiddenSize: 2 }, any(null)),
    'E_INVALID',
    'Autoencoder.create: options = null',
  ],
  [
    'create: unknown backend',
    () => Autoencoder.create({ inputSize: 4, hiddenSize: 2 }, any({ backend: 'gpu' })),
    'E_INVALID',
    'Autoencoder.create: options.backend = "gpu" is not allowed: expected one of "inline", "worker"',
  ],
  [
    'create: a BigInt flavor',
    () => Autoencoder.create({ inputSize: 4, hiddenSize: 2 }, any({ flavor: 1n })),
    'E_INVALID',
    'options.flavor = 1n',
  ],
  [
    'create: a misspelt option',
    () => Autoencoder.create({ inputSize: 4, hiddenSize: 2 }, any({ flavour: 'scalar' })),
    'E_INVALID',
    'options.flavour = "(unknown key)"',
  ],
  [
    'load: null',
    () => Autoencoder.load(any(null)),
    'E_INVALID',
    'Autoencoder.load: bytes = null is not allowed: expected a Uint8Array',
  ],
  ['load: an ArrayBuffer', () => Autoencoder.load(any(new ArrayBuffer(8))), 'E_INVALID', 'bytes = an ArrayBuffer'],
  ['load: options null', () => Autoencoder.load(file, any(null)), 'E_INVALID', 'Autoencoder.load: options = null'],
  [
    'fromSafetensors: null',
    () => Autoencoder.fromSafetensors(any(null)),
    'E_INVALID',
    'Autoencoder.fromSafetensors: bytes = null is not allowed: expected a Uint8Array (a safetensors file)',
  ],
  [
    'fromSafetensors: unknown backend',
    () => Autoencoder.fromSafetensors(file, any({ backend: 'gpu' })),
    'E_INVALID',
    'Autoencoder.fromSafetensors: options.backend = "gpu"',
  ],
  [
    'fit: null',
    () => ae.fit(any(null), { epochs: 1 }),
    'E_INVALID',
    `fit: data = null is not allowed: ${matrixExpected}`,
  ],
  ['fit: options null', () => ae.fit(x16, any(null)), 'E_INVALID', 'fit: options = null'],
  [
    'encode: nothing',
    () => ae.encode(any(undefined)),
    'E_INVALID',
    `encode: data = undefined is not allowed: ${matrixExpected}`,
  ],
  [
    'encode: rows a string',
    () => ae.encode(any({ rows: '2', cols: 16, data: x16.data })),
    'E_INVALID',
    'encode: data = {"rows":"2"',
  ],
  ['decode: null', () => ae.decode(any(null)), 'E_INVALID', 'decode: codes = null'],
  ['reconstruct: a number', () => ae.reconstruct(any(7)), 'E_INVALID', 'reconstruct: data = 7'],
  ['reconstructionErrors: a symbol', () => ae.reconstructionErrors(any(Symbol('x'))), 'E_INVALID', 'data = Symbol(x)'],
  ['evaluate: a BigInt', () => ae.evaluate(any(5n)), 'E_INVALID', 'evaluate: data = 5n'],
  [
    'calibrateThreshold: rule null',
    () => ae.calibrateThreshold(x16, any(null)),
    'E_INVALID',
    'calibrateThreshold: rule = null',
  ],
  [
    // The rule is judged before the data: a bad percentile is named even beside data of the wrong width.
    'calibrateThreshold: percentile out of range, checked before the data',
    () =>
      ae.calibrateThreshold({ rows: 2, cols: 3, data: new Float32Array(6) }, { method: 'percentile', percentile: 101 }),
    'E_INVALID',
    'percentile = 101',
  ],
  [
    'calibrateThreshold: unknown method, checked before the data',
    () => ae.calibrateThreshold({ rows: 2, cols: 3, data: new Float32Array(6) }, any({ method: 'median' })),
    'E_INVALID',
    'rule.method = "median"',
  ],
  [
    'calibrateThreshold: no data',
    () => ae.calibrateThreshold(any(null)),
    'E_INVALID',
    'calibrateThreshold: validation = null',
  ],
  ['detectAnomalies: threshold a string', () => ae.detectAnomalies(x16, any('3')), 'E_INVALID', 'threshold = "3"'],
  ['detectAnomalies: threshold NaN', () => ae.detectAnomalies(x16, Number.NaN), 'E_INVALID', 'threshold = NaN'],
  ['sample: count a string', () => vae.sample(any('3')), 'E_INVALID', 'sample: count = "3"'],
  ['sample: seed negative', () => vae.sample(2, -1), 'E_INVALID', 'sample: seed = -1'],
  [
    'interpolate: a null',
    () => ae.interpolate(any(null), new Array(16).fill(0), 3),
    'E_INVALID',
    'interpolate: a = null',
  ],
  [
    'interpolate: b a string',
    () => ae.interpolate(new Array(16).fill(0), any('b'), 3),
    'E_INVALID',
    'interpolate: b = "b"',
  ],
  ['interpolate: fractional steps', () => ae.interpolate([0], [1], 2.5), 'E_INVALID', 'interpolate: steps = 2.5'],
  ['iwaeBound: k 0', () => vae.iwaeBound(x16, 0), 'E_INVALID', 'iwaeBound: k = 0'],
  ['iwaeBound: seed a string', () => vae.iwaeBound(x16, 5, any('x')), 'E_INVALID', 'iwaeBound: seed = "x"'],
  ['jacobianNorm: a string', () => ae.jacobianNorm(any('x')), 'E_INVALID', 'jacobianNorm: data = "x"'],
  [
    'setWeights: null',
    () => ae.setWeights(any(null)),
    'E_INVALID',
    'setWeights: weights = null is not allowed: expected a Float32Array',
  ],
  [
    'layerWeights: a string',
    () => ae.layerWeights(any('a')),
    'E_INVALID',
    'layerWeights: i = "a" is not allowed: expected an integer in [0, 1]',
  ],
  ['layerWeights: no such layer', () => ae.layerWeights(2), 'E_INVALID', 'layerWeights: i = 2'],
  [
    'layerWeights: decoder a string',
    () => ae.layerWeights(0, any('yes')),
    'E_INVALID',
    'layerWeights: decoder = "yes"',
  ],
  ['toClassifier: nothing', () => ae.toClassifier(any(undefined)), 'E_INVALID', 'toClassifier: options = undefined'],
  [
    'toClassifier: a cycle',
    () => ae.toClassifier(any(cyclic)),
    'E_INVALID',
    'toClassifier: options.self = "(unknown key)"',
  ],
  [
    'toClassifier: 1e9 classes',
    () => ae.toClassifier({ classes: 1e9 }),
    'E_INVALID',
    'toClassifier: options.classes = 1000000000',
  ],
  ['toClassifier: l2 a string', () => ae.toClassifier({ classes: 2, l2: any('0') }), 'E_INVALID', 'options.l2 = "0"'],
];

const classifierRows: Row[] = [
  ['create: null', () => Classifier.create(any(null)), 'E_INVALID', 'Classifier.create: options = null'],
  [
    'create: no classes',
    () => Classifier.create(any({ inputSize: 16 })),
    'E_INVALID',
    'Classifier.create: options.classes = undefined',
  ],
  [
    'create: 1e9 classes (the core used to trap, losing the engine)',
    () => Classifier.create({ inputSize: 16, classes: 1e9 }),
    'E_INVALID',
    'Classifier.create: options.classes = 1000000000 is not allowed: expected an integer in [2, 65536]',
  ],
  [
    'create: 1e9 inputs',
    () => Classifier.create({ inputSize: 1e9, classes: 2 }),
    'E_INVALID',
    'options.inputSize = 1000000000',
  ],
  [
    'create: too large for WASM memory',
    () => Classifier.create({ inputSize: 65536, classes: 65536 }),
    'E_MEMORY',
    'Classifier.create: 4295032832 parameters need 64.00 GiB',
  ],
  [
    'create: a misspelt option',
    () => Classifier.create(any({ inputSize: 16, clases: 3 })),
    'E_INVALID',
    'options.clases = "(unknown key)"',
  ],
  [
    'create: seed a string',
    () => Classifier.create(any({ inputSize: 16, classes: 3, seed: 'x' })),
    'E_INVALID',
    'options.seed = "x"',
  ],
  [
    'create: runtime null',
    () => Classifier.create({ inputSize: 16, classes: 3 }, any(null)),
    'E_INVALID',
    'Classifier.create: runtime = null',
  ],
  ['fit: labels null', () => c.fit(x16, any(null), { epochs: 1 }), 'E_INVALID', 'Classifier.fit: labels = null'],
  ['fit: no options', () => c.fit(x16, labels, any(undefined)), 'E_INVALID', 'Classifier.fit: options = undefined'],
  ['fit: data null', () => c.fit(any(null), labels, { epochs: 1 }), 'E_INVALID', 'Classifier.fit: data = null'],
  [
    'fit: onEpochEnd a number',
    () => c.fit(x16, labels, any({ epochs: 1, onEpochEnd: 5 })),
    'E_INVALID',
    'options.onEpochEnd = 5',
  ],
  [
    'fit: trainBody a string',
    () => c.fit(x16, labels, any({ epochs: 1, trainBody: 'no' })),
    'E_INVALID',
    'options.trainBody = "no"',
  ],
  [
    'fit: unknown option',
    () => c.fit(x16, labels, any({ epochs: 1, epoch: 2 })),
    'E_INVALID',
    'options.epoch = "(unknown key)"',
  ],
  ['evaluate: labels a string', () => c.evaluate(x16, any('abc')), 'E_INVALID', 'Classifier.evaluate: labels = "abc"'],
  ['predictProba: nothing', () => c.predictProba(any(undefined)), 'E_INVALID', 'predictProba: data = undefined'],
  ['predict: a number', () => c.predict(any(7)), 'E_INVALID', 'predict: data = 7'],
];

const stackRows: Row[] = [
  [
    'data null',
    () => pretrainStack(any(null), any({ inputSize: 16, stages: [{ units: 4 }], fit: { epochs: 1 } })),
    'E_INVALID',
    'pretrainStack: data = null',
  ],
  ['options null', () => pretrainStack(x16, any(null)), 'E_INVALID', 'pretrainStack: options = null'],
  [
    'a stage null',
    () => pretrainStack(x16, any({ inputSize: 16, stages: [null], fit: { epochs: 1 } })),
    'E_INVALID',
    'options.stages[0] = null',
  ],
  [
    "a stage's fit a number",
    () => pretrainStack(x16, any({ inputSize: 16, stages: [{ units: 4, fit: 5 }], fit: { epochs: 1 } })),
    'E_INVALID',
    'options.stages[0].fit = 5',
  ],
  [
    'no fit',
    () => pretrainStack(x16, any({ inputSize: 16, stages: [{ units: 4 }] })),
    'E_INVALID',
    'options.fit = undefined',
  ],
  [
    'no inputSize',
    () => pretrainStack(x16, any({ stages: [{ units: 4 }], fit: { epochs: 1 } })),
    'E_INVALID',
    'options.inputSize = undefined',
  ],
  [
    'fineTune seed negative',
    () => pretrainStack(x16, { inputSize: 16, stages: [{ units: 4 }], fit: { epochs: 1 }, fineTune: { seed: -1 } }),
    'E_INVALID',
    'options.fineTune.seed = -1',
  ],
  [
    "the second stage's fit is refused before the first trains",
    () =>
      pretrainStack(x16, {
        inputSize: 16,
        stages: [
          { units: 8, fit: { epochs: 10_000 } },
          { units: 4, fit: { epochs: 0 } },
        ],
        fit: { epochs: 1 },
      }),
    'E_INVALID',
    'epochs = 0',
  ],
  [
    'runtime null',
    () => pretrainStack(x16, { inputSize: 16, stages: [{ units: 4 }], fit: { epochs: 1 } }, any(null)),
    'E_INVALID',
    'pretrainStack: runtime = null',
  ],
];

const pts = { rows: 2, cols: 2, data: Float32Array.from([0, 0, 1, 1]) };
const vizRows: Row[] = [
  ['raster: negative width', () => raster(-1, 2), 'E_INVALID', 'raster: width = -1'],
  ['raster: colour out of range', () => raster(2, 2, [300, 0, 0]), 'E_INVALID', 'raster: rgb = [300,0,0]'],
  [
    'imageGrid: null',
    () => imageGrid(any(null), { height: 2, width: 2, columns: 1 }),
    'E_INVALID',
    'imageGrid: images = null',
  ],
  ['imageGrid: options null', () => imageGrid(pts, any(null)), 'E_INVALID', 'imageGrid: options = null'],
  [
    'imageGrid: no columns',
    () => imageGrid(pts, any({ height: 1, width: 2 })),
    'E_INVALID',
    'imageGrid: options.columns = undefined',
  ],
  [
    'imageGrid: short data',
    () => imageGrid({ rows: 3, cols: 2, data: new Float32Array(4) }, { height: 1, width: 2, columns: 1 }),
    'E_INVALID',
    'imageGrid: images',
  ],
  ['scatter: null', () => scatter(any(null), []), 'E_INVALID', 'scatter: points = null'],
  ['scatter: a label missing', () => scatter(pts, [0]), 'E_SHAPE', 'scatter: expected 2 labels'],
  ['scatter: a negative label', () => scatter(pts, [0, -1]), 'E_INVALID', 'scatter: labels[1] = -1'],
  ['histogram: null', () => histogram(any(null)), 'E_INVALID', 'histogram: series = null'],
  [
    'histogram: a NaN value',
    () => histogram([{ values: [1, Number.NaN], rgb: [0, 0, 0] }]),
    'E_INVALID',
    'histogram: series[0].values[1] = NaN',
  ],
  ['histogram: zero bins', () => histogram([], { bins: 0 }), 'E_INVALID', 'histogram: options.bins = 0'],
  ['encodePng: null', () => encodePng(any(null)), 'E_INVALID', 'encodePng: raster = null'],
  ['writePng: no path', () => writePng(any(undefined), raster(1, 1)), 'E_INVALID', 'writePng: path = undefined'],
];

describe('wrong arguments name the method and the argument', () => {
  for (const [group, rows] of [
    ['Autoencoder', autoencoderRows],
    ['Classifier', classifierRows],
    ['pretrainStack', stackRows],
    ['pictures', vizRows],
  ] as const) {
    describe(group, () => {
      for (const [name, call, code, text] of rows) it(name, () => expectError(call, code, text));
    });
  }

  it('an oversized classifier is refused before the core, whose engine carries on', async () => {
    await expectError(() => Classifier.create({ inputSize: 16, classes: 1e9 }), 'E_INVALID', 'classes');
    expect((await ae.encode(x16)).rows).toBe(40);
    const more = await Classifier.create({ inputSize: 16, classes: 3 });
    expect((await more.fit(x16, labels, { epochs: 1 })).losses).toHaveLength(1);
    await more.dispose();
  });
});

/** Public methods (not the internal ones, not dispose) of an object's class. */
function methods(o: object, internal: readonly string[]): string[] {
  return Object.getOwnPropertyNames(Object.getPrototypeOf(o)).filter((n) => {
    const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(o), n);
    return typeof d?.value === 'function' && n !== 'constructor' && n !== 'dispose' && !internal.includes(n);
  });
}

const junk: unknown[][] = [
  [],
  [null],
  [undefined, null],
  ['x', 'y', 'z'],
  [1n, 2n],
  [Symbol('s')],
  [cyclic, cyclic, cyclic],
  [{}, {}, {}],
  [[], [], []],
  [Number.NaN, Number.NaN, Number.NaN],
];

describe('every entry point, called with junk, answers with a DiaboloError (or succeeds), never a TypeError', () => {
  const check = async (what: string, call: () => unknown) => {
    try {
      await call();
    } catch (e) {
      expect(e, `${what}: ${(e as Error).message}`).toBeInstanceOf(DiaboloError);
      expect((e as DiaboloError).fatal, what).toBe(false);
    }
  };
  const show = (args: unknown[]) => args.map((a) => (typeof a === 'symbol' ? 'symbol' : typeof a)).join(', ');

  it('Autoencoder (static and instance methods)', async () => {
    const names = methods(ae, ['fitDataset', 'setLayerWeights', 'onData']);
    expect(names).toEqual(expect.arrayContaining(['fit', 'encode', 'interpolate', 'toClassifier', 'save']));
    for (const args of junk) {
      await check(`Autoencoder.create(${show(args)})`, async () =>
        (await Autoencoder.create(...(args as [never]))).dispose(),
      );
      await check(`Autoencoder.load(${show(args)})`, async () =>
        (await Autoencoder.load(...(args as [never]))).dispose(),
      );
      await check(`Autoencoder.fromSafetensors(${show(args)})`, async () =>
        (await Autoencoder.fromSafetensors(...(args as [never]))).dispose(),
      );
      for (const target of [ae, vae]) {
        for (const name of names) {
          await check(`${name}(${show(args)})`, async () => {
            const r = await (target as unknown as Record<string, (...a: unknown[]) => unknown>)[name]?.(...args);
            if (r instanceof Classifier) await r.dispose();
          });
        }
      }
    }
  });

  it('Classifier, pretrainStack, TrainingControl and the picture helpers', async () => {
    const names = methods(c, []);
    expect(names).toEqual(expect.arrayContaining(['fit', 'evaluate', 'predictProba', 'predict', 'getWeights']));
    const control = new TrainingControl();
    const functions: Record<string, (...a: never[]) => unknown> = {
      pretrainStack,
      raster,
      imageGrid,
      scatter,
      histogram,
      encodePng,
      writePng,
    };
    for (const args of junk) {
      await check(`Classifier.create(${show(args)})`, async () =>
        (await Classifier.create(...(args as [never]))).dispose(),
      );
      for (const name of names) {
        await check(`classifier.${name}(${show(args)})`, () =>
          (c as unknown as Record<string, (...a: unknown[]) => unknown>)[name]?.(...args),
        );
      }
      for (const name of ['pause', 'resume'] as const) await check(`control.${name}`, () => control[name]());
      for (const [name, f] of Object.entries(functions)) {
        await check(`${name}(${show(args)})`, async () => {
          const r = await f(...(args as never[]));
          if (r && typeof r === 'object' && 'autoencoder' in r)
            await (r as { autoencoder: Autoencoder }).autoencoder.dispose();
        });
      }
    }
    expect(control.paused).toBe(false);
  });
});
