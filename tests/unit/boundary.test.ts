// Unit tests of the JS side of the WASM boundary on the sources (no wasm build): core errors
// arrive as JS Errors with a `code` property, loss terms are read by name, and the engine's
// declared surface lists every call once.
import { describe, expect, it } from 'vitest';
import { DiaboloError, fromWasmError } from '../../ts/src/base/errors.js';
import { ENGINE_CALLS } from '../../ts/src/core/calls.js';
import { addScaledTerms, LOSS_TERMS, take, takeTerms, termsOf, zeroTerms } from '../../ts/src/core/reports.js';

/** An Error as the binding throws it: `message` as the core wrote it, `code` a property. */
function coded(code: unknown, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('fromWasmError', () => {
  it('takes the code from the `code` property and the message as it is', () => {
    const e = fromWasmError(coded('E_SHAPE', 'data: expected shape [n, 4], got [2, 3]'));
    expect(e).toBeInstanceOf(DiaboloError);
    expect([e.code, e.message, e.fatal]).toEqual(['E_SHAPE', 'data: expected shape [n, 4], got [2, 3]', false]);
  });

  it('does not parse messages: a code-like prefix without the property is an internal error', () => {
    const e = fromWasmError(new Error('E_INVALID: seed = -1 is not allowed'));
    expect(e.code).toBe('E_INTERNAL');
    expect(e.message).toBe('unexpected failure in the WASM core: E_INVALID: seed = -1 is not allowed');
  });

  it('an unknown or malformed code is an internal error that keeps the message', () => {
    for (const code of ['E_NOPE', 'e_shape', 42, null, undefined]) {
      const e = fromWasmError(coded(code, 'something broke'));
      expect(e.code, String(code)).toBe('E_INTERNAL');
      expect(e.message, String(code)).toBe('unexpected failure in the WASM core: something broke');
    }
  });

  it('what is not an Error (a thrown string, or an object with a code) is an internal error', () => {
    expect(fromWasmError('boom').message).toBe('unexpected failure in the WASM core: boom');
    expect(fromWasmError({ code: 'E_SHAPE', message: 'x' }).code).toBe('E_INTERNAL');
  });

  it('a DiaboloError passes through unchanged', () => {
    const original = new DiaboloError('E_MEMORY', 'too big', true);
    expect(fromWasmError(original)).toBe(original);
  });
});

/** A stand-in for a glue object: terms behind getters on the prototype, and `free`. */
class GlueTerms {
  freed = 0;
  constructor(private readonly values: number[]) {}
  get reconstruction() {
    return this.values[0] as number;
  }
  get sparsity() {
    return this.values[1] as number;
  }
  get contractive() {
    return this.values[2] as number;
  }
  get kl() {
    return this.values[3] as number;
  }
  get l2() {
    return this.values[4] as number;
  }
  get total() {
    return this.values[5] as number;
  }
  free() {
    this.freed++;
  }
}

describe('loss terms by name', () => {
  it('lists every term once, in the documented order', () => {
    expect(LOSS_TERMS).toEqual(['reconstruction', 'sparsity', 'contractive', 'kl', 'l2', 'total']);
  });

  it('copies a glue object term by term into a plain object, then frees it', () => {
    const glue = new GlueTerms([1, 2, 3, 4, 5, 15]);
    const t = takeTerms(glue);
    expect(t).toEqual({ reconstruction: 1, sparsity: 2, contractive: 3, kl: 4, l2: 5, total: 15 });
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype);
    expect(glue.freed).toBe(1);
  });

  it('frees the glue object even when reading it fails', () => {
    const glue = new GlueTerms([]);
    expect(() =>
      take(glue, () => {
        throw new Error('read failed');
      }),
    ).toThrow('read failed');
    expect(glue.freed).toBe(1);
  });

  it('sums weighted terms by name', () => {
    const sums = zeroTerms();
    addScaledTerms(sums, termsOf(new GlueTerms([1, 0, 0, 0.5, 0, 1.5])), 4);
    addScaledTerms(sums, { reconstruction: 2, sparsity: 1, contractive: 0, kl: 0, l2: 0.25, total: 3.25 }, 2);
    expect(sums).toEqual({ reconstruction: 8, sparsity: 2, contractive: 0, kl: 2, l2: 0.5, total: 12.5 });
  });
});

describe('the engine surface', () => {
  it('lists every call once, and never `then` (a backend must not be thenable)', () => {
    expect(new Set(ENGINE_CALLS).size).toBe(ENGINE_CALLS.length);
    expect(ENGINE_CALLS).not.toContain('then');
    expect(ENGINE_CALLS).toEqual(expect.arrayContaining(['init', 'uploadDataset', 'trainEpoch', 'parallelBatches']));
  });
});
