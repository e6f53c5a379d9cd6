// ONNX export: every exported model runs in onnxruntime (onnxruntime-web's wasm build, in
// Node) and gives what diabolo gives, for every activation (hidden and output), both output
// rules, tied, deep, stacked and variational models and the classifier, at batch sizes 1 and
// 7 through the same session (the batch dimension is free). Each output is also held against
// a float64 forward pass written here from the topology and the parameter vector, which
// checks the exporter apart from both engines. Tolerance: |onnx − reference| ≤ 1e-5·(|reference| + 0.1),
// i.e. 1e-5 relative for values of 0.1 and more, 1e-6 absolute near zero.

import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ActivationName,
  Autoencoder,
  type AutoencoderConfig,
  Classifier,
  type Matrix,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type OnnxPart,
  pretrainStack,
  shapes,
  type Topology,
  type TopologyLayer,
} from '../dist/index.node.js';
import { autoencoderToOnnx } from '../dist/interop/onnx.js';
import { expectError } from './helpers/errors.js';

ort.env.wasm.numThreads = 1;
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const RTOL = 1e-5;
const FLOOR = 0.1;
/** The largest differences seen, against diabolo and against the float64 pass (printed at the end). */
const seen: Record<string, { relative: number; absolute: number; values: number; where: string }> = {};
afterAll(() => {
  for (const [against, d] of Object.entries(seen)) {
    console.log(
      `onnx vs ${against}: ${d.values} values; largest |difference| / |${against}| (where |${against}| ≥ 1e-3) ${d.relative.toExponential(2)} (${d.where}); largest absolute difference ${d.absolute.toExponential(2)}`,
    );
  }
});

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  const against = what.endsWith('vs diabolo') ? 'diabolo' : 'float64';
  seen[against] ??= { relative: 0, absolute: 0, values: 0, where: '' };
  const stats = seen[against];
  for (let i = 0; i < got.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    const d = Math.abs(g - w);
    stats.values++;
    stats.absolute = Math.max(stats.absolute, d);
    if (Math.abs(w) >= 1e-3 && d / Math.abs(w) > stats.relative) {
      stats.relative = d / Math.abs(w);
      stats.where = what;
    }
    if (!(d <= RTOL * (Math.abs(w) + FLOOR))) {
      expect.fail(`${what}[${i}]: onnx ${g} vs ${w} (difference ${d.toExponential(2)})`);
    }
  }
}

/** A seeded stream of uniform numbers in [-1, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s = (Math.imul(s ^ (s >>> 12), 0x297a2d39) + 0x6a09e667) >>> 0;
    return ((s ^ (s >>> 15)) >>> 0) / 2 ** 31 - 1;
  };
}

function randomMatrix(rows: number, cols: number, seed: number, scale = 2): Matrix {
  const r = uniform(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => scale * r()) };
}

/**
 * Parameters with every bias non-zero and pre-activations on both sides of zero: weights
 * uniform in ±1.5/√fan-in, biases in ±0.5.
 */
function randomParameters(t: Topology, seed: number): Float32Array {
  const r = uniform(seed);
  const p = new Float32Array(t.parameterCount);
  for (const l of t.layers) {
    if (l.weights) {
      const size = l.outputs * l.inputs;
      for (let i = 0; i < size; i++) p[l.weights.offset + i] = (1.5 * r()) / Math.sqrt(l.inputs);
    }
    for (let i = 0; i < l.outputs; i++) p[l.bias.offset + i] = 0.5 * r();
  }
  return p;
}

// ---- an independent float64 forward pass, from the topology and the parameters ----

/** erf in float64: its Taylor series below 3, the continued fraction of erfc above. */
function erf(x: number): number {
  const a = Math.abs(x);
  let y: number;
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    y = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let k = a;
    for (let n = 80; n >= 1; n--) k = a + n / 2 / k;
    y = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * k);
  }
  return x < 0 ? -y : y;
}

function activate(name: string, alpha: number | null, a: number): number {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  switch (name) {
    case 'linear':
      return a;
    case 'sigmoid':
      return sig(a);
    case 'tanh':
      return Math.tanh(a);
    case 'relu':
      return Math.max(a, 0);
    case 'leakyRelu':
      return a > 0 ? a : (alpha as number) * a;
    case 'elu':
      return a > 0 ? a : (alpha as number) * Math.expm1(a);
    case 'softplus':
      return a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
    case 'silu':
      return a * sig(a);
    case 'gelu':
      return 0.5 * a * (1 + erf(a / Math.SQRT2));
    default:
      throw new Error(`no reference for ${name}`);
  }
}

