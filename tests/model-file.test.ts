// Damaged model files: every kind of damage gives E_FORMAT (never a crash, a hang, a huge
// allocation or a model with damaged weights): the checksum refuses any damaged bit, and the
// checks behind it refuse files that are inconsistent yet carry a valid checksum (crafted, or
// written by a buggy tool). A fuzzer mutating a valid file finds nothing else.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Autoencoder, DiaboloError, FORMAT_VERSION, shapes } from '../dist/index.node.js';
import { optimizerSlots, parameterTensors } from '../dist/model/config.js';
import { crc32 as ownCrc32 } from '../dist/model/crc32.js';
import { decodeModel } from '../dist/model/format.js';

const data = shapes({ count: 64, size: 8, seed: 2 });
const ae = await Autoencoder.create({
  inputSize: 64,
  layers: [{ units: 12, sparsity: { rho: 0.1, beta: 1 } }, { units: 5 }],
  optimizer: { kind: 'adam' },
  seed: 4,
});
await ae.fit(data, { epochs: 2, batchSize: 16, learningRate: 0.01 });
const good = await ae.save();
const headerLength = new DataView(good.buffer).getUint32(12, true);
const header = JSON.parse(new TextDecoder().decode(good.subarray(16, 16 + headerLength)));
/** Where the parameters start, and the number of each. */
const weightsAt = 16 + headerLength;
const { parameterCount, optimizerCount } = header as { parameterCount: number; optimizerCount: number };
const optimizerAt = weightsAt + 4 * (parameterCount + 10);

/**
 * Give an edited file a valid checksum again (zlib's CRC-32, an implementation independent of
 * the package's): what a crafted file, or a tool with a bug, would carry.
 */
