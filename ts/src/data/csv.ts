import { DiaboloError } from '../errors.js';
import type { Matrix } from '../types.js';

/** Options of {@link parseCsv}. */
export interface CsvOptions {
  /** Skip the first line. Default: detected (a first line that does not parse as numbers). */
  header?: boolean;
  /** Column holding an integer class label, removed from the features: an index, or `'last'`. */
  labelColumn?: number | 'last';
  /** Name used in error messages. */
  source?: string;
}

/**
 * Parse comma-separated numbers into a {@link Matrix} (and labels). Errors name the source,
 * the line and the column of the first bad field.
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
  const source = options.source ?? 'CSV';
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new DiaboloError('E_SHAPE', `${source}: no data rows`);
  const isNumeric = (l: string) => l.split(',').every((f) => f.trim() !== '' && Number.isFinite(Number(f)));
  const header = options.header ?? !isNumeric(lines[0] as string);
  const rows = header ? lines.slice(1) : lines;
  const lineOffset = header ? 2 : 1;
  if (rows.length === 0) throw new DiaboloError('E_SHAPE', `${source}: a header but no data rows`);
  const width = (rows[0] as string).split(',').length;
  const labelAt = options.labelColumn === 'last' ? width - 1 : options.labelColumn;
  if (labelAt !== undefined && (labelAt < 0 || labelAt >= width)) {
    throw new DiaboloError(
      'E_INVALID',
      `${source}: labelColumn ${options.labelColumn} is outside the ${width} columns`,
    );
  }
  const cols = labelAt === undefined ? width : width - 1;
  const data = new Float32Array(rows.length * cols);
  const labels = labelAt === undefined ? undefined : new Uint32Array(rows.length);
  rows.forEach((line, r) => {
    const fields = line.split(',');
    if (fields.length !== width) {
      throw new DiaboloError(
        'E_SHAPE',
        `${source} line ${r + lineOffset}: expected ${width} fields (as on the first row), got ${fields.length}`,
      );
    }
    let c = 0;
    fields.forEach((f, j) => {
      const v = Number(f);
      if (f.trim() === '' || !Number.isFinite(v)) {
        throw new DiaboloError(
          'E_INVALID',
          `${source} line ${r + lineOffset}, column ${j + 1}: ${JSON.stringify(f)} is not a finite number`,
        );
      }
      if (j === labelAt && labels) {
        if (!Number.isInteger(v) || v < 0) {
          throw new DiaboloError(
            'E_INVALID',
            `${source} line ${r + lineOffset}: label ${f} is not a non-negative integer`,
          );
        }
        labels[r] = v;
      } else {
        data[r * cols + c++] = v;
      }
    });
  });
  return { matrix: { rows: rows.length, cols, data }, ...(labels ? { labels } : {}) };
}