/** `activation(x · Wᵀ + b)` of one layer in float64; a tied layer reads its partner's transpose. */
function denseRef(t: Topology, p: Float32Array, l: TopologyLayer, x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * l.outputs);
  const partner = t.layers.find((e) => e.role === 'encoder' && e.index === l.tiedTo);
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < l.outputs; o++) {
      let a = p[l.bias.offset + o] as number;
      for (let i = 0; i < l.inputs; i++) {
        const w = l.weights
          ? (p[l.weights.offset + o * l.inputs + i] as number)
          : (p[(partner?.weights?.offset as number) + i * l.outputs + o] as number);
        a += w * (x[s * l.inputs + i] as number);
      }
      out[s * l.outputs + o] = activate(l.activation, l.alpha, a);
    }
  }
  return out;
}

/** The reference outputs of a part, by output name. */
function reference(t: Topology, p: Float32Array, part: OnnxPart, input: Matrix): Record<string, Float64Array> {
  const n = input.rows;
  const run = (role: TopologyLayer['role'], x: Float64Array) =>
    t.layers.filter((l) => l.role === role).reduce((h, l) => denseRef(t, p, l, h, n), x);
  const head = (role: 'mean' | 'logVariance', h: Float64Array) =>
    denseRef(t, p, t.layers.find((l) => l.role === role) as TopologyLayer, h, n);
  const encode = (x: Float64Array) => {
    const h = run('encoder', x);
    return t.vae ? { mu: head('mean', h), logvar: head('logVariance', h) } : { code: h };
  };
  const decode = (z: Float64Array) => {
    const y = run('decoder', z);
    return t.loss.link === 'sigmoid' ? y.map((v) => 1 / (1 + Math.exp(-v))) : y;
  };
  const x = Float64Array.from(input.data);
  if (part === 'encoder') return encode(x);
  if (part === 'decoder') return { reconstruction: decode(x) };
  const codes = encode(x);
  return { reconstruction: decode((codes.mu ?? codes.code) as Float64Array) };
}

// ---- running the exported bytes ----

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes);
}

async function run(s: ort.InferenceSession, input: Matrix): Promise<Record<string, Float32Array>> {
  const name = s.inputNames[0] as string;
  const r = await s.run({ [name]: new ort.Tensor('float32', input.data, [input.rows, input.cols]) });
  const out: Record<string, Float32Array> = {};
  for (const k of s.outputNames) {
    const t = r[k] as ort.Tensor;
    expect(t.dims, k).toEqual([input.rows, t.dims[1]]);
    out[k] = t.data as Float32Array;
  }
  return out;
}

/** The model's structure as a JS decoder of the same schema reads it. */
function structure(bytes: Uint8Array) {
  const m = fromBinary(ModelProtoSchema, bytes);
  const g = m.graph;
  if (!g) throw new Error('no graph');
  const shape = (v: (typeof g.input)[number]) => {
    const tt = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    return {
      name: v.name,
      elemType: tt?.elemType,
      dims: tt?.shape?.dim.map((d) => (d.value.case === 'dimParam' ? d.value.value : Number(d.value.value))),
    };
  };
  return { m, g, inputs: g.input.map(shape), outputs: g.output.map(shape) };
}

