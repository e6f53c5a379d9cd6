/**
 * Stable error codes. Each names a class of failure; the message says which value was bad
 * and what was expected.
 *
 * - `E_SHAPE`: an array's shape or length does not fit.
 * - `E_INVALID`: a configuration or argument value is out of range or of the wrong kind.
 * - `E_NON_FINITE`: training diverged — a loss or gradient became NaN/±Infinity, or the loss
 *   exploded by orders of magnitude; the model was put back as it was at the start of the
 *   failing epoch (see `FitOptions.retryOnDivergence`).
 * - `E_FORMAT`: a model file is damaged, truncated, of another version, or inconsistent; or a
 *   data file (CSV, JSON, `.npy`, IDX) is not what its reader accepts: the message names the
 *   file and the line and column, row and column, byte or header field at fault.
 * - `E_DISPOSED`: the model, dataset or worker was already disposed.
 * - `E_ABORTED`: the operation was cancelled through an `AbortSignal`.
 * - `E_MEMORY`: an array does not fit in WASM memory (at most 4 GiB, one array below 2 GiB);
 *   refused before allocating, nothing changed. If the core itself runs out of memory
 *   mid-call, the error is `fatal`: that engine's models are gone (a worker is stopped; the
 *   next model starts a fresh one) and must be created again or loaded from a file.
 * - `E_BUSY`: the model is training, and the call would train it too or replace its weights;
 *   nothing was changed. Await the running call (or abort it) first.
 * - `E_LOAD`: a WebAssembly binary or the worker script could not be fetched, read or compiled;
 *   the message names the URL tried and how to fix it (serve the file there, or `setAssetPaths`).
 * - `E_WORKER`: the worker running the computation failed or was terminated.
 * - `E_INTERNAL`: a bug in diabolo; please report it.
 */
export type ErrorCode =
  | 'E_SHAPE'
  | 'E_INVALID'
  | 'E_NON_FINITE'
  | 'E_FORMAT'
  | 'E_DISPOSED'
  | 'E_ABORTED'
  | 'E_MEMORY'
  | 'E_BUSY'
  | 'E_LOAD'
  | 'E_WORKER'
  | 'E_INTERNAL';

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'E_SHAPE',
  'E_INVALID',
  'E_NON_FINITE',
  'E_FORMAT',
  'E_DISPOSED',
  'E_ABORTED',
  'E_MEMORY',
  'E_BUSY',
  'E_LOAD',
  'E_WORKER',
  'E_INTERNAL',
]);

/**
 * Every error diabolo raises on purpose. `code` and `fatal` survive the worker boundary.
 * `fatal` means the engine behind the call is lost (its WASM instance trapped): every model
 * and dataset in it is gone; create them again (or load them from a model file).
 */
export class DiaboloError extends Error {
  /** Always `'DiaboloError'`. */
  override readonly name = 'DiaboloError';
  constructor(
    /** The stable {@link ErrorCode} of this failure. */
    readonly code: ErrorCode,
    message: string,
    /** True when the engine behind the call is lost (its WASM instance trapped or ran out of memory). */
    readonly fatal = false,
  ) {
    super(message);
  }
}

/** True when `value` is a string naming one of the {@link ErrorCode}s. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/**
 * Turn what the WASM binding threw into a {@link DiaboloError}: the binding throws an `Error`
 * whose `code` property is the core's stable code (crates/diabolo-wasm/src/errors.rs); its
 * message is kept as it is. Anything else — no code, or one that is not an
 * {@link ErrorCode} — is an internal error, with the message kept.
 */
export function fromWasmError(e: unknown): DiaboloError {
  if (e instanceof DiaboloError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  if (e instanceof Error && isErrorCode(code)) return new DiaboloError(code, message);
  return new DiaboloError('E_INTERNAL', `unexpected failure in the WASM core: ${message}`);
}
