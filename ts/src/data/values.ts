// What a number is, for every reader of data: one definition, so that CSV cells, JSON values,
// rows passed to the API and the command line's flags accept and refuse the same things.

/**
 * A decimal number as text: an optional sign, digits with an optional decimal point (or a
 * point followed by digits), an optional exponent. Spaces and tabs around it are allowed.
 * Everything else — hexadecimal, binary or octal literals, `Infinity`, `NaN`, decimal
 * commas, digit separators, trailing text, an empty string — is not a number.
 */
const DECIMAL = /^[ \t]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;

/** The value of `text` when it is a decimal number (see {@link DECIMAL}), else undefined. */
export function parseDecimal(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** True when `v` (a finite or infinite number) becomes ±Infinity as a float32 though it was finite. */
export function overflowsFloat32(v: number): boolean {
  return Number.isFinite(v) && !Number.isFinite(Math.fround(v));
}

/** How a float32 overflow is explained in messages. */
export const FLOAT32_RANGE = 'beyond the float32 range (magnitude at most 3.4028235e38)';

/** A value as it appears in a message: strings quoted, everything else as JavaScript prints it. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return 'an array';
  return describe(v);
}

/** The kind of a value, for "got …" in messages: `null`, `string`, `Uint8Array`, … */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return 'an array';
  return (v as object).constructor?.name ?? 'object';
}

/** A hint appended to "is not a number" for the usual mistakes, or ''. */
export function numberHint(text: string): string {
  const t = text.trim();
  if (t === '') return ' (an empty cell: missing values are not accepted)';
  if (/^[+-]?0[xXbBoO]/.test(t)) return ' (hexadecimal, binary and octal literals are not accepted)';
  if (/^[+-]?(?:nan|inf|infinity)$/i.test(t)) return ' (only finite numbers are accepted)';
  if (/^(?:null|none|na|n\/a|nil|undefined)$/i.test(t)) return ' (missing values are not accepted)';
  if (/^(?:true|false)$/i.test(t)) return ' (booleans are not accepted: write 1 or 0)';
  if (/;|\t/.test(t)) return ' (cells are separated by commas, and decimals use a point)';
  return '';
}