function resign(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** The file with its header edited, and a valid checksum. */
function withHeader(edit: (h: Record<string, unknown>) => void): Uint8Array {
  const h = structuredClone(header);
  edit(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const padded = Math.ceil(json.length / 4) * 4;
  const out = new Uint8Array(16 + padded + good.length - 16 - headerLength);
  out.set(good.subarray(0, 16));
  out.fill(0x20, 16, 16 + padded);
  out.set(json, 16);
  new DataView(out.buffer).setUint32(12, padded, true);
  out.set(good.subarray(16 + headerLength), 16 + padded);
  return resign(out);
}

/** The file with one float32 at byte `at` replaced, and a valid checksum. */
function withFloat(at: number, value: number): Uint8Array {
  const out = good.slice();
  new DataView(out.buffer).setFloat32(at, value, true);
  return resign(out);
}

async function formatError(bytes: Uint8Array, text: string): Promise<void> {
  try {
    const m = await Autoencoder.load(bytes);
    await m.dispose();
  } catch (e) {
    expect(e).toBeInstanceOf(DiaboloError);
    expect((e as DiaboloError).code).toBe('E_FORMAT');
    expect((e as DiaboloError).message).toContain(text);
    return;
  }
  throw new Error(`expected E_FORMAT (${text})`);
}

describe('model files', () => {
  it('round-trips', async () => {
    const back = await Autoencoder.load(good);
    expect(await back.getWeights()).toEqual(await ae.getWeights());
    expect(back.config).toEqual(ae.config);
    await back.dispose();
  });

  it('names each kind of damage', async () => {
    await formatError(good.subarray(0, 10), 'shorter than the 16-byte prefix');
    await formatError(good.subarray(0, good.length - 4), 'checksum mismatch: the file is damaged');
    await formatError(resign(good.subarray(0, good.length - 4)), 'the file has');
    const magic = good.slice();
    magic[0] = 0x58;
    await formatError(magic, 'wrong magic');
    const version = good.slice();
    new DataView(version.buffer).setUint32(8, FORMAT_VERSION + 1, true);
    await formatError(version, `format version ${FORMAT_VERSION + 1}`);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(12, 0xfffffff0, true);
    await formatError(huge, 'checksum mismatch');
    await formatError(resign(huge), 'header length');
    await formatError(
      withHeader((h) => {
        h.parameterCount = 1e9;
      }),
      'the header promises',
    );
    await formatError(
      withHeader((h) => {
        h.parameterCount = -1;
      }),
      'parameterCount -1',
    );
    await formatError(
      withHeader((h) => {
        h.kind = 'classifier';
      }),
      'header kind "classifier"',
    );
    await formatError(
      withHeader((h) => {
        (h.config as { inputSize: number }).inputSize = 0;
      }),
      'inputSize = 0',
    );
    await formatError(
      withHeader((h) => {
        (h.config as { layers: { units: number }[] }).layers[1] = { units: 6 } as never;
      }),
      'configuration',
    );
    const garbage = good.slice();
    garbage.fill(0x7b, 16, 20);
    await formatError(resign(garbage), 'not valid JSON');
    // Counts that fit the file, but not the configuration.
    const shifted = withHeader((h) => {
      const layer = (h.config as { layers: { units: number }[] }).layers[1];
      if (layer) layer.units = 6;
    });
    await formatError(shifted, `parameterCount ${parameterCount} is not the`);
    // A NaN weight is refused too, naming its tensor.
    await formatError(withFloat(weightsAt, Number.NaN), 'parameters of encoder layer 0 weights: value 0 of 768 is NaN');
  });

  describe('a checksum over the whole file', () => {
    it('is the standard CRC-32 of everything before it, in the last 4 bytes', () => {
      expect(new DataView(good.buffer).getUint32(8, true)).toBe(FORMAT_VERSION);
      expect(FORMAT_VERSION).toBe(2);
      expect(new DataView(good.buffer).getUint32(good.length - 4, true)).toBe(crc32(good.subarray(0, good.length - 4)));
      expect(good.length).toBe(optimizerAt + 4 * optimizerCount + 4);
    });

    it('names what it expected and what it found', async () => {
      const flipped = good.slice();
      flipped[weightsAt + 5] = (flipped[weightsAt + 5] as number) ^ 0x10; // one bit of a weight
      const stored = new DataView(good.buffer).getUint32(good.length - 4, true);
      const found = crc32(flipped.subarray(0, flipped.length - 4));
      const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;
      await formatError(
        flipped,
        `checksum mismatch: the file is damaged (expected CRC-32 ${hex(stored)}, found ${hex(found)} over its first ${good.length - 4} bytes)`,
      );
    });

    it('refuses every single-bit flip anywhere in a small model file', async () => {
      const small = await Autoencoder.create({ inputSize: 6, hiddenSize: 2, optimizer: { kind: 'adam' }, seed: 3 });
      await small.fit({ rows: 8, cols: 6, data: data.data.slice(0, 48) }, { epochs: 1, batchSize: 4 });
      const file = await small.save();
      await small.dispose();
      const seen = new Map<string, number>();
      for (let bit = 0; bit < file.length * 8; bit++) {
        const bytes = file.slice();
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        const e = await decodeModel(bytes).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(e, `bit ${bit}`).toBeInstanceOf(DiaboloError);
        expect((e as DiaboloError).code, `bit ${bit}`).toBe('E_FORMAT');
        // Past the magic and the version, the checksum is what refuses it.
        const reason = bit < 64 ? 'wrong magic' : bit < 96 ? 'format version' : 'checksum mismatch';
        expect((e as DiaboloError).message, `bit ${bit}`).toContain(reason);
        seen.set(reason, (seen.get(reason) ?? 0) + 1);
      }
      expect(seen.get('checksum mismatch')).toBe(file.length * 8 - 96);
      expect(file.length * 8).toBeGreaterThan(5000);
    });

    it('refuses 2 000 random single-bit flips of a larger file through Autoencoder.load', async () => {
      let s = 0x9e3779b9 | 0;
      const rand = (n: number) => {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        return (s >>> 0) % n;
      };
      for (let i = 0; i < 2000; i++) {
        const bit = rand(good.length * 8);
        const bytes = good.slice();
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        await formatError(bytes, bit < 96 ? '' : 'checksum mismatch');
      }
    });
  });

  describe('files of older versions', () => {
    const golden = new URL('golden/model/', import.meta.url);
    const v1 = new Uint8Array(readFileSync(new URL('model-v1.bin', golden)));
    const expected = JSON.parse(readFileSync(new URL('model-v1.json', golden), 'utf8')) as {
      formatVersion: number;
      weights: number[];
      probe: number[];
      reconstruction: number[];
    };

    it('version 1 (no checksum) still loads: same weights, same outputs', async () => {
      expect(expected.formatVersion).toBe(1);
      expect(new DataView(v1.buffer).getUint32(8, true)).toBe(1);
      const m = await Autoencoder.load(v1);
      expect(await m.getWeights()).toEqual(Float32Array.from(expected.weights));
      const out = await m.reconstruct({ rows: 3, cols: 64, data: Float32Array.from(expected.probe) });
      // Saved with whichever kernels the machine had: equal up to FMA rounding.
      for (const [i, v] of expected.reconstruction.entries()) expect(out.data[i]).toBeCloseTo(v, 5);
      // Saving again writes the current version, with a checksum, and loads back the same.
      const again = await m.save();
      expect(new DataView(again.buffer).getUint32(8, true)).toBe(FORMAT_VERSION);
      expect(again.length).toBe(v1.length + 4);
      const back = await Autoencoder.load(again);
      expect(await back.getWeights()).toEqual(await m.getWeights());
      await Promise.all([m.dispose(), back.dispose()]);
    });

    it('version 1 files get every other check', async () => {
      const at = v1.length - 4; // the last optimizer moment (Adam: a second moment)
      const negative = v1.slice();
      new DataView(negative.buffer).setFloat32(at, -1, true);
      await formatError(negative, 'optimizer second moment of decoder layer 1 bias: value 63 of 64 is -1');
      // Four more bytes are not taken for a checksum in a version 1 file.
      await formatError(Uint8Array.from([...v1, 0, 0, 0, 0]), 'the file has');
      const weight = v1.slice();
      const p = expected.weights.length;
      new DataView(weight.buffer).setFloat32(v1.length - 4 * (10 + 2 * p) - 4, Number.POSITIVE_INFINITY, true);
      await formatError(weight, `parameters of decoder layer 1 bias: value 63 of 64 is Infinity`);
    });
  });

  it('expects the counts the core has, for every kind of model', async () => {
    const configs = [
      { inputSize: 7, hiddenSize: 3 },
      { inputSize: 9, layers: [{ units: 6 }, { units: 4 }, { units: 2 }], optimizer: { kind: 'momentum' as const } },
      { inputSize: 8, layers: [{ units: 5 }, { units: 3 }], tiedWeights: true, optimizer: { kind: 'adam' as const } },
      { inputSize: 10, layers: [{ units: 6 }], vae: { latentSize: 2 }, optimizer: { kind: 'adam' as const } },
      { inputSize: 5, layers: [{ units: 8 }, { units: 4 }], vae: { latentSize: 3 } },
    ];
    for (const config of configs) {
      const m = await Autoencoder.create(config);
      const file = await m.save();
      const h = JSON.parse(
        new TextDecoder().decode(file.subarray(16, 16 + new DataView(file.buffer).getUint32(12, true))),
      );
      const tensors = parameterTensors(m.config);
      const total = tensors.reduce((n: number, t: { length: number }) => n + t.length, 0);
      expect(h.parameterCount).toBe(total);
      expect(h.optimizerCount).toBe(total * optimizerSlots(m.config.optimizer));
      expect((await m.getWeights()).length).toBe(total);
      // The first tensors are the encoder's layers, as the core returns them.
      for (const [i] of m.config.layers.entries()) {
        const { w, b } = await m.layerWeights(i);
        expect([w.data.length, b.length]).toEqual([tensors[2 * i]?.length, tensors[2 * i + 1]?.length]);
      }
      await m.dispose();
    }
  });

  describe('size claims of a header are E_FORMAT, refused before the core sees them', () => {
    const rows: Array<[string, (h: Record<string, unknown>) => void, string]> = [
      [
        'a configuration far too large for WASM memory (counts that fit the file)',
        (h) => {
          const c = h.config as { inputSize: number; layers: { units: number }[] };
          c.inputSize = 65536;
          for (const l of c.layers) l.units = 65536;
        },
        'parameters need',
      ],
      [
        'a VAE code far wider than its parameters',
        (h) => {
          (h.config as { vae: unknown }).vae = { latentSize: 65536, beta: 1 };
        },
        `parameterCount ${parameterCount} is not the 1115866 parameters of its configuration`,
      ],
      [
        'a width beyond the limit',
        (h) => {
          (h.config as { inputSize: number }).inputSize = 1e9;
        },
        'inputSize = 1000000000',
      ],
      [
        'a parameter count beyond 2^53',
        (h) => {
          h.parameterCount = 2 ** 60;
        },
        `parameterCount ${2 ** 60} is not a count`,
      ],
      [
        'an optimizer count of a terabyte',
        (h) => {
          h.optimizerCount = 2 ** 40;
        },
        'the header promises',
      ],
      [
        'counts that fit the file but not the configuration',
        (h) => {
          h.parameterCount = (h.parameterCount as number) + 1;
          h.optimizerCount = (h.optimizerCount as number) - 1;
        },
        `parameterCount ${parameterCount + 1} is not the ${parameterCount} parameters of its configuration`,
      ],
      [
        'moments of another optimizer',
        (h) => {
          (h.config as { optimizer: unknown }).optimizer = { kind: 'momentum', momentum: 0.9, nesterov: false };
        },
        `optimizerCount ${optimizerCount} is not the ${parameterCount} moments of its optimizer ("momentum")`,
      ],
    ];
    for (const [name, edit, text] of rows) it(name, () => formatError(withHeader(edit), text));
  });

  describe('optimizer state is checked like the weights, naming the tensor', () => {
    const rows: Array<[string, number, number, string]> = [
      [
        'NaN weight of the last decoder bias',
        optimizerAt - 44,
        Number.NaN,
        'parameters of decoder layer 1 bias: value 63 of 64 is NaN',
      ],
      [
        'NaN first moment',
        optimizerAt,
        Number.NaN,
        'optimizer first moment of encoder layer 0 weights: value 0 of 768 is NaN',
      ],
      [
        'infinite first moment',
        optimizerAt + 4 * (2 * 768 + 8),
        Number.NEGATIVE_INFINITY,
        'optimizer first moment of encoder layer 0 bias: value 8 of 12 is -Infinity',
      ],
      [
        'NaN second moment',
        optimizerAt + 4 * (768 + 100),
        Number.NaN,
        'optimizer second moment of encoder layer 0 weights: value 100 of 768 is NaN',
      ],
      [
        'negative second moment',
        good.length - 8,
        -0.5,
        'optimizer second moment of decoder layer 1 bias: value 63 of 64 is -0.5 (expected a finite number ≥ 0)',
      ],
      [
        'infinite second moment',
        optimizerAt + 4 * (2 * 780 + 60 + 1),
        Number.POSITIVE_INFINITY,
        'optimizer second moment of encoder layer 1 weights: value 1 of 60 is Infinity',
      ],
    ];
    for (const [name, at, value, text] of rows) it(name, () => formatError(withFloat(at, value), text));
    it('a negative first moment is fine (only the second is a mean of squares)', async () => {
      const m = await Autoencoder.load(withFloat(optimizerAt, -0.5));
      await m.dispose();
    });
  });

  // `npm run fuzz` runs this case alone with many more mutations (DIABOLO_FUZZ_CASES) and
  // another stream of them (DIABOLO_FUZZ_SEED).
  const cases = Number(process.env.DIABOLO_FUZZ_CASES ?? 10_000);
  const seed = Number(process.env.DIABOLO_FUZZ_SEED ?? 0x2545f491);
  it(`survives ${cases} random mutations: the checksum refuses every one; re-signed, success or E_FORMAT, nothing else`, async () => {
    let s = seed | 0 || 1;
    const rand = (n: number) => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    const isFormat = (e: unknown) => e instanceof DiaboloError && e.code === 'E_FORMAT';
    const outcomes = { unchanged: 0, refused: 0, resignedOk: 0, resignedFormat: 0 };
    const original = Buffer.from(good);
    const t0 = performance.now();
    for (let i = 0; i < cases; i++) {
      if (i % 100_000 === 0 && i > 0) {
        console.log(`fuzz: ${i} of ${cases} cases, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
      let bytes = good.slice();
      const kind = rand(5);
      if (kind === 0) {
        const at = rand(bytes.length);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << rand(8));
      } else if (kind === 1)
        bytes[rand(64)] = rand(256); // the prefix and the header's start
      else if (kind === 2) bytes = bytes.subarray(0, rand(bytes.length));
      else if (kind === 3) new DataView(bytes.buffer).setUint32(4 * rand(bytes.length / 4), rand(2 ** 31) * 2, true);
      else
        bytes = Uint8Array.from([
          ...bytes.subarray(0, 16 + rand(headerLength)),
          rand(256),
          ...bytes.subarray(16 + headerLength),
        ]);
      // As damaged: refused, unless the mutation changed nothing.
      if (original.equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))) outcomes.unchanged++;
      else {
        const e = await decodeModel(bytes).then(
          () => new Error(`case ${i}: a damaged file (mutation ${kind}) was accepted`),
          (error: unknown) => error,
        );
        if (!isFormat(e)) throw e;
        outcomes.refused++;
      }
      // As crafted (the checksum made valid again): the checks behind it refuse it, or it is a model.
      if (bytes.length < 20) continue;
      const crafted = resign(bytes);
      try {
        await decodeModel(crafted);
        outcomes.resignedOk++;
        if (i % 100 === 0) {
          // Now and then go all the way: a model must build from it, or refuse with E_FORMAT.
          const m = await Autoencoder.load(crafted).catch((e: unknown) => {
            expect((e as DiaboloError).code).toBe('E_FORMAT');
          });
          await m?.dispose();
        }
      } catch (e) {
        if (!isFormat(e)) throw e;
        outcomes.resignedFormat++;
      }
    }
    console.log(
      `fuzz: ${outcomes.refused} damaged files refused (${outcomes.unchanged} mutations changed nothing); re-signed, ${outcomes.resignedOk} decode and ${outcomes.resignedFormat} are refused with E_FORMAT`,
    );
    expect(outcomes.refused + outcomes.unchanged).toBe(cases);
    expect(outcomes.unchanged).toBeLessThan(cases / 100);
    expect(outcomes.resignedFormat).toBeGreaterThan(cases / 10);
  }, 3_600_000);
});

describe('CRC-32', () => {
  it('equals node:zlib (an independent implementation) on empty, short and random inputs', () => {
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    expect(ownCrc32(new Uint8Array(0))).toBe(0);
    expect(ownCrc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
    for (const length of [1, 3, 255, 256, 4097, 100_000]) {
      const bytes = Uint8Array.from({ length }, next);
      expect(ownCrc32(bytes), `length ${length}`).toBe(crc32(bytes));
    }
  });
});