/** Checks every exported model must pass, whatever it computes. */
function checkStructure(bytes: Uint8Array, inputs: [string, number][], outputs: [string, number][]): void {
  const { m, g, inputs: ins, outputs: outs } = structure(bytes);
  expect(m.irVersion).toBe(BigInt(ONNX_IR_VERSION));
  expect(m.opsetImport.map((o) => [o.domain, o.version])).toEqual([['', BigInt(ONNX_OPSET)]]);
  expect([m.producerName, m.producerVersion]).toEqual(['diabolo', version]);
  expect(m.docString).toMatch(/^diabolo .*Configuration: \{/);
  expect(m.metadataProps.map((p) => p.key)).toEqual(['diabolo.part', 'diabolo.config']);
  expect(JSON.parse(m.metadataProps[1]?.value ?? '')).toBeTypeOf('object');
  const io = (names: [string, number][]) => names.map(([name, w]) => ({ name, elemType: 1, dims: ['batch', w] }));
  expect(ins).toEqual(io(inputs));
  expect(outs).toEqual(io(outputs));
  // Nodes in topological order, each reading only what exists; initializers unique, sized, used.
  const known = new Set([...g.input.map((v) => v.name), ...g.initializer.map((t) => t.name)]);
  expect(known.size).toBe(g.input.length + g.initializer.length);
  const used = new Set<string>();
  for (const node of g.node) {
    for (const i of node.input) {
      expect(known.has(i), `${node.name} reads ${i}`).toBe(true);
      used.add(i);
    }
    for (const o of node.output) {
      expect(known.has(o), `${o} written twice`).toBe(false);
      known.add(o);
    }
  }
  for (const t of g.initializer) {
    expect(used.has(t.name), `initializer ${t.name} is used`).toBe(true);
    expect(t.rawData.length).toBe(4 * t.dims.reduce((a, b) => a * Number(b), 1));
  }
  for (const o of g.output) expect(known.has(o.name)).toBe(true);
}

const partIo = (t: Topology, part: OnnxPart): { inputs: [string, number][]; outputs: [string, number][] } => {
  if (part === 'decoder') return { inputs: [['code', t.codeSize]], outputs: [['reconstruction', t.inputs]] };
  if (part === 'autoencoder') return { inputs: [['x', t.inputs]], outputs: [['reconstruction', t.inputs]] };
  return {
    inputs: [['x', t.inputs]],
    outputs: t.vae
      ? [
          ['mu', t.codeSize],
          ['logvar', t.codeSize],
        ]
      : [['code', t.codeSize]],
  };
};

/**
 * Export each part of `ae` (its parameters randomised first unless `keep`), run it at
 * batch 1 and 7 in one session, and compare with diabolo and with the float64 reference.
 */
async function checkAutoencoder(ae: Autoencoder, label: string, keep = false): Promise<void> {
  const t = ae.topology;
  if (!keep) await ae.setWeights(randomParameters(t, 7));
  const p = await ae.getWeights();
  for (const part of ['encoder', 'decoder', 'autoencoder'] as const) {
    const bytes = await ae.toOnnx({ part });
    const { inputs, outputs } = partIo(t, part);
    checkStructure(bytes, inputs, outputs);
    const s = await session(bytes);
    expect(s.inputNames).toEqual(inputs.map(([n]) => n));
    expect(s.outputNames).toEqual(outputs.map(([n]) => n));
    for (const batch of [1, 7]) {
      const what = `${label} ${part} batch ${batch}`;
      const input = randomMatrix(batch, (inputs[0] as [string, number])[1], 100 + batch);
      const got = await run(s, input);
      const ours =
        part === 'encoder'
          ? await ae.encode(input)
          : part === 'decoder'
            ? await ae.decode(input)
            : await ae.reconstruct(input);
      expectClose(got[(outputs[0] as [string, number])[0]] as Float32Array, ours.data, `${what} vs diabolo`);
      const ref = reference(t, p, part, input);
      for (const [name] of outputs)
        expectClose(got[name] as Float32Array, ref[name] as Float64Array, `${what} ${name} vs float64`);
    }
    await s.release();
  }
}

async function withModel(config: AutoencoderConfig, f: (ae: Autoencoder) => Promise<void>): Promise<void> {
  const ae = await Autoencoder.create(config);
  try {
    await f(ae);
  } finally {
    await ae.dispose();
  }
}

// silu and gelu are compared with diabolo once the core has them (until then its
// configuration refuses them, and they are checked against the float64 pass alone, below).
const ACTIVATIONS: { activation: ActivationName; activationAlpha?: number; coming?: true }[] = [
  { activation: 'linear' },
  { activation: 'sigmoid' },
  { activation: 'tanh' },
  { activation: 'relu' },
  { activation: 'leakyRelu', activationAlpha: 0.2 },
  { activation: 'elu', activationAlpha: 0.7 },
  { activation: 'softplus' },
  { activation: 'silu' as ActivationName, coming: true },
  { activation: 'gelu' as ActivationName, coming: true },
];

/** Whether the core builds a model with `activation` (silu, gelu: not before the core has them). */
async function coreHas(activation: ActivationName): Promise<boolean> {
  try {
    await (await Autoencoder.create({ inputSize: 2, layers: [{ units: 1, activation }] })).dispose();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'E_INVALID' && String(e).includes(activation)) return false;
    throw e;
  }
}

