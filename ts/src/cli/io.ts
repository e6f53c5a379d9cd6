// What the command line needs from the package, plus JSON data files.
import { toMatrix } from '../data/matrix.js';
import { DiaboloError } from '../errors.js';
import type { Matrix } from '../types.js';

export * from '../index.node.js';

/** A JSON data file: an array of equally long rows, or `{ rows, cols, data }`. */
export function toMatrixFromRows(json: unknown, source: string): Matrix {
  if (Array.isArray(json)) {
    const first = json[0];
    if (!Array.isArray(first))
      throw new DiaboloError('E_FORMAT', `${source}: expected an array of rows (arrays of numbers)`);
    return toMatrix(json as number[][], first.length, source);
  }
  const o = json as { rows?: unknown; cols?: unknown; data?: unknown };
  if (typeof o?.rows !== 'number' || typeof o.cols !== 'number' || !Array.isArray(o.data)) {
    throw new DiaboloError('E_FORMAT', `${source}: expected an array of rows or { rows, cols, data }`);
  }
  return toMatrix({ rows: o.rows, cols: o.cols, data: Float32Array.from(o.data as number[]) }, o.cols, source);
}
