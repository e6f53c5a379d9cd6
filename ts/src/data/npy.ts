import { DiaboloError } from '../base/errors.js';
import type { Matrix } from '../base/types.js';
import { checkWasmArray } from './matrix.js';
import { describe, FLOAT32_RANGE, overflowsFloat32 } from './values.js';

/** Element types read, by dtype kind and size in bytes. */
const KINDS: Record<string, readonly number[]> = { f: [4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8] };
const DTYPES =
  'float (f4, f8), signed (i1, i2, i4, i8) or unsigned (u1, u2, u4, u8) integers, little-endian (<) or big-endian (>)';

type HeaderValue = string | boolean | number[];

/**
 * The header dict, read by the grammar NumPy writes: `{` first, then `'key': value` entries
 * separated by commas (an optional trailing comma), then `}`, then only whitespace (spaces,
 * tabs, CR, LF, also allowed between tokens). Keys and strings are quoted with `'` or `"`
 * (no escapes); a key appears once; values are strings, `True`/`False` or tuples of
 * non-negative decimal integers without leading zeros (a one-element tuple needs its comma:
 * `(3,)`).
 * Errors name the byte of the file where the header stops making sense.
 */
function parseHeader(text: string, offset: number, bad: (m: string) => DiaboloError): Map<string, HeaderValue> {
  let i = 0;
  const at = () => `header byte ${offset + i}`;
  const fail = (expected: string): never => {
    const got = i < text.length ? JSON.stringify(text[i]) : 'the end of the header';
    throw bad(`${at()}: expected ${expected}, got ${got}`);
  };
  const space = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const eat = (c: string) => {
    space();
    if (text[i] !== c) fail(JSON.stringify(c));
    i++;
  };
  const string = (): string => {
    space();
    const q = text[i];
    if (q !== "'" && q !== '"') return fail('a quoted string');
    const end = text.indexOf(q, i + 1);
    const s = end === -1 ? undefined : text.slice(i + 1, end);
    if (s === undefined || /[\\\n]/.test(s)) return fail(`a string closed by ${q} without escapes`);
    i = end + 1;
    return s;
  };
  const integer = (): number => {
    const m = /^(?:0|[1-9]\d*)/.exec(text.slice(i, i + 32));
    const n = m ? Number(m[0]) : Number.NaN;
    if (!m || !Number.isSafeInteger(n)) return fail('a non-negative integer below 2^53 (no leading zeros)');
    i += m[0].length;
    return n;
  };
  const value = (): HeaderValue => {
    space();
    const c = text[i];
    if (c === "'" || c === '"') return string();
    if (text.startsWith('True', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('False', i)) {
      i += 5;
      return false;
    }
    if (c !== '(') return fail("a string, True, False or a tuple '(…)'");
    i++;
    const dims: number[] = [];
    space();
    if (text[i] === ')') {
      i++;
      return dims;
    }
    for (;;) {
      space();
      dims.push(integer());
      space();
      if (text[i] === ',') {
        i++;
        space();
        if (text[i] === ')') break;
        continue;
      }
      // `(3)` is the integer 3 in Python, not a tuple.
      if (text[i] === ')' && dims.length > 1) break;
      fail(dims.length === 1 ? "',' (a one-element tuple is written (n,))" : "',' or ')'");
    }
    i++;
    return dims;
  };

  const entries = new Map<string, HeaderValue>();
  if (text[0] !== '{') fail('"{" (the header is a Python dict)');
  i = 1;
  space();
  while (text[i] !== '}') {
    const start = i;
    const key = string();
    if (entries.has(key)) {
      i = start;
      fail(`a key other than ${JSON.stringify(key)} (it appears twice)`);
    }
    eat(':');
    entries.set(key, value());
    space();
    if (text[i] === ',') {
      i++;
      space();
    } else if (text[i] !== '}') fail("',' or '}'");
  }
  i++;
  space();
  if (i !== text.length) fail('only spaces after the closing }');
  return entries;
}

/**
 * Parse a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0) holding a 1-D or 2-D C-order
 * array into a float32 {@link Matrix}: a 1-D array of n values is one row of n columns.
 *
 * Element types: float32/float64, signed and unsigned integers of 1, 2, 4 and 8 bytes, in
 * either byte order (`<f4`, `>f8`, `|u1`, `<i4`, …); values are rounded to float32, and a
 * float64 beyond the float32 range is refused. Refused with `E_FORMAT`, naming `source` and
 * the header byte, key or element at fault: other dtypes (complex `<c8`, objects `|O`,
 * strings, half floats, structured or native-order `=` types), Fortran order, more than two
 * dimensions, a header NumPy would not read (see the grammar in the source), a data length
 * other than the header's shape requires. The output's size is computed from the header and
 * checked against the file's length before anything is allocated; a consistent array too
 * large for WASM memory (2 GiB as float32) is refused with `E_MEMORY`. A `bytes` that is not
 * a `Uint8Array` is refused with `E_INVALID`.
 */
export function parseNpy(bytes: Uint8Array, source = '.npy file'): Matrix {
  if (!(bytes instanceof Uint8Array)) {
    throw new DiaboloError(
      'E_INVALID',
      `parseNpy: bytes must be a Uint8Array, got ${describe(bytes)}${(bytes as unknown) instanceof ArrayBuffer ? ' (wrap it: new Uint8Array(buffer))' : ''}`,
    );
  }
  const bad = (m: string) => new DiaboloError('E_FORMAT', `${source}: not a readable .npy file: ${m}`);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 8 || magic.some((b, k) => bytes[k] !== b)) throw bad('missing the \\x93NUMPY magic');
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (major < 1 || major > 3 || minor !== 0) {
    throw bad(`format version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  }
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw bad(`${bytes.length} bytes is too short for the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerAt = 8 + lengthBytes;
  const start = headerAt + headerLen;
  if (start > bytes.length) {
    throw bad(`the header length ${headerLen} reaches byte ${start}, the file has ${bytes.length} bytes`);
  }
  // Byte for byte (latin1), so that positions in the text are positions in the file; the
  // grammar is ASCII, so a version-3 (UTF-8) header reads the same.
  let text = '';
  for (let k = headerAt; k < start; k++) text += String.fromCharCode(bytes[k] as number);
  const header = parseHeader(text, headerAt, bad);
  for (const k of header.keys()) {
    if (k !== 'descr' && k !== 'fortran_order' && k !== 'shape') {
      throw bad(`unknown header key ${JSON.stringify(k)} (expected 'descr', 'fortran_order' and 'shape')`);
    }
  }
  const descr = header.get('descr');
  const order = header.get('fortran_order');
  const shape = header.get('shape');
  if (typeof descr !== 'string') {
    throw bad(
      descr === undefined
        ? "the header has no 'descr'"
        : `'descr' = ${JSON.stringify(descr)}: expected a string such as '<f4'`,
    );
  }
  if (typeof order !== 'boolean') throw bad("'fortran_order' must be True or False");
  if (!Array.isArray(shape)) throw bad(shape === undefined ? "the header has no 'shape'" : "'shape' must be a tuple");
  const dtype = /^([<>|])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = dtype?.[2] ?? '';
  const size = Number(dtype?.[3]);
  const little = dtype?.[1] !== '>';
  if (!dtype || !KINDS[kind]?.includes(size) || (dtype[1] === '|' && size !== 1)) {
    const why = descr.includes('O')
      ? ' (object arrays hold pickled Python objects)'
      : descr.startsWith('=')
        ? ' (native byte order: unknown once written to a file)'
        : '';
    throw bad(`dtype ${JSON.stringify(descr)} is not supported${why}: expected ${DTYPES}`);
  }
  if (order) throw bad('Fortran-order arrays are not supported (save with np.ascontiguousarray)');
  if (shape.length < 1 || shape.length > 2) {
    throw bad(`'shape' (${shape.join(', ')}) has ${shape.length} dimensions: expected 1 or 2`);
  }
  const [rows, cols] = shape.length === 1 ? [1, shape[0] as number] : (shape as [number, number]);
  const count = rows * cols;
  if (count * size !== bytes.length - start) {
    throw bad(
      `'shape' (${shape.join(', ')}) of ${descr} needs ${count * size} data bytes, the file has ${bytes.length - start}`,
    );
  }
  checkWasmArray(source, count * 4);
  const read: (o: number) => number =
    kind === 'f'
      ? size === 4
        ? (o) => view.getFloat32(o, little)
        : (o) => view.getFloat64(o, little)
      : kind === 'u'
        ? size === 1
          ? (o) => view.getUint8(o)
          : size === 2
            ? (o) => view.getUint16(o, little)
            : size === 4
              ? (o) => view.getUint32(o, little)
              : (o) => Number(view.getBigUint64(o, little))
        : size === 1
          ? (o) => view.getInt8(o)
          : size === 2
            ? (o) => view.getInt16(o, little)
            : size === 4
              ? (o) => view.getInt32(o, little)
              : (o) => Number(view.getBigInt64(o, little));
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = read(start + i * size);
    if (overflowsFloat32(v)) {
      throw bad(`element ${i} (row ${Math.floor(i / cols)}, column ${i % cols}) = ${v} is ${FLOAT32_RANGE}`);
    }
    data[i] = v;
  }
  return { rows, cols, data };
}
