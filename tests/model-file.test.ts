// Damaged model files: every kind of damage gives E_FORMAT (never a crash, a hang or a huge
// allocation), and a fuzzer mutating a valid file finds nothing else.
import { describe, expect, it } from 'vitest';
import { Autoencoder, DiaboloError, FORMAT_VERSION, shapes } from '../dist/index.node.js';
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
  return out;
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
    await formatError(good.subarray(0, good.length - 4), 'the file has');
    const magic = good.slice();
    magic[0] = 0x58;
    await formatError(magic, 'wrong magic');
    const version = good.slice();
    new DataView(version.buffer).setUint32(8, FORMAT_VERSION + 1, true);
    await formatError(version, `format version ${FORMAT_VERSION + 1}`);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(12, 0xfffffff0, true);
    await formatError(huge, 'header length');
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
    await formatError(garbage, 'not valid JSON');
    // Consistent counts, but the weights do not fit the configuration.
    const shifted = withHeader((h) => {
      const layer = (h.config as { layers: { units: number }[] }).layers[1];
      if (layer) layer.units = 6;
    });
    await formatError(shifted, 'does not fit');
    // A NaN weight is refused too.
    const nan = good.slice();
    new DataView(nan.buffer).setFloat32(16 + headerLength, Number.NaN, true);
    await formatError(nan, 'does not fit');
  });

  // `npm run fuzz` runs this case alone with many more mutations (DIABOLO_FUZZ_CASES) and
  // another stream of them (DIABOLO_FUZZ_SEED).
  const cases = Number(process.env.DIABOLO_FUZZ_CASES ?? 10_000);
  const seed = Number(process.env.DIABOLO_FUZZ_SEED ?? 0x2545f491);
  it(`survives ${cases} random mutations: success or E_FORMAT, nothing else`, async () => {
    let s = seed | 0 || 1;
    const rand = (n: number) => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    const outcomes = { ok: 0, format: 0 };
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
      try {
        decodeModel(bytes);
        outcomes.ok++;
        if (i % 100 === 0) {
          // Now and then go all the way: a model must build from it, or refuse with E_FORMAT.
          const m = await Autoencoder.load(bytes).catch((e: unknown) => {
            expect((e as DiaboloError).code).toBe('E_FORMAT');
          });
          await m?.dispose();
        }
      } catch (e) {
        if (!(e instanceof DiaboloError) || e.code !== 'E_FORMAT') throw e;
        outcomes.format++;
      }
    }
    console.log(`fuzz: ${outcomes.ok} mutated files still decode, ${outcomes.format} refused with E_FORMAT`);
    expect(outcomes.ok + outcomes.format).toBe(cases);
    expect(outcomes.format).toBeGreaterThan(cases / 10);
  }, 3_600_000);
});
