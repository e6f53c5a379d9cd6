// Outputs too large to hold: every call that returns an array has its size estimated before
// anything is allocated, and a request beyond WASM memory (one array of 2 GiB or more, or
// more than memory can still give) is refused at once with E_MEMORY naming the request and
// its size — no seconds of work, no gigabytes committed, the model untouched and usable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Matrix } from '../dist/index.node.js';
import { Autoencoder, Classifier, DiaboloError, imageGrid, raster } from '../dist/index.node.js';

/** A refusal is a check of sizes: it must come back well within a second. */
const IMMEDIATE_MS = 1000;

const rows = (n: number, cols: number): Matrix => ({
  rows: n,
  cols,
  data: Float32Array.from({ length: n * cols }, (_, i) => (i % 7) / 7),
});

/** 2^23 codes of 2 values (64 MiB), made once, outside the timed calls. */
const manyCodes: Matrix = { rows: 2 ** 23, cols: 2, data: new Float32Array(2 ** 24) };
/** Bit-for-bit equality of two weight arrays (faster than a deep comparison of large ones). */
const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

let narrow: Autoencoder; // 64 inputs, code of 2: small inputs, wide reconstructions
let wide: Autoencoder; // 4 inputs, code of 65 536: small inputs, wide codes
let vae: Autoencoder;
let classifier: Classifier; // 2 inputs, 65 536 classes
let one: Autoencoder; // 1 input: the errors (float64) outweigh the input (float32)
beforeAll(async () => {
  narrow = await Autoencoder.create({ inputSize: 64, hiddenSize: 2, seed: 1 });
  wide = await Autoencoder.create({ inputSize: 4, hiddenSize: 65536, seed: 1 });
  vae = await Autoencoder.create({ inputSize: 64, layers: [{ units: 8 }], vae: { latentSize: 2 }, seed: 1 });
  classifier = await Classifier.create({ inputSize: 2, classes: 65536 });
  one = await Autoencoder.create({ inputSize: 1, hiddenSize: 1, seed: 1 });
});
afterAll(() => Promise.all([narrow, wide, vae, classifier, one].map((m) => m.dispose())));

/** Expect an immediate E_MEMORY whose message contains `text`; returns how long it took. */
async function refused(call: () => Promise<unknown>, text: string): Promise<number> {
  const t0 = performance.now();
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  expect(error, `expected E_MEMORY (${text})`).toBeInstanceOf(DiaboloError);
  expect((error as DiaboloError).code).toBe('E_MEMORY');
  expect((error as DiaboloError).fatal).toBe(false);
  expect((error as DiaboloError).message).toContain(text);
  expect(ms).toBeLessThan(IMMEDIATE_MS);
  return ms;
}

const tooLarge = 'is too large: one array in WASM memory must stay below 2 GiB';

const cases: Array<[name: string, model: () => Autoencoder | Classifier, call: () => Promise<unknown>, text: string]> =
  [
    [
      'interpolate(a, b, 1e9): the path of codes (used to take 24 s and 7.7 GB)',
      () => narrow,
      () => narrow.interpolate(rows(1, 64).data, rows(1, 64).data, 1e9),
      `interpolate: 1000000000 steps: codes: 7.45 GiB ${tooLarge}`,
    ],
    [
      'interpolate: codes that fit, reconstructions that do not',
      () => narrow,
      () => narrow.interpolate(rows(1, 64).data, rows(1, 64).data, 2 ** 27),
      `interpolate: 134217728 steps: reconstructions: 32.00 GiB ${tooLarge}`,
    ],
    [
      'sample(2^24): 4 GiB of samples',
      () => vae,
      () => vae.sample(2 ** 24),
      `sample: 16777216 samples: samples [16777216 × 64]: 4.00 GiB ${tooLarge}`,
    ],
    [
      'encode: 10 000 rows of 4 values make 2.4 GiB of codes',
      () => wide,
      () => wide.encode(rows(10_000, 4)),
      `encode: codes [10000 × 65536]: 2.44 GiB ${tooLarge}`,
    ],
    [
      'reconstruct: the codes in between count too',
      () => wide,
      () => wide.reconstruct(rows(10_000, 4)),
      `reconstruct: codes [10000 × 65536]: 2.44 GiB ${tooLarge}`,
    ],
    [
      'decode: 2^23 codes of 2 values make 2 GiB of reconstructions',
      () => narrow,
      () => narrow.decode(manyCodes),
      `decode: reconstructions [8388608 × 64]: 2.00 GiB ${tooLarge}`,
    ],
    [
      'predictProba: 10 000 rows of 65 536 classes',
      () => classifier,
      () => classifier.predictProba(rows(10_000, 2)),
      `predictProba: probabilities [10000 × 65536]: 2.44 GiB ${tooLarge}`,
    ],
    [
      'Classifier.evaluate: the probabilities the core computes first',
      () => classifier,
      () => classifier.evaluate(rows(10_000, 2), new Array(10_000).fill(1)),
      `Classifier.evaluate: probabilities [10000 × 65536]: 2.44 GiB ${tooLarge}`,
    ],
    [
      "Classifier.fit: a minibatch's logits (the core used to trap on them, losing the engine)",
      () => classifier,
      () => classifier.fit(rows(10_000, 2), new Array(10_000).fill(1), { epochs: 1, batchSize: 10_000 }),
      `Classifier.fit: logits [10000 × 65536]: 2.44 GiB ${tooLarge}`,
    ],
    [
      'predict goes through the same estimate',
      () => classifier,
      () => classifier.predict(rows(10_000, 2)),
      'predictProba: probabilities [10000 × 65536]',
    ],
    [
      'reconstructionErrors: 2^28 rows of one value make 2 GiB of float64 errors',
      () => one,
      // A fresh typed array's pages are not touched: this 1 GiB input costs nothing here.
      () => one.reconstructionErrors({ rows: 2 ** 28, cols: 1, data: new Float32Array(2 ** 28) }),
      `reconstruction errors: errors (268435456 per sample + 1 per feature, float64): 2.00 GiB ${tooLarge}`,
    ],
    [
      'detectAnomalies goes through the same estimate',
      () => one,
      () => one.detectAnomalies({ rows: 2 ** 28, cols: 1, data: new Float32Array(2 ** 28) }, 1),
      'reconstruction errors: errors (268435456 per sample + 1 per feature, float64)',
    ],
    [
      'iwaeBound(x, 1e9): the core would keep 1e9 log-weights per row',
      () => vae,
      () => vae.iwaeBound(rows(10, 64), 1e9),
      `iwaeBound: k = 1000000000: log-weights [10 × 1000000000]: 74.51 GiB ${tooLarge}`,
    ],
  ];

