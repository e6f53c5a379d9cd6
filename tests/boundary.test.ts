// The JS ↔ WASM boundary on the built package: core errors cross as JS Errors with a `code`
// property (no message parsing), and the engine object answers exactly the calls its surface
// declares.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_CALLS } from '../dist/core/calls.js';
import { createEngine } from '../dist/core/engine.js';
import createGlue, { type Glue } from '../dist/wasm/glue.js';

let glue: Glue;
beforeAll(async () => {
  glue = createGlue();
  const binary = await readFile(new URL('../dist/wasm/diabolo-simd128.wasm', import.meta.url));
  await glue.instantiate(await WebAssembly.compile(binary));
});

/** What `f` throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('errors', () => {
  it('a core error is a JS Error with the stable code as a property and the message as the core wrote it', () => {
    const e = thrown(() => new glue.Dataset(new Float32Array(3), 2, 2));
    expect(e).toBeInstanceOf(Error);
    expect((e as { code?: unknown }).code).toBe('E_SHAPE');
    expect((e as Error).message).toBe('dataset: expected shape [2, 2] (4 values), got 3 values');
  });
});

describe('the engine', () => {
  it('answers exactly the calls its surface declares', () => {
    const engine = createEngine() as unknown as Record<string, unknown>;
    const own = Object.keys(engine).filter((k) => typeof engine[k] === 'function');
    expect(own.sort()).toEqual([...ENGINE_CALLS].sort());
  });
});
