// Memory limits and traps of the WASM core: refused before allocating when foreseeable, and
// a typed fatal error (never a hang, never a crash) when the instance itself fails. Kept in
// its own file: these tests commit gigabytes of WASM memory in this test worker.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../dist/core/engine.js';
import { Autoencoder, DiaboloError } from '../dist/index.node.js';
import { coreSpec, resolveAutoencoderConfig } from '../dist/model/config.js';
import { rejection } from './helpers/errors.js';

const config = { inputSize: 4, layers: [{ units: 2 }], seed: 1 };
const small = { rows: 2, cols: 4, data: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]) };

/** Pages of a fresh typed array stay unmapped until written: a "2 GiB" input costs nothing here. */
function huge(cols: number): { rows: number; cols: number; data: Float32Array } {
  const rows = Math.ceil(2 ** 29 / cols) + 1;
  return { rows, cols, data: new Float32Array(rows * cols) };
}

/** The engine handle of a model, for fault injection (not public API). */
function engineOf(model: Autoencoder): { injectFault(kind: 'trap' | 'oom'): Promise<void> } {
  return (model as unknown as { rt: { call: { injectFault(kind: 'trap' | 'oom'): Promise<void> } } }).rt.call;
}

describe('arrays too large for WASM memory', () => {
  for (const backend of ['inline', 'worker'] as const) {
    it(`${backend}: an input of 2 GiB or more is refused before it is copied anywhere (E_MEMORY)`, async () => {
      const model = await Autoencoder.create(config, { backend });
      const before = await model.getWeights();
      const x = huge(4);
      for (const call of [() => model.encode(x), () => model.fit(x, { epochs: 1 }), () => model.reconstruct(x)]) {
        const e = await rejection(call());
        expect(e.code).toBe('E_MEMORY');
        expect(e.fatal).toBe(false);
        expect(e.message).toMatch(
          /^(input|training data): 2\.00 GiB is too large: one array in WASM memory must stay below 2 GiB/,
        );
      }
      expect(x.data.length).toBe(x.rows * 4); // not transferred, not detached
      expect(await model.getWeights()).toEqual(before);
      await model.fit(small, { epochs: 1, batchSize: 2 });
      await model.dispose();
    });
  }

  it('a dataset that does not fit beside what the instance already holds is refused, not fatal', async () => {
    const engine = createEngine();
    await engine.init('simd128');
    const values = 480 * 2 ** 20; // 1.875 GiB each
    const x = new Float32Array(values);
    const kept = [engine.uploadDataset(x, values / 1024, 1024), engine.uploadDataset(x, values / 1024, 1024)];
    let error: unknown;
    try {
      engine.uploadDataset(x, values / 1024, 1024);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DiaboloError);
    expect((error as DiaboloError).code).toBe('E_MEMORY');
    expect((error as DiaboloError).fatal).toBe(false);
    expect((error as DiaboloError).message).toMatch(
      /^dataset: 1920\.0 MiB do not fit in WASM memory now \(\d+\.\d MiB in use/,
    );
    // The engine goes on: its datasets are intact and a model trains on one of them.
    for (const id of kept) engine.dispose(id);
    const model = engine.createModel(coreSpec(resolveAutoencoderConfig(config)));
    const data = engine.uploadDataset(small.data, 2, 4);
    expect(engine.trainEpoch(model, data, 2, 0.1).batches).toBe(1);
    expect(engine.usage().handles).toBe(2);
  }, 60_000);
});

describe('a core that traps', () => {
  it('inline, out of memory for real: a fatal E_MEMORY naming the failed allocation; the next model gets a fresh instance', async () => {
    const a = await Autoencoder.create(config);
    const b = await Autoencoder.create(config);
    const reference = await b.encode(small);
    const e = await rejection(engineOf(a).injectFault('oom'));
    expect(e.code).toBe('E_MEMORY');
    expect(e.fatal).toBe(true);
    expect(e.message).toMatch(
      /^the WASM core ran out of memory \(an allocation of 256\.0 MiB failed; WASM memory \d+\.\d of at most 4096 MiB\); this engine's models and datasets are lost/,
    );
    // Every model of that instance reports the same failure instead of touching its memory.
    for (const model of [a, b]) expect(await rejection(model.encode(small))).toBe(e);
    const c = await Autoencoder.create(config);
    expect(await c.encode(small)).toEqual(reference);
    await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
  });

  it('in a worker: the trap and every call queued behind it reject with a typed fatal error within 1 s; other workers carry on', async () => {
    const victim = await Autoencoder.create(config, { backend: 'worker' });
    const bystander = await Autoencoder.create(config, { backend: 'worker' });
    await victim.fit(small, { epochs: 2, batchSize: 2 });
    const t0 = performance.now();
    const pending = [engineOf(victim).injectFault('trap'), victim.encode(small), victim.fit(small, { epochs: 1 })];
    const errors = await Promise.all(pending.map((p) => rejection(p)));
    expect(performance.now() - t0).toBeLessThan(1000);
    for (const e of errors) {
      expect(e.code).toBe('E_INTERNAL');
      expect(e.fatal).toBe(true);
      expect(e.message).toMatch(/^the WASM core trapped \(unreachable\); this engine's models and datasets are lost/);
    }
    expect((await rejection(victim.getWeights())).code).toBe('E_INTERNAL');
    expect((await bystander.fit(small, { epochs: 2, batchSize: 2 })).losses).toHaveLength(2);
    const fresh = await Autoencoder.create(config, { backend: 'worker' });
    expect((await fresh.encode(small)).data.every(Number.isFinite)).toBe(true);
    await Promise.all([victim.dispose(), bystander.dispose(), fresh.dispose()]);
  });
});
