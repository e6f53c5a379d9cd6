import { DiaboloError } from '../base/errors.js';
import type { Matrix } from '../base/types.js';
import { checkWasmArray } from './matrix.js';
import { describe, FLOAT32_RANGE, overflowsFloat32, show } from './values.js';

/**
 * Parse a JSON data file: an array of equally long rows of numbers (`[[1, 2], [3, 4]]`), or
 * `{ "rows": R, "cols": C, "data": [R × C numbers, row after row] }` with no other key.
 * Every value must be a JSON number whose float32 is finite: `null` (a missing value),
 * strings (`"3"`), booleans and numbers beyond the float32 range (`1e39`, `1e999`) are
 * refused. Errors: `E_INVALID` when `text` is not a string; `E_FORMAT` naming `source`, the
 * row and the column (counted from 0, as the JSON's indices), the value and what was
 * expected. The rows' lengths are all checked before any value (so nothing is allocated for a
 * shape the file does not hold), then the values row by row; the first mistake is reported.
 */
export function parseJsonMatrix(text: string, source = 'JSON'): Matrix {
  if (typeof text !== 'string') {
    throw new DiaboloError('E_INVALID', `parseJsonMatrix: text must be a string, got ${describe(text)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DiaboloError('E_FORMAT', `${source}: not valid JSON (${(e as Error).message})`);
  }
  const bad = (m: string) => new DiaboloError('E_FORMAT', `${source}: ${m}`);
  const value = (v: unknown, r: number, c: number): number => {
    if (typeof v !== 'number') {
      throw bad(
        `row ${r}, column ${c} is ${show(v)}: expected a number${v === null ? ' (missing values are not accepted)' : ''}`,
      );
    }
    if (overflowsFloat32(v) || !Number.isFinite(v)) throw bad(`row ${r}, column ${c} = ${v} is ${FLOAT32_RANGE}`);
    return v;
  };

  if (Array.isArray(json)) {
    const rows = json.length;
    if (rows === 0) throw bad('an empty array: expected at least one row');
    let cols = 0;
    for (let r = 0; r < rows; r++) {
      const row: unknown = json[r];
      if (!Array.isArray(row)) throw bad(`row ${r} is ${show(row)}: expected an array of numbers`);
      if (r === 0) {
        cols = row.length;
        if (cols === 0) throw bad('row 0 is empty: expected at least one number');
      } else if (row.length !== cols) {
        throw bad(`row ${r} has ${row.length} values, expected ${cols} (as row 0)`);
      }
    }
    checkWasmArray(source, rows * cols * 4);
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = json[r] as unknown[];
      for (let c = 0; c < cols; c++) data[r * cols + c] = value(row[c], r, c);
    }
    return { rows, cols, data };
  }

  if (json === null || typeof json !== 'object') {
    throw bad(`got ${show(json)}: expected an array of rows or { "rows", "cols", "data" }`);
  }
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'rows' && k !== 'cols' && k !== 'data') {
      throw bad(`unknown key ${JSON.stringify(k)}: expected an array of rows or { "rows", "cols", "data" }`);
    }
  }
  for (const k of ['rows', 'cols'] as const) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      throw bad(`"${k}" = ${v === undefined ? 'missing' : show(v)}: expected an integer ≥ 1`);
    }
  }
  const rows = o.rows as number;
  const cols = o.cols as number;
  if (!Array.isArray(o.data)) {
    throw bad(`"data" is ${o.data === undefined ? 'missing' : show(o.data)}: expected an array of numbers`);
  }
  if (o.data.length !== rows * cols) {
    throw bad(`"data" holds ${o.data.length} values, "rows" × "cols" = ${rows} × ${cols} = ${rows * cols}`);
  }
  checkWasmArray(source, rows * cols * 4);
  const flat = o.data as unknown[];
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = value(flat[i], Math.floor(i / cols), i % cols);
  return { rows, cols, data };
}
