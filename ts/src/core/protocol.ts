import { transferHandlers } from 'comlink';
import { DiaboloError, isErrorCode } from '../base/errors.js';

type SerializedThrow = { isError: boolean; value: unknown };
interface ThrownDiabolo {
  name: 'DiaboloError';
  code: string;
  message: string;
  fatal: boolean;
  stack?: string;
}

let installed = false;

/**
 * Comlink's built-in "throw" handler keeps only name/message/stack of an error. Wrap it so
 * that a {@link DiaboloError} thrown in the worker arrives as a `DiaboloError` with its
 * `code`. Must run on both sides of the boundary (the main thread and the worker).
 */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const builtin = transferHandlers.get('throw');
  if (!builtin) return;
  transferHandlers.set('throw', {
    canHandle: builtin.canHandle,
    serialize(thrown: unknown) {
      const value = (thrown as { value: unknown }).value;
      if (value instanceof DiaboloError) {
        const v: ThrownDiabolo = {
          name: 'DiaboloError',
          code: value.code,
          message: value.message,
          fatal: value.fatal,
          stack: value.stack,
        };
        return [{ isError: true, value: v }, []];
      }
      return builtin.serialize(thrown);
    },
    deserialize(serialized: unknown) {
      const s = serialized as SerializedThrow;
      const v = s.value as Partial<ThrownDiabolo> | undefined;
      if (s.isError && v?.name === 'DiaboloError' && isErrorCode(v.code)) {
        throw new DiaboloError(v.code, v.message ?? '', v.fatal === true);
      }
      return builtin.deserialize(serialized);
    },
  });
}
