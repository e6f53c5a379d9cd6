// The unit tests' check of a synchronous failure, against the sources' DiaboloError (the
// integration tests' helper, tests/helpers/errors.ts, checks the built package's).
import { expect } from 'vitest';
import { DiaboloError } from '../../ts/src/base/errors.js';

/** `f` throws a `DiaboloError` E_INVALID whose message contains `text` (the test fails otherwise). */
export function expectInvalid(f: () => unknown, text: string): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DiaboloError);
  expect((error as DiaboloError).code).toBe('E_INVALID');
  expect((error as DiaboloError).message).toContain(text);
}