describe('ONNX export runs in onnxruntime and agrees with diabolo', () => {
  for (const { activation, activationAlpha, coming } of ACTIVATIONS) {
    it(`${activation}: as the hidden activation and as the output activation (mse)`, async (ctx) => {
      if (coming && !(await coreHas(activation))) {
        ctx.skip(`the core has no ${activation} yet: checked from a written-out topology below`);
      }
      await withModel(
        { inputSize: 12, layers: [{ units: 5, activation, activationAlpha }], outputActivation: 'sigmoid', seed: 3 },
        (ae) => checkAutoencoder(ae, `hidden ${activation}`),
      );
      await withModel(
        {
          inputSize: 12,
          layers: [{ units: 5, activation: 'tanh' }],
          outputActivation: activation,
          ...(activationAlpha === undefined ? {} : { activationAlpha }),
          seed: 3,
        },
        (ae) => checkAutoencoder(ae, `output ${activation}`),
      );
    });
  }

  it('bce: the reconstruction is the sigmoid of the last layer (a Sigmoid node after it)', async () => {
    await withModel({ inputSize: 12, layers: [{ units: 5, activation: 'relu' }], loss: 'bce', seed: 4 }, async (ae) => {
      expect(ae.topology.loss.link).toBe('sigmoid');
      await checkAutoencoder(ae, 'bce');
      const { g } = structure(await ae.toOnnx({ part: 'decoder' }));
      expect(g.node.at(-1)?.opType).toBe('Sigmoid');
      expect(g.node.at(-1)?.output).toEqual(['reconstruction']);
    });
  });

  it('deep (3 layers) and tied (each weight matrix stored once, read transposed by its decoder layer)', async () => {
    const layers = [
      { units: 10, activation: 'tanh' as const },
      { units: 7, activation: 'elu' as const, activationAlpha: 0.5 },
      { units: 3, activation: 'leakyRelu' as const, activationAlpha: 0.1 },
    ];
    await withModel({ inputSize: 16, layers, seed: 5 }, (ae) => checkAutoencoder(ae, 'deep'));
    await withModel({ inputSize: 16, layers, tiedWeights: true, loss: 'bce', seed: 5 }, async (ae) => {
      await checkAutoencoder(ae, 'deep tied bce');
      const { g } = structure(await ae.toOnnx());
      const weights = g.initializer.filter((i) => i.name.endsWith('.weight')).map((i) => i.name);
      expect(weights).toEqual(['encoder.0.weight', 'encoder.1.weight', 'encoder.2.weight']);
      const gemms = g.node.filter((n) => n.opType === 'Gemm');
      const transB = (n: (typeof gemms)[number]) => Number(n.attribute.find((a) => a.name === 'transB')?.i);
      expect(gemms.map((n) => [n.input[1], transB(n)])).toEqual([
        ['encoder.0.weight', 1],
        ['encoder.1.weight', 1],
        ['encoder.2.weight', 1],
        ['encoder.2.weight', 0],
        ['encoder.1.weight', 0],
        ['encoder.0.weight', 0],
      ]);
      // The decoder alone still holds the encoder's matrices, under their names.
      const decoder = structure(await ae.toOnnx({ part: 'decoder' })).g;
      expect(decoder.initializer.map((i) => i.name).filter((n) => n.endsWith('.weight'))).toEqual([
        'encoder.2.weight',
        'encoder.1.weight',
        'encoder.0.weight',
      ]);
    });
  });

  it('stacked: the pretrainStack result as trained, and after fine-tuning', async () => {
    const x = shapes({ count: 200, size: 8, seed: 3 });
    const { autoencoder } = await pretrainStack(x, {
      inputSize: 64,
      stages: [
        { units: 24, corruption: { kind: 'mask', nu: 0.2 } },
        { units: 8, activation: 'relu' },
      ],
      fit: { epochs: 2, learningRate: 0.5 },
    });
    try {
      await checkAutoencoder(autoencoder, 'stacked', true);
      await autoencoder.fit(x, { epochs: 1, learningRate: 0.1 });
      await checkAutoencoder(autoencoder, 'stacked fine-tuned', true);
    } finally {
      await autoencoder.dispose();
    }
  });

  it('VAE: the encoder gives mu and logvar, the decoder maps codes, the autoencoder decodes mu', async () => {
    for (const loss of ['mse', 'bce'] as const) {
      await withModel(
        {
          inputSize: 12,
          layers: [{ units: 8, activation: 'tanh' }, { units: 6 }],
          vae: { latentSize: 3 },
          loss,
          seed: 6,
        },
        async (ae) => {
          await checkAutoencoder(ae, `vae ${loss}`);
          // The full model leaves the log-variance head out: it does not shape the reconstruction.
          const { g } = structure(await ae.toOnnx({ part: 'autoencoder' }));
          expect(g.initializer.map((i) => i.name)).toEqual([
            'encoder.0.weight',
            'encoder.0.bias',
            'encoder.1.weight',
            'encoder.1.bias',
            'mu.weight',
            'mu.bias',
            'decoder.0.weight',
            'decoder.0.bias',
            'decoder.1.weight',
            'decoder.1.bias',
            'decoder.2.weight',
            'decoder.2.bias',
          ]);
        },
      );
    }
  });

  it('a model trained in a worker exports the same bytes as its inline twin', async () => {
    const config: AutoencoderConfig = { inputSize: 64, layers: [{ units: 12 }], seed: 9 };
    const x = shapes({ count: 100, size: 8, seed: 1 });
    const inline = await Autoencoder.create(config);
    const worker = await Autoencoder.create(config, { backend: 'worker' });
    try {
      await inline.fit(x, { epochs: 2 });
      await worker.fit(x, { epochs: 2 });
      const bytes = await worker.toOnnx();
      expect(bytes).toEqual(await inline.toOnnx());
      await checkAutoencoder(worker, 'worker', true);
    } finally {
      await inline.dispose();
      await worker.dispose();
    }
  });

  it('the classifier: on an encoder (probabilities = predictProba, softmax of logits) and softmax regression', async () => {
    const x = shapes({ count: 120, size: 8, seed: 2 });
    await withModel(
      {
        inputSize: 64,
        layers: [
          { units: 16, activation: 'relu' },
          { units: 8, activation: 'elu', activationAlpha: 0.3 },
        ],
        seed: 2,
      },
      async (ae) => {
        await ae.setWeights(randomParameters(ae.topology, 11));
        const deep = await ae.toClassifier({ classes: 4 });
        const probe = await Classifier.create({ inputSize: 64, classes: 3 });
        try {
          await deep.fit(x, x.labels, { epochs: 2 });
          await probe.fit(
            x,
            Array.from(x.labels, (l) => l % 3),
            { epochs: 2 },
          );
          for (const [c, name] of [
            [deep, 'classifier on an encoder'],
            [probe, 'softmax regression'],
          ] as const) {
            const bytes = await c.toOnnx();
            checkStructure(
              bytes,
              [['x', 64]],
              [
                ['probabilities', c.classes],
                ['logits', c.classes],
              ],
            );
            const s = await session(bytes);
            expect([s.inputNames, s.outputNames]).toEqual([['x'], ['probabilities', 'logits']]);
            for (const batch of [1, 7]) {
              const input = randomMatrix(batch, 64, 50 + batch, 1);
              const got = await run(s, input);
              const ours = await c.predictProba(input);
              expectClose(got.probabilities as Float32Array, ours.data, `${name} batch ${batch} vs diabolo`);
              const logits = got.logits as Float32Array;
              const soft = new Float64Array(logits.length);
              for (let r = 0; r < batch; r++) {
                const row = logits.subarray(r * c.classes, (r + 1) * c.classes);
                const max = Math.max(...row);
                const sum = row.reduce((a, v) => a + Math.exp(v - max), 0);
                for (let j = 0; j < c.classes; j++) soft[r * c.classes + j] = Math.exp((row[j] as number) - max) / sum;
              }
              expectClose(soft, ours.data, `${name} batch ${batch}: softmax of the onnx logits vs diabolo`);
            }
            await s.release();
          }
          const body = structure(await deep.toOnnx()).g.initializer.map((i) => i.name);
          expect(body).toEqual([
            'encoder.0.weight',
            'encoder.0.bias',
            'encoder.1.weight',
            'encoder.1.bias',
            'head.weight',
            'head.bias',
          ]);
        } finally {
          await deep.dispose();
          await probe.dispose();
        }
      },
    );
  });
});

