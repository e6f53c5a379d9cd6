// safetensors export and import: the layout (tensor names of the PyTorch module, [out, in],
// the configuration in the metadata), a bit-exact round trip for every variant, files that
// Python's safetensors wrote (tests/golden/safetensors/), and the strict reader: every
// malformed file is E_FORMAT naming the problem, never a crash (a table, then random
// mutations: DIABOLO_SAFETENSORS_FUZZ_CASES, default 10 000).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Autoencoder,
  type AutoencoderConfig,
  DiaboloError,
  pretrainStack,
  shapes,
  type Topology,
} from '../dist/index.node.js';
import { torchTensors, weightsFromTensors } from '../dist/interop/pytorch.js';
import { decodeSafetensors, diaboloConfigJson, encodeSafetensors } from '../dist/interop/safetensors.js';
import { checkedConfig } from '../dist/model/format.js';
import { expectError } from './helpers/errors.js';

const x = shapes({ count: 64, size: 8, seed: 2 }); // 64 features in [0, 1]

const VARIANTS: Record<string, AutoencoderConfig> = {
  plain: { inputSize: 64, hiddenSize: 8 },
  deep: {
    inputSize: 64,
    layers: [{ units: 16, activation: 'relu' }, { units: 8, activation: 'elu', activationAlpha: 0.5 }, { units: 3 }],
    optimizer: { kind: 'adam' },
  },
  tied: { inputSize: 64, layers: [{ units: 12, activation: 'tanh' }, { units: 4 }], tiedWeights: true },
  bce: { inputSize: 64, layers: [{ units: 10, activation: 'leakyRelu', activationAlpha: 0.2 }], loss: 'bce' },
  sparse: { inputSize: 64, hiddenSize: 12, sparsity: { rho: 0.05, beta: 3 }, l2: 1e-4 },
  contractive: { inputSize: 64, hiddenSize: 8, contractive: 0.05, optimizer: { kind: 'momentum', nesterov: true } },
  denoising: { inputSize: 64, hiddenSize: 8, corruption: { kind: 'saltPepper', nu: 0.1, low: 0.1, high: 0.9 } },
  vae: {
    inputSize: 64,
    layers: [{ units: 12, activation: 'softplus', l2: 1e-3 }],
    vae: { latentSize: 2, beta: 0.5 },
    loss: 'bce',
    optimizer: { kind: 'adamw', weightDecay: 0.02 },
  },
};

const NAMES: Record<string, string[]> = {
  tied: [
    'encoder.0.weight',
    'encoder.0.bias',
    'encoder.1.weight',
    'encoder.1.bias',
    'decoder.0.bias',
    'decoder.1.bias',
  ],
  vae: [
    'encoder.0.weight',
    'encoder.0.bias',
    'mu.weight',
    'mu.bias',
    'logvar.weight',
    'logvar.bias',
    'decoder.0.weight',
    'decoder.0.bias',
    'decoder.1.weight',
    'decoder.1.bias',
  ],
};

/** Every parameter identical, bit for bit (-0 and +0 told apart). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function header(bytes: Uint8Array): { n: number; json: Record<string, unknown>; text: string } {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  return { n, json: JSON.parse(text), text };
}

/** A safetensors file with this header object (padded as the writer does) and these data bytes. */
function craft(head: unknown, data: Uint8Array | number = 0, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(head));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const bytes = new Uint8Array(8 + json.length + body.length);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 8);
  bytes.set(body, 8 + json.length);
  return bytes;
}

