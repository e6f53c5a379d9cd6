import { DiaboloError } from '../errors.js';
import type { Matrix, MatrixLike } from '../types.js';

/**
 * Make a {@link Matrix} from a flat row-major buffer, checking that its length is
 * `rows × cols`.
 */
export function matrix(rows: number, cols: number, data: Float32Array | ArrayLike<number>): Matrix {
  for (const [field, v] of [
    ['rows', rows],
    ['cols', cols],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new DiaboloError('E_INVALID', `${field} = ${v} is not allowed: expected a non-negative integer`);
    }
  }
  const flat = data instanceof Float32Array ? data : Float32Array.from(data);
  if (flat.length !== rows * cols) {
    throw new DiaboloError(
      'E_SHAPE',
      `matrix: expected shape [${rows}, ${cols}] (${rows * cols} values), got ${flat.length} values`,
    );
  }
  return { rows, cols, data: flat };
}

/** One array in WASM memory stays below 2 GiB (wasm32: sizes are signed 32-bit). */
export const MAX_WASM_ARRAY_BYTES = 2 ** 31 - 1;

/**
 * Refuse an array of `bytes` that no WASM core could hold, before it is copied anywhere
 * (a worker, WASM memory).
 */
export function checkWasmArray(what: string, bytes: number): void {
  if (bytes > MAX_WASM_ARRAY_BYTES) {
    throw new DiaboloError(
      'E_MEMORY',
      `${what}: ${(bytes / 2 ** 30).toFixed(2)} GiB is too large: one array in WASM memory must stay below 2 GiB (${Math.floor(MAX_WASM_ARRAY_BYTES / 4)} float32 values); split the data into smaller pieces`,
    );
  }
}

function isMatrix(x: MatrixLike): x is Matrix {
  return !Array.isArray(x) && typeof (x as Matrix).rows === 'number';
}

/**
 * Accept a {@link MatrixLike} where `cols` features per sample are expected, with an error
 * naming `what`, the expected and the actual shape when it does not fit.
 */
export function toMatrix(x: MatrixLike, cols: number, what: string): Matrix {
  if (isMatrix(x)) {
    if (!(x.data instanceof Float32Array)) {
      throw new DiaboloError('E_INVALID', `${what}.data must be a Float32Array, got ${describe(x.data)}`);
    }
    if (x.data.length !== x.rows * x.cols) {
      throw new DiaboloError(
        'E_SHAPE',
        `${what}: rows × cols = ${x.rows} × ${x.cols} = ${x.rows * x.cols}, but data holds ${x.data.length} values`,
      );
    }
    if (x.cols !== cols || x.rows === 0) {
      throw new DiaboloError('E_SHAPE', `${what}: expected shape [n ≥ 1, ${cols}], got [${x.rows}, ${x.cols}]`);
    }
    checkWasmArray(what, x.data.length * 4);
    return x;
  }
  if (!Array.isArray(x)) {
    throw new DiaboloError('E_INVALID', `${what} must be a Matrix or an array of rows, got ${describe(x)}`);
  }
  const rows = x.length;
  if (rows === 0) throw new DiaboloError('E_SHAPE', `${what}: expected shape [n ≥ 1, ${cols}], got [0, ${cols}]`);
  checkWasmArray(what, rows * cols * 4);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = x[r] as ArrayLike<number>;
    if (row?.length !== cols) {
      throw new DiaboloError(
        'E_SHAPE',
        `${what}: expected shape [${rows}, ${cols}], but row ${r} has ${row?.length ?? 'no'} values`,
      );
    }
    data.set(row, r * cols);
  }
  return { rows, cols, data };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}
