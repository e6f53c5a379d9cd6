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