describe('activations the core may not have yet, from a written-out topology', () => {
  // silu (a·σ(a), Sigmoid then Mul) and gelu (exact erf form, the Gelu operator of opset 20),
  // against the float64 reference: the exporter's mapping, whatever the core supports.
  function topology(acts: [string, string, string, string]): Topology {
    const shapes: [TopologyLayer['role'], number, number, number, number | null][] = [
      ['encoder', 0, 5, 6, null],
      ['encoder', 1, 6, 4, null],
      ['decoder', 0, 4, 6, 1],
      ['decoder', 1, 6, 5, 0],
    ];
    let offset = 0;
    const layers = shapes.map(([role, index, inputs, outputs, mirrorOf], k): TopologyLayer => {
      const weights = { offset, shape: [outputs, inputs] };
      offset += outputs * inputs;
      const bias = { offset, shape: [outputs] };
      offset += outputs;
      const activation = acts[k] as ActivationName;
      return { role, index, inputs, outputs, activation, alpha: null, mirrorOf, tiedTo: null, weights, bias };
    });
    return {
      inputs: 5,
      codeSize: 4,
      layers,
      loss: { name: 'mse', link: 'identity' },
      vae: null,
      tied: false,
      parameterCount: offset,
    };
  }

  it('silu and gelu, hidden and output', async () => {
    for (const acts of [
      ['silu', 'gelu', 'gelu', 'silu'],
      ['gelu', 'silu', 'silu', 'gelu'],
    ] as [string, string, string, string][]) {
      const t = topology(acts);
      const p = randomParameters(t, 13);
      for (const part of ['encoder', 'decoder', 'autoencoder'] as const) {
        const bytes = autoencoderToOnnx(t, p, part, { test: acts });
        const { inputs, outputs } = partIo(t, part);
        checkStructure(bytes, inputs, outputs);
        const ops = structure(bytes).g.node.map((n) => n.opType);
        if (part === 'autoencoder') expect(ops).toEqual(expect.arrayContaining(['Gelu', 'Sigmoid', 'Mul']));
        const s = await session(bytes);
        for (const batch of [1, 7]) {
          const input = randomMatrix(batch, (inputs[0] as [string, number])[1], 200 + batch, 3);
          const got = await run(s, input);
          const ref = reference(t, p, part, input);
          for (const [name] of outputs)
            expectClose(got[name] as Float32Array, ref[name] as Float64Array, `${acts} ${part} ${name} batch ${batch}`);
        }
        await s.release();
      }
    }
  });

  it('an activation or a loss link with no ONNX form is refused by name', async () => {
    const t = topology(['silu', 'swish', 'gelu', 'silu']);
    await expectError(() => autoencoderToOnnx(t, randomParameters(t, 1), 'encoder', {}), 'E_INVALID', '"swish"');
    const u = topology(['silu', 'gelu', 'gelu', 'silu']);
    u.loss = { name: 'poisson' as never, link: 'exp' as never };
    await expectError(() => autoencoderToOnnx(u, randomParameters(u, 1), 'decoder', {}), 'E_INVALID', 'by "exp"');
    expect(autoencoderToOnnx(u, randomParameters(u, 1), 'encoder', {}).length).toBeGreaterThan(0);
  });
});

describe('ONNX export: mistakes', () => {
  it('names a bad part, an unknown option, and options given to a classifier', async () => {
    const ae = await Autoencoder.create({ inputSize: 6, hiddenSize: 3 });
    const c = await Classifier.create({ inputSize: 6, classes: 2 });
    try {
      await expectError(
        ae.toOnnx({ part: 'classifier' as OnnxPart }),
        'E_INVALID',
        'toOnnx: options.part = "classifier"',
      );
      await expectError(ae.toOnnx({ part: 'decoder', opset: 18 } as never), 'E_INVALID', 'options.opset');
      await expectError(ae.toOnnx('encoder' as never), 'E_INVALID', 'toOnnx: options = "encoder"');
      await expectError(
        c.toOnnx({ part: 'decoder' } as never),
        'E_INVALID',
        'Classifier.toOnnx: options.part = "decoder"',
      );
      expect((await ae.toOnnx({})).length).toBeGreaterThan(0);
    } finally {
      await c.dispose();
      await ae.dispose();
    }
    await expectError(ae.toOnnx(), 'E_DISPOSED', '');
    await expectError(c.toOnnx(), 'E_DISPOSED', '');
  });
});
