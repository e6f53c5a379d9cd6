// Arguments of the public API. Each entry point lists its arguments with their kinds; the
// first that does not fit throws E_INVALID naming the method, the argument, its value and
// what was expected — before any work, and never as a TypeError from deeper inside.
import { DiaboloError } from './errors.js';
import { MAX_SEED, SEED_RANGE } from './limits.js';

const MAX_SHOWN = 80;

/**
 * A value as an error message shows it: short, and never throwing — BigInts, symbols,
 * functions, typed arrays and objects with cycles included.
 */
export function show(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `a function${value.name ? ` ${value.name}` : ''}`;
    case 'string':
      return clip(JSON.stringify(value));
  }
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as { length?: number }).length ?? value.byteLength;
    return `${named(value)} of length ${length}`;
  }
  // Instances of classes other than Object and Array: their class says more than their fields.
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && proto !== Object.prototype && proto !== Array.prototype) return named(value as object);
  const seen = new WeakSet<object>();
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (typeof v === 'function') return '(function)';
      if (ArrayBuffer.isView(v)) return `(${v.constructor.name})`;
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '(cycle)';
        seen.add(v);
      }
      return v;
    });
    if (json !== undefined) return clip(json);
  } catch {
    // A getter or toJSON that throws: fall through to the constructor's name.
  }
  return named(value as object);
}

/** "a Float32Array", "an ArrayBuffer", "an object". */
function named(value: object): string {
  const name = (value.constructor as { name?: unknown } | undefined)?.name;
  const n = typeof name === 'string' && name !== '' ? name : 'object';
  return `${/^[aeiou]/i.test(n) ? 'an' : 'a'} ${n}`;
}

function clip(s: string): string {
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN - 1)}…` : s;
}

/** The E_INVALID error of a value: `field = value is not allowed: expected …`. */
export function invalid(field: string, value: unknown, expected: string): DiaboloError {
  return new DiaboloError('E_INVALID', `${field} = ${show(value)} is not allowed: expected ${expected}`);
}

/** A kind of argument: what it expects (for the message) and the test of a value. */
export interface Kind {
  readonly expected: string;
  test(value: unknown): boolean;
}

const kind = (expected: string, test: (v: unknown) => boolean): Kind => ({ expected, test });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNumbers = (v: unknown) => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** Optional argument: `undefined`, or of kind `k`. */
export function optional(k: Kind): Kind {
  return kind(`${k.expected} (or nothing)`, (v) => v === undefined || k.test(v));
}

/** An integer in [min, max]. */
export function integer(min: number, max: number): Kind {
  return kind(
    `an integer in [${min}, ${max}]`,
    (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max,
  );
}

/** The kinds of argument the public API takes. */
export const kinds = {
  /** Rows of data: the shape and the values are checked later, against the model. */
  matrix: kind(
    'a Matrix { rows, cols, data } or an array of rows',
    (v) => Array.isArray(v) || (isObject(v) && isCount(v.rows) && isCount(v.cols) && 'data' in v),
  ),
  /** One row of values (its length is checked against the model). */
  vector: kind('an array of numbers (one row of input)', isNumbers),
  /** Class labels, one per row (their values are checked against the classes). */
  labels: kind('an array of integer labels, one per row', isNumbers),
  object: kind('an object', isObject),
  array: kind('an array', Array.isArray),
  float32Array: kind('a Float32Array', (v) => v instanceof Float32Array),
  modelFile: kind('a Uint8Array (a model file from save())', (v) => v instanceof Uint8Array),
  safetensorsFile: kind('a Uint8Array (a safetensors file)', (v) => v instanceof Uint8Array),
  finite: kind('a finite number', (v) => typeof v === 'number' && Number.isFinite(v)),
  boolean: kind('true or false', (v) => typeof v === 'boolean'),
  function: kind('a function', (v) => typeof v === 'function'),
  seed: kind(SEED_RANGE, (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_SEED),
  signal: kind(
    'an AbortSignal',
    (v) => isObject(v) && typeof v.aborted === 'boolean' && typeof v.addEventListener === 'function',
  ),
  control: kind(
    'a TrainingControl (an object with waitWhilePaused)',
    (v) => isObject(v) && typeof v.waitWhilePaused === 'function',
  ),
} as const satisfies Record<string, Kind>;

/** One argument: its name, its value and its kind. */
export type Arg = readonly [name: string, value: unknown, kind: Kind];

/** Check the arguments of `method` in order; the first that does not fit throws E_INVALID naming it. */
export function checkArgs(method: string, ...args: Arg[]): void {
  for (const [name, value, k] of args) {
    if (!k.test(value)) throw invalid(`${method}: ${name}`, value, k.expected);
  }
}

/**
 * Check an options object's keys: only `allowed`, each of its kind when present. Returns the
 * object (an absent one as `{}`).
 */
export function checkOptions(
  method: string,
  name: string,
  value: unknown,
  allowed: Readonly<Record<string, Kind>>,
): Record<string, unknown> {
  if (value === undefined) return {};
  checkArgs(method, [name, value, kinds.object]);
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    const k = allowed[key];
    if (!k) throw invalid(`${method}: ${name}.${key}`, '(unknown key)', `only ${Object.keys(allowed).join(', ')}`);
    if (o[key] !== undefined && !k.test(o[key])) throw invalid(`${method}: ${name}.${key}`, o[key], k.expected);
  }
  return o;
}

const oneOf = (values: readonly string[]) =>
  kind(`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, (v) => values.includes(v as string));

/** Where a model runs: `RuntimeOptions`. */
export const RUNTIME_OPTIONS: Readonly<Record<string, Kind>> = {
  backend: oneOf(['inline', 'worker']),
  flavor: oneOf(['auto', 'relaxed', 'simd128', 'scalar']),
};
