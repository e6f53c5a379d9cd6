import { DiaboloError } from '../base/errors.js';
import type { Matrix } from '../base/types.js';
import { checkWasmArray } from './matrix.js';
import { describe, FLOAT32_RANGE, numberHint, overflowsFloat32, parseDecimal, show } from './values.js';

/**
 * Options of {@link parseCsv}.
 *
 * Header detection (when `header` is not given): the first line is a header when every one
 * of its cells is a name — a cell with a letter in it that does not start like a number
 * (`3abc`, `0x1F`) and is not a value word (`NaN`, `Infinity`, `null`, `NA`, `N/A`, `None`,
 * `nil`, `undefined`, `true`, `false`); it is a data row when every cell is a number. Any
 * other first line — numbers mixed with names (a header-less file whose first row has a
 * typo, say), or a cell that is neither (empty, `NaN`) — is refused, naming the cell: pass
 * `header: true` (the first line is skipped whatever it holds) or `header: false` to decide.
 */
export interface CsvOptions {
  /**
   * `true`: the first line is a header (skipped; it must have as many cells as the data
   * rows). `false`: the first line is data. Default: detected (see {@link CsvOptions}).
   */
  header?: boolean;
  /**
   * Column holding a class label (an integer in [0, 2³² − 1]), removed from the features:
   * its index counting from 0, `'first'` or `'last'`. Anything else (`NaN`, `1.5`, `-1`,
   * `'2'`, an index beyond the last column) is refused with `E_INVALID`.
   */
  labelColumn?: number | 'first' | 'last';
  /** Name of the text (a file name) used in error messages. Default `'CSV'`. */
  source?: string;
}

const OPTION_KEYS = ['header', 'labelColumn', 'source'];

/** A cell that can only be a column name: has a letter, does not start like a number, is not a value word. */
function isName(cell: string): boolean {
  const t = cell.trim();
  return (
    /\p{L}/u.test(t) &&
    !/^[+-]?\.?\d/.test(t) &&
    !/^[+-]?(?:nan|inf|infinity)$/i.test(t) &&
    !/^(?:null|none|na|n\/a|nil|undefined|true|false)$/i.test(t)
  );
}

const isBlank = (line: string) => /^[ \t]*$/.test(line);

function checkOptions(options: unknown): { header?: boolean; labelColumn?: number | 'first' | 'last'; source: string } {
  if (options === undefined) return { source: 'CSV' };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new DiaboloError('E_INVALID', `parseCsv: options = ${show(options)} is not allowed: expected an object`);
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.includes(k)) {
      throw new DiaboloError(
        'E_INVALID',
        `parseCsv: options.${k} is not an option (expected ${OPTION_KEYS.join(', ')})`,
      );
    }
  }
  const { header, labelColumn, source } = o;
  if (header !== undefined && typeof header !== 'boolean') {
    throw new DiaboloError(
      'E_INVALID',
      `parseCsv: header = ${show(header)} is not allowed: expected true, false or undefined (detect)`,
    );
  }
  if (source !== undefined && typeof source !== 'string') {
    throw new DiaboloError('E_INVALID', `parseCsv: source = ${show(source)} is not allowed: expected a string`);
  }
  const name = source ?? 'CSV';
  if (
    labelColumn !== undefined &&
    labelColumn !== 'first' &&
    labelColumn !== 'last' &&
    !(typeof labelColumn === 'number' && Number.isSafeInteger(labelColumn) && labelColumn >= 0)
  ) {
    throw new DiaboloError(
      'E_INVALID',
      `${name}: labelColumn = ${show(labelColumn)} is not allowed: expected a column index (an integer ≥ 0, 0 for the first column), 'first' or 'last'`,
    );
  }
  return {
    source: name,
    ...(header === undefined ? {} : { header }),
    ...(labelColumn === undefined ? {} : { labelColumn: labelColumn as number | 'first' | 'last' }),
  };
}

/**
 * Parse comma-separated numbers into a {@link Matrix} (and labels).
 *
 * What is accepted, and nothing else (no guess is ever made):
 * - lines end with LF, CRLF or CR (old Mac files), mixed or not; a UTF-8 byte-order mark at
 *   the start is ignored; blank lines are ignored at the end of the text only (a blank line
 *   inside the table is refused: it would be a missing row);
 * - cells are separated by commas (no quoting); every data row has as many cells as the
 *   first one;
 * - a cell is a decimal number: optional sign, digits with an optional point, optional
 *   exponent (`3`, `-0.5`, `.5`, `2.`, `1e-3`, `+4E2`), with spaces or tabs around it
 *   allowed. Refused: empty cells, `null`, `NaN`, `Infinity`, hexadecimal/binary/octal
 *   (`0x1F`, `0b11`), decimal commas, digit separators, trailing text (`3abc`), booleans,
 *   values beyond the float32 range (`1e39`). Values are rounded to float32;
 * - the header: see {@link CsvOptions} (detected, or said with `header`).
 *
 * Errors are `DiaboloError`s: `E_INVALID` for arguments (`text` not a string, a bad option),
 * `E_FORMAT` for the text, naming the source, the line and the column (both counted from 1,
 * as in an editor), the value and what was expected — the first mistake in file order.
 * The output's size is bounded by the text's length before anything is allocated.
 */
