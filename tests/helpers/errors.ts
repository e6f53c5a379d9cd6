import { expect } from 'vitest';
import { DiaboloError } from '../../dist/index.node.js';

/** The `DiaboloError` a promise rejects with (failing the test if it resolves or throws anything else). */
export async function rejection(p: Promise<unknown>): Promise<DiaboloError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DiaboloError);
    return e as DiaboloError;
  }
  throw new Error('expected a rejection');
}

/**
 * Run `call` (or await the promise) and check that it fails with a `DiaboloError` of `code`
 * whose message contains `text`; fails the test if nothing is thrown.
 */
export async function expectError(call: Promise<unknown> | (() => unknown), code: string, text: string): Promise<void> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (e) {
    expect(e).toBeInstanceOf(DiaboloError);
    expect((e as DiaboloError).code).toBe(code);
    expect((e as DiaboloError).message).toContain(text);
    return;
  }
  throw new Error(`expected ${code} (${text}), nothing was thrown`);
}
