import { DiaboloError } from '../base/errors.js';
import type { Matrix, MatrixLike } from '../base/types.js';
import { describe, FLOAT32_RANGE, overflowsFloat32, show } from './values.js';

/**
 * Make a {@link Matrix} from a flat row-major buffer, checking that its length is
 * `rows × cols`. `data` is a `Float32Array` (used as it is), another typed array of numbers
 * or an array of numbers (copied); anything that is not a number (`null`, `undefined`, a
 * string, a boolean, a bigint) is refused with `E_INVALID` naming its row and column, and so
 * is a finite value beyond the float32 range.
 */
export function matrix(rows: number, cols: number, data: Float32Array | ArrayLike<number>): Matrix {
  for (const [field, v] of [
    ['rows', rows],
    ['cols', cols],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new DiaboloError('E_INVALID', `${field} = ${show(v)} is not allowed: expected a non-negative integer`);
    }
  }
  if (!isNumberList(data)) {
    throw new DiaboloError(
      'E_INVALID',
      `matrix: data must be a Float32Array or an array of numbers, got ${describe(data)}`,
    );
  }
  if (data.length !== rows * cols) {
    throw new DiaboloError(
      'E_SHAPE',
      `matrix: expected shape [${rows}, ${cols}] (${rows * cols} values), got ${data.length} values`,
    );
  }
  if (data instanceof Float32Array) return { rows, cols, data };
  checkWasmArray('matrix', data.length * 4);
  const flat = new Float32Array(data.length);
  copyNumbers(data, flat, 0, (i) => `matrix: data[${i}] (row ${Math.floor(i / cols)}, column ${i % cols})`);
  return { rows, cols, data: flat };
}

/** An `Array` or a typed array (not a string, not a `DataView`, not an array-like object). */
function isNumberList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/**
 * Copy `from` into `to` at `offset`, refusing what is not a number and finite values that
 * float32 cannot hold (they would become ±Infinity); `where(i)` names element `i`.
 * NaN and ±Infinity themselves pass: the core refuses them with their row and column.
 */
function copyNumbers(from: ArrayLike<unknown>, to: Float32Array, offset: number, where: (i: number) => string): void {
  if (from instanceof Float32Array) {
    to.set(from, offset);
    return;
  }
  if (from instanceof BigInt64Array || from instanceof BigUint64Array) {
    throw new DiaboloError(
      'E_INVALID',
      `${where(0)}: a ${describe(from)} holds bigints, expected numbers (convert them with Number first)`,
    );
  }
  const typed = ArrayBuffer.isView(from);
  for (let i = 0; i < from.length; i++) {
    const v = from[i];
    if (!typed && typeof v !== 'number') {
      throw new DiaboloError(
        'E_INVALID',
        `${where(i)} = ${show(v)} is not a number: expected a number${v === null || v === undefined ? ' (missing values are not accepted)' : ''}`,
      );
    }
    if (overflowsFloat32(v as number)) {
      throw new DiaboloError('E_INVALID', `${where(i)} = ${v} is ${FLOAT32_RANGE}`);
    }
    to[offset + i] = v as number;
  }
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
  return x !== null && typeof x === 'object' && !Array.isArray(x) && typeof (x as Matrix).rows === 'number';
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
    const row: unknown = x[r];
    if (!isNumberList(row)) {
      throw new DiaboloError(
        'E_INVALID',
        `${what}: row ${r} is ${show(row)}: expected an array (or typed array) of ${cols} numbers`,
      );
    }
    if (row.length !== cols) {
      throw new DiaboloError(
        'E_SHAPE',
        `${what}: expected shape [${rows}, ${cols}], but row ${r} has ${row.length} values`,
      );
    }
    copyNumbers(row, data, r * cols, (c) => `${what}: row ${r}, column ${c}`);
  }
  return { rows, cols, data };
}