export function parseCsv(
  text: string,
  options: CsvOptions = {},
): {
  /** The features: one row per data line. */
  matrix: Matrix;
  /** The label column's values, with `labelColumn`. */
  labels?: Uint32Array;
} {
  if (typeof text !== 'string') {
    const given: unknown = text;
    const bytes = given instanceof Uint8Array || given instanceof ArrayBuffer;
    throw new DiaboloError(
      'E_INVALID',
      `parseCsv: text must be a string, got ${describe(given)}${bytes ? ' (decode the bytes first: new TextDecoder().decode(bytes))' : ''}`,
    );
  }
  const { source, header: headerOption, labelColumn } = checkOptions(options);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  while (lines.length > 0 && isBlank(lines[lines.length - 1] as string)) lines.pop();
  if (lines.length === 0) throw new DiaboloError('E_FORMAT', `${source}: no data rows (the text is empty)`);
  const blank = (n: number) =>
    new DiaboloError(
      'E_FORMAT',
      `${source} line ${n}: an empty line inside the table (every row needs its values; blank lines are accepted only at the end)`,
    );
  const first = lines[0] as string;
  if (isBlank(first)) throw blank(1);

  const header = headerOption ?? detectHeader(first, source);
  const start = header ? 1 : 0; // index of the first data line
  const rows = lines.length - start;
  if (rows === 0) throw new DiaboloError('E_FORMAT', `${source}: a header (line 1) but no data rows`);
  if (isBlank(lines[start] as string)) throw blank(start + 1);
  const width = countFields(lines[start] as string);
  const widthError = (n: number, got: number) =>
    new DiaboloError('E_FORMAT', `${source} line ${n}: expected ${width} fields (as on line ${start + 1}), got ${got}`);
  if (header) {
    const names = countFields(first);
    if (names !== width) throw widthError(1, names);
  }

  const labelAt = labelColumn === 'last' ? width - 1 : labelColumn === 'first' ? 0 : labelColumn;
  if (labelAt !== undefined && labelAt >= width) {
    throw new DiaboloError(
      'E_INVALID',
      `${source}: labelColumn = ${labelColumn} is outside the ${width} columns (indices 0 to ${width - 1})`,
    );
  }
  if (labelAt !== undefined && width === 1) {
    throw new DiaboloError(
      'E_INVALID',
      `${source}: labelColumn = ${show(labelColumn)} would leave no feature: the rows have a single column`,
    );
  }
  const cols = labelAt === undefined ? width : width - 1;
  // A table that is what the first data line claims holds rows × width non-empty cells,
  // each followed by a separator: at most (length + 1) / 2 cells. A bigger claim cannot be
  // true (a later line is shorter: that line is reported), so the buffer never needs more.
  const maxCells = Math.floor((body.length + 1) / 2);
  if (rows * width <= maxCells) checkWasmArray(source, rows * cols * 4);
  const data = new Float32Array(Math.min(rows * cols, maxCells));
  const labels = labelAt === undefined ? undefined : new Uint32Array(rows);

  for (let r = 0; r < rows; r++) {
    const n = start + r + 1;
    const line = lines[start + r] as string;
    if (isBlank(line)) throw blank(n);
    const fields = line.split(',');
    if (fields.length !== width) throw widthError(n, fields.length);
    let c = r * cols;
    for (let j = 0; j < width; j++) {
      const f = fields[j] as string;
      const v = parseDecimal(f);
      const at = () => `${source} line ${n}, column ${j + 1}`;
      if (v === undefined) {
        throw new DiaboloError(
          'E_FORMAT',
          `${at()}: ${JSON.stringify(f)} is not a number: expected a decimal number such as 3, -0.5 or 1e-3${numberHint(f)}`,
        );
      }
      if (j === labelAt && labels) {
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
          throw new DiaboloError(
            'E_FORMAT',
            `${at()}: label ${JSON.stringify(f)} is not allowed: expected an integer in [0, 4294967295]`,
          );
        }
        labels[r] = v;
      } else {
        if (overflowsFloat32(v) || !Number.isFinite(v)) {
          throw new DiaboloError('E_FORMAT', `${at()}: ${JSON.stringify(f)} is ${FLOAT32_RANGE}`);
        }
        data[c++] = v;
      }
    }
  }
  if (rows * cols > data.length) {
    throw new DiaboloError('E_INTERNAL', `${source}: the CSV size bound was wrong (${rows}×${cols} cells)`);
  }
  return { matrix: { rows, cols, data }, ...(labels ? { labels } : {}) };
}

function countFields(line: string): number {
  let n = 1;
  for (let i = line.indexOf(','); i !== -1; i = line.indexOf(',', i + 1)) n++;
  return n;
}

/** The header rule of {@link CsvOptions}: true, false, or an error naming the cell that breaks it. */
function detectHeader(line: string, source: string): boolean {
  const cells = line.split(',');
  const numberAt = cells.findIndex((f) => parseDecimal(f) !== undefined);
  if (numberAt === -1) {
    const other = cells.findIndex((f) => !isName(f));
    if (other === -1) return true;
    const f = cells[other] as string;
    throw new DiaboloError(
      'E_FORMAT',
      `${source} line 1, column ${other + 1}: ${JSON.stringify(f)} is neither a number nor a column name, so line 1 is neither a data row nor a header${numberHint(f)} (pass header: true or false to say which it is)`,
    );
  }
  const other = cells.findIndex((f) => parseDecimal(f) === undefined);
  if (other === -1) return false;
  const f = cells[other] as string;
  throw new DiaboloError(
    'E_FORMAT',
    `${source} line 1, column ${other + 1}: ${JSON.stringify(f)} is not a number, yet column ${numberAt + 1} (${JSON.stringify(cells[numberAt])}) is: a first line is a header only when none of its cells is a number, a data row when all are${numberHint(f)} (pass header: true or false to say which it is)`,
  );
}