describe('outputs are estimated before anything is allocated', () => {
  for (const [name, model, call, text] of cases) {
    it(name, async () => {
      const m = model();
      const before = await m.getWeights();
      const memory = (await (m as Autoencoder).memoryUsage?.())?.wasmBytes;
      await refused(call, text);
      // Nothing changed: same weights, no memory grown for the refused arrays, still usable.
      expect(same(await m.getWeights(), before)).toBe(true);
      if (memory !== undefined)
        expect((await (m as Autoencoder).memoryUsage()).wasmBytes).toBeLessThan(memory + 2 ** 27);
      if (m instanceof Autoencoder) expect((await m.encode(rows(2, m.config.inputSize))).rows).toBe(2);
      else expect((await m.predict(rows(2, 2))).length).toBe(2);
    });
  }

  it('in a worker too', async () => {
    const m = await Autoencoder.create({ inputSize: 64, hiddenSize: 2, seed: 1 }, { backend: 'worker' });
    await refused(() => m.interpolate(rows(1, 64).data, rows(1, 64).data, 1e9), 'interpolate: 1000000000 steps');
    await refused(() => m.decode(manyCodes), 'decode: reconstructions [8388608 × 64]');
    expect((await m.interpolate(rows(1, 64).data, rows(1, 64).data, 5)).rows).toBe(5);
    await m.dispose();
  });

  it('what fits is served as before', async () => {
    const path = await narrow.interpolate(rows(1, 64).data, new Float32Array(64), 1000);
    expect([path.rows, path.cols]).toEqual([1000, 64]);
    expect((await vae.sample(100)).rows).toBe(100);
    expect((await classifier.predictProba(rows(3, 2))).data.length).toBe(3 * 65536);
  });
});

describe('models and pictures too large are refused before they are built', () => {
  it('an autoencoder (E_MEMORY from the configuration, not a trap in the core)', async () => {
    await refused(
      () => Autoencoder.create({ inputSize: 65536, layers: [{ units: 4096 }] }),
      'config: 536940544 parameters need 8.00 GiB',
    );
  });
  it("a classifier on an encoder, counting the encoder's copy", async () => {
    const big = await Autoencoder.create({ inputSize: 8192, hiddenSize: 4096, seed: 1 });
    await refused(() => big.toClassifier({ classes: 65536 }), 'toClassifier: 302059520 parameters need 4.50 GiB');
    await big.dispose();
  });
  it('a raster of 10^10 pixels', async () => {
    await refused(async () => raster(1e5, 1e5), 'raster: a raster of 100000 × 100000 pixels (37.25 GiB) is too large');
  });
  it('a grid of a million tiles', async () => {
    const tiles = { rows: 1e6, cols: 4, data: new Float32Array(4e6) };
    await refused(
      async () => imageGrid(tiles, { height: 2, width: 2, columns: 1000, scale: 8 }),
      'imageGrid: a raster of 18002 × 18002 pixels',
    );
  });
});