describe('safetensors: layout', () => {
  it('writes the documented container: u64 header length, JSON from "{", 8-byte aligned data, F32 LE in parameter order', async () => {
    for (const name of ['tied', 'vae']) {
      const ae = await Autoencoder.create(VARIANTS[name] as AutoencoderConfig);
      try {
        await ae.fit(x, { epochs: 1 });
        const bytes = await ae.toSafetensors();
        const view = new DataView(bytes.buffer, bytes.byteOffset);
        expect(view.getUint32(4, true)).toBe(0);
        const { n, json, text } = header(bytes);
        expect((8 + n) % 8).toBe(0);
        expect(text.startsWith('{')).toBe(true);
        expect(text.trimEnd().length).toBeGreaterThan(n - 8); // only spaces pad it
        const meta = json.__metadata__ as Record<string, string>;
        expect(Object.keys(meta).sort()).toEqual(['diabolo', 'diabolo.config', 'diabolo.writer', 'format']);
        expect(meta.format).toBe('pt');
        expect(meta.diabolo).toBe('1');
        expect(JSON.parse(meta['diabolo.config'] as string)).toEqual(ae.config);
        const names = Object.keys(json).filter((k) => k !== '__metadata__');
        expect(names).toEqual(NAMES[name]);
        const weights = await ae.getWeights();
        for (const t of torchTensors(ae.topology)) {
          const entry = json[t.name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
          expect(entry.dtype).toBe('F32');
          expect(entry.shape).toEqual(t.span.shape);
          const [b] = entry.data_offsets;
          const len = t.span.shape.reduce((p, q) => p * q, 1);
          expect(entry.data_offsets).toEqual([4 * t.span.offset, 4 * (t.span.offset + len)]);
          for (let i = 0; i < len; i++) {
            expect(view.getFloat32(8 + n + b + 4 * i, true)).toBe(weights[t.span.offset + i]);
          }
        }
        expect(bytes.length).toBe(8 + n + 4 * weights.length);
      } finally {
        await ae.dispose();
      }
    }
  });

  it('names weights [outputs, inputs] as nn.Linear does, and a tied decoder layer by its bias alone', async () => {
    const ae = await Autoencoder.create(VARIANTS.tied as AutoencoderConfig);
    try {
      const { json } = header(await ae.toSafetensors());
      expect((json['encoder.0.weight'] as { shape: number[] }).shape).toEqual([12, 64]);
      expect((json['decoder.1.bias'] as { shape: number[] }).shape).toEqual([64]);
      expect(json['decoder.0.weight']).toBeUndefined();
    } finally {
      await ae.dispose();
    }
  });
});

describe('safetensors: round trip', () => {
  for (const [name, config] of Object.entries(VARIANTS)) {
    it(`${name}: every parameter back bit for bit, with its configuration and outputs`, async () => {
      const ae = await Autoencoder.create(config);
      try {
        await ae.fit(x, { epochs: 2 });
        const bytes = await ae.toSafetensors();
        const back = await Autoencoder.fromSafetensors(bytes);
        try {
          expect(sameBits(await back.getWeights(), await ae.getWeights())).toBe(true);
          expect(back.config).toEqual(ae.config);
          expect(back.topology).toEqual(ae.topology);
          expect(sameBits((await back.reconstruct(x)).data, (await ae.reconstruct(x)).data)).toBe(true);
          expect(Buffer.from(await back.toSafetensors()).equals(Buffer.from(bytes))).toBe(true);
        } finally {
          await back.dispose();
        }
      } finally {
        await ae.dispose();
      }
    });
  }

  it('a stacked model, and a worker backend, come back the same', async () => {
    const { autoencoder } = await pretrainStack(x, {
      inputSize: 64,
      stages: [
        { units: 12, corruption: { kind: 'mask', nu: 0.2 } },
        { units: 4, sparsity: { rho: 0.1, beta: 1 } },
      ],
      fit: { epochs: 1 },
    });
    try {
      const back = await Autoencoder.fromSafetensors(await autoencoder.toSafetensors(), { backend: 'worker' });
      try {
        expect(back.runtime.backend).toBe('worker');
        expect(sameBits(await back.getWeights(), await autoencoder.getWeights())).toBe(true);
        expect(sameBits((await back.encode(x)).data, (await autoencoder.encode(x)).data)).toBe(true);
      } finally {
        await back.dispose();
      }
    } finally {
      await autoencoder.dispose();
    }
  });

  it("reads files written by Python's safetensors (model.py's save after changing the weights in PyTorch)", async () => {
    for (const name of ['tied', 'vae']) {
      const bytes = readFileSync(new URL(`golden/safetensors/${name}.safetensors`, import.meta.url));
      const expected = JSON.parse(readFileSync(new URL(`golden/safetensors/${name}.json`, import.meta.url), 'utf8'));
      const ae = await Autoencoder.fromSafetensors(new Uint8Array(bytes));
      try {
        const w = await ae.getWeights();
        for (const t of torchTensors(ae.topology)) {
          const len = t.span.shape.reduce((p, q) => p * q, 1);
          expect(Array.from(w.subarray(t.span.offset, t.span.offset + len)), t.name).toEqual(expected[t.name]);
        }
        expect(Object.keys(expected).sort()).toEqual(
          torchTensors(ae.topology)
            .map((t) => t.name)
            .sort(),
        );
      } finally {
        await ae.dispose();
      }
    }
    // A bare save_file of a state_dict: readable, but it does not say which model it is.
    const bare = new Uint8Array(readFileSync(new URL('golden/safetensors/no-metadata.safetensors', import.meta.url)));
    expect(decodeSafetensors(bare).tensors.size).toBe(6);
    await expectError(Autoencoder.fromSafetensors(bare), 'E_FORMAT', 'has no "diabolo" and "diabolo.config"');
  });

  it('toPyTorch gives model.safetensors, model.py and train.py for the same tensors', async () => {
    const ae = await Autoencoder.create(VARIANTS.vae as AutoencoderConfig);
    try {
      const files = await ae.toPyTorch();
      expect(Object.keys(files)).toEqual(['model.safetensors', 'model.py', 'train.py']);
      expect(Buffer.from(files['model.safetensors']).equals(Buffer.from(await ae.toSafetensors()))).toBe(true);
      expect(files['model.py']).toContain('class Autoencoder(nn.Module):');
      expect(files['model.py']).toContain('self.mu = nn.Linear(12, 2)');
      expect(files['model.py']).toContain(
        'torch.optim.AdamW(parameters, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.02)',
      );
      const tensors = torchTensors(ae.topology).map((t) => [t.name, t.span.shape]);
      expect(tensors.map(([n]) => n)).toEqual(NAMES.vae);
      expect(files['model.py']).toContain(`TENSORS = ${JSON.stringify(tensors)}`);
      expect(files['train.py']).toContain('DistributedDataParallel');
    } finally {
      await ae.dispose();
    }
  });
});

describe('safetensors: the strict reader', () => {
  let good: Uint8Array;
  let topology: Topology;
  const config = VARIANTS.tied as AutoencoderConfig;

  /** The good file's header object (a fresh copy) and its data bytes. */
  const parts = () => {
    const { n, json } = header(good);
    return { json, data: good.slice(8 + n) };
  };
  const meta = () => parts().json.__metadata__ as Record<string, string>;

  it('setup: a good file', async () => {
    const ae = await Autoencoder.create(config);
    good = await ae.toSafetensors();
    topology = ae.topology;
    await ae.dispose();
  });

  const cases: [string, () => Uint8Array, string][] = [
    ['shorter than 8 bytes', () => good.subarray(0, 5), 'shorter than the 8-byte header length'],
    [
      'a header length past the file',
      () => {
        const b = good.slice();
        new DataView(b.buffer).setUint32(0, b.length, true);
        return b;
      },
      'does not fit the',
    ],
    [
      'a header length over 2^32',
      () => {
        const b = good.slice();
        new DataView(b.buffer).setUint32(4, 1, true);
        return b;
      },
      'over the 100000000-byte limit',
    ],
    ['a header that does not start with "{"', () => craft(null, 0, ' {}'), 'does not start with "{"'],
    ['a header that is not JSON', () => craft(null, 0, '{"a": '), 'not valid UTF-8 JSON'],
    [
      'a header that is not UTF-8',
      () => {
        const b = craft(null, 0, '{"\u00e9": 1}');
        b[10] = 0xff;
        return b;
      },
      'not valid UTF-8 JSON',
    ],
    ['__metadata__ with a number', () => craft({ __metadata__: { a: 1 } }), '__metadata__.a is 1, not a string'],
    ['__metadata__ not an object', () => craft({ __metadata__: 'x' }), '__metadata__ is not an object'],
    ['a tensor that is not an object', () => craft({ w: 3 }), 'tensor "w" is not an object'],
    [
      'an unknown dtype',
      () => craft({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4),
      'unknown dtype "F33"',
    ],
    [
      'an F16 tensor',
      () => craft({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4),
      'is F16; diabolo reads F32 tensors only',
    ],
    [
      'an unknown field',
      () => craft({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4], x: 1 } }, 4),
      'unknown fields x',
    ],
    [
      'a negative dimension',
      () => craft({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4),
      'has shape [-1]',
    ],
    [
      'a fractional dimension',
      () => craft({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4),
      'has shape [1.5]',
    ],
    [
      'offsets of three numbers',
      () => craft({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } }, 8),
      'data_offsets [0,4,8]',
    ],
    [
      'begin after end',
      () => craft({ w: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, 4),
      'with 0 ≤ begin ≤ end',
    ],
    [
      'offsets past the data',
      () => craft({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4),
      'past the 4 bytes of data',
    ],
    [
      'a size that is not the shape’s',
      () => craft({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8),
      'needs 12 bytes, its data_offsets hold 8',
    ],
    [
      'overlapping tensors',
      () =>
        craft(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          12,
        ),
      'overlaps the tensor before it',
    ],
    [
      'a gap between tensors',
      () =>
        craft(
          {
            a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
            b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
          },
          12,
        ),
      'bytes 4 to 8 of the data belong to no tensor',
    ],
    [
      'bytes after the last tensor',
      () => craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 8),
      'bytes 4 to 8 of the data belong to no tensor',
    ],
    [
      'no diabolo metadata',
      () => {
        const { json, data } = parts();
        json.__metadata__ = { format: 'pt' };
        return craft(json, data);
      },
      'has no "diabolo" and "diabolo.config"',
    ],
    [
      'a newer layout',
      () => {
        const { json, data } = parts();
        json.__metadata__ = { ...meta(), diabolo: '2' };
        return craft(json, data);
      },
      'layout "2"; this diabolo reads layout 1',
    ],
    [
      'a configuration that is not JSON',
      () => {
        const { json, data } = parts();
        json.__metadata__ = { ...meta(), 'diabolo.config': '{inputSize' };
        return craft(json, data);
      },
      'its diabolo.config is not JSON',
    ],
    [
      'an invalid configuration',
      () => {
        const { json, data } = parts();
        const c = JSON.parse(meta()['diabolo.config'] as string);
        c.layers[0].units = 0;
        json.__metadata__ = { ...meta(), 'diabolo.config': JSON.stringify(c) };
        return craft(json, data);
      },
      'its configuration is invalid: layers[0].units = 0',
    ],
    [
      'a configuration not in resolved form',
      () => {
        const { json, data } = parts();
        const c = JSON.parse(meta()['diabolo.config'] as string);
        delete c.init;
        json.__metadata__ = { ...meta(), 'diabolo.config': JSON.stringify(c) };
        return craft(json, data);
      },
      'not in resolved form',
    ],
    [
      'a missing tensor',
      () => {
        const { json, data } = parts();
        const last = json['decoder.1.bias'] as { data_offsets: number[] };
        delete json['decoder.1.bias'];
        return craft(json, data.subarray(0, last.data_offsets[0]));
      },
      'tensor "decoder.1.bias" is missing',
    ],
    [
      'an extra tensor',
      () => {
        const { json, data } = parts();
        json['decoder.0.weight'] = { dtype: 'F32', shape: [1], data_offsets: [data.length, data.length + 4] };
        return craft(json, Uint8Array.from([...data, 0, 0, 0, 0]));
      },
      'unexpected tensor "decoder.0.weight"',
    ],
    [
      'a tensor of another shape',
      () => {
        const { json, data } = parts();
        (json['encoder.0.weight'] as { shape: number[] }).shape = [64, 12];
        return craft(json, data);
      },
      'tensor "encoder.0.weight" has shape [64, 12], this model\'s is [12, 64]',
    ],
    [
      'a NaN weight',
      () => {
        const { json, data } = parts();
        const at = (json['encoder.1.bias'] as { data_offsets: number[] }).data_offsets[0] as number;
        new DataView(data.buffer).setFloat32(at + 4, Number.NaN, true);
        return craft(json, data);
      },
      'tensor "encoder.1.bias": value 1 of 4 is NaN',
    ],
    [
      'an infinite weight',
      () => {
        const { json, data } = parts();
        new DataView(data.buffer).setFloat32(0, Number.NEGATIVE_INFINITY, true);
        return craft(json, data);
      },
      'tensor "encoder.0.weight": value 0 of 768 is -Infinity',
    ],
  ];
  for (const [name, make, text] of cases) {
    it(`refuses ${name} (E_FORMAT)`, async () => {
      await expectError(Autoencoder.fromSafetensors(make()), 'E_FORMAT', text);
    });
  }

  it('accepts the tensors in any order, zero-sized tensors, and other padding; refuses a non-Uint8Array', async () => {
    const { json, data } = parts();
    // Reversed byte order of the tensors, and a header padded by more spaces.
    const entries = Object.entries(json).filter(([k]) => k !== '__metadata__') as [
      string,
      { data_offsets: number[] },
    ][];
    const chunks: Uint8Array[] = [];
    let at = 0;
    const moved: Record<string, unknown> = { __metadata__: json.__metadata__ };
    for (const [k, e] of [...entries].reverse()) {
      const [b, end] = e.data_offsets as [number, number];
      chunks.push(data.subarray(b, end));
      moved[k] = { ...e, data_offsets: [at, at + end - b] };
      at += end - b;
    }
    const body = new Uint8Array(at);
    let p = 0;
    for (const c of chunks) {
      body.set(c, p);
      p += c.length;
    }
    const file = craft(null, body, `${JSON.stringify(moved)}       `);
    const ae = await Autoencoder.fromSafetensors(file);
    const original = await Autoencoder.fromSafetensors(good);
    expect(sameBits(await ae.getWeights(), await original.getWeights())).toBe(true);
    await ae.dispose();
    await original.dispose();
    const zero = decodeSafetensors(
      craft(
        {
          e: { dtype: 'F32', shape: [0, 5], data_offsets: [0, 0] },
          a: { dtype: 'F32', shape: [], data_offsets: [0, 4] },
        },
        4,
      ),
    );
    expect(zero.tensors.get('e')?.data.length).toBe(0);
    expect(zero.tensors.get('a')?.shape).toEqual([]);
    expect(zero.metadata).toBeNull();
    await expectError(
      Autoencoder.fromSafetensors(Array.from(good) as unknown as Uint8Array),
      'E_INVALID',
      'Autoencoder.fromSafetensors: bytes',
    );
  });

  it('encodeSafetensors refuses duplicate or misshaped tensors (its callers never make them)', () => {
    const t = { name: 'a', shape: [2], data: new Float32Array(2) };
    expect(() => encodeSafetensors([t, t], {})).toThrow(DiaboloError);
    expect(() => encodeSafetensors([{ ...t, shape: [3] }], {})).toThrow(DiaboloError);
  });

  const CASES = Number(process.env.DIABOLO_SAFETENSORS_FUZZ_CASES ?? 10_000);
  it(`survives ${CASES} random mutations: each file loads with exactly its values, or is E_FORMAT`, async () => {
    let s = 0x5afe7e05;
    const rand = (n: number) => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    const { n } = header(good);
    const bad = (m: string) => new DiaboloError('E_FORMAT', m);
    const counts = { loaded: 0, refused: 0, throughTheCore: 0 };
    for (let i = 0; i < CASES; i++) {
      let bytes = good.slice();
      const kind = rand(6);
      if (kind === 0) {
        const at = rand(bytes.length);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << rand(8));
      } else if (kind === 1) bytes[rand(8 + n)] = rand(256);
      else if (kind === 2) bytes = bytes.subarray(0, rand(bytes.length));
      else if (kind === 3) {
        // A digit of the header changed: offsets, shapes, configuration values.
        const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
        const digits = [...text.matchAll(/\d/g)];
        const d = digits[rand(digits.length)];
        if (d?.index !== undefined) bytes[8 + d.index] = 0x30 + rand(10);
      } else if (kind === 4)
        bytes = Uint8Array.from([...bytes.subarray(0, 8 + rand(n)), rand(256), ...bytes.subarray(8 + n)]);
      else new DataView(bytes.buffer).setUint32(8 + n + 4 * rand((bytes.length - 8 - n) / 4), rand(2 ** 32), true);
      // The reading path without a core: the container, the metadata, the configuration, the tensors.
      let weights: Float32Array | undefined;
      let outcome: 'loaded' | 'refused';
      let sameConfig = true;
      try {
        const { tensors, metadata } = decodeSafetensors(bytes);
        const json = JSON.parse(diaboloConfigJson(metadata, bad));
        const c = checkedConfig(json, bad);
        sameConfig =
          JSON.stringify(c) ===
          JSON.stringify(JSON.parse(diaboloConfigJson(header(good).json.__metadata__ as Record<string, string>, bad)));
        if (sameConfig) weights = weightsFromTensors(topology, tensors, bad);
        outcome = 'loaded';
      } catch (e) {
        if (e instanceof SyntaxError)
          outcome = 'refused'; // the configuration's JSON (fromSafetensors: E_FORMAT)
        else if (e instanceof DiaboloError && e.code === 'E_FORMAT') outcome = 'refused';
        else throw new Error(`case ${i} (mutation ${kind}): ${String(e)}`);
      }
      // Every 50th case, and every file whose configuration changed and still reads, goes
      // through Autoencoder.fromSafetensors itself.
      if (!sameConfig || i % 50 === 0) {
        counts.throughTheCore++;
        try {
          const ae = await Autoencoder.fromSafetensors(bytes);
          const w = await ae.getWeights();
          await ae.dispose();
          expect(w.every(Number.isFinite), `case ${i}`).toBe(true);
          if (weights) expect(sameBits(w, weights), `case ${i}`).toBe(true);
          expect(outcome, `case ${i}: the core loaded what the reading path refused`).toBe('loaded');
        } catch (e) {
          if (!(e instanceof DiaboloError) || e.fatal) throw new Error(`case ${i} (mutation ${kind}): ${String(e)}`);
          expect(e.code, `case ${i}: ${e.message}`).toBe('E_FORMAT');
        }
      }
      counts[outcome]++;
    }
    expect(counts.refused).toBeGreaterThan(CASES / 10);
    expect(counts.loaded).toBeGreaterThan(CASES / 20);
    console.log(`safetensors fuzz: ${JSON.stringify(counts)}`);
  });
});
