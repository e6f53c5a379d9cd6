// The safetensors container, written and read by hand: a little-endian u64 header length
// N, N bytes of UTF-8 JSON (an object: each tensor's dtype, shape and byte range in the data
// that follows, plus an optional "__metadata__" object of strings), then the data. Pure
// TypeScript with no Node import: it runs in browsers as in Node.
import { DiaboloError } from '../base/errors.js';

/** One float32 tensor to write: its name, shape and values (row-major, `shape`'s product long). */
export interface SafetensorsTensor {
  /** Tensor name, e.g. `encoder.0.weight`. */
  name: string;
  /** Dimensions, outermost first (`[outputs, inputs]` for a weight matrix). */
  shape: readonly number[];
  /** The values, row-major. */
  data: Float32Array;
}

/** What {@link decodeSafetensors} finds in a file. */
export interface SafetensorsContents {
  /** Every tensor by name, in the order of their bytes in the file. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  /** The `__metadata__` strings, or `null` when the file has none. */
  metadata: Record<string, string> | null;
}

/** The largest header read (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;
/** Bytes per element of the dtypes the format names; diabolo reads only F32 among them. */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
  C64: 8,
};
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];

function bad(message: string): DiaboloError {
  return new DiaboloError('E_FORMAT', `not a readable safetensors file: ${message}`);
}

/**
 * A safetensors file of float32 tensors: the header names each tensor with its `F32` dtype,
 * shape and `data_offsets` (relative to the first data byte), in the order given, and
 * carries `metadata` as `__metadata__`; it is padded with spaces so that the data starts at
 * a multiple of 8 bytes. Names must be unique and not `__metadata__`.
 */
export function encodeSafetensors(tensors: readonly SafetensorsTensor[], metadata: Record<string, string>): Uint8Array {
  // The JSON is put together by hand: a tensor's name is a key, whatever it is.
  const entries = [`"__metadata__":${JSON.stringify(metadata)}`];
  const names = new Set<string>(['__metadata__']);
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (names.has(t.name) || count !== t.data.length) {
      throw new DiaboloError('E_INTERNAL', `safetensors: tensor ${JSON.stringify(t.name)} is a duplicate or misshaped`);
    }
    names.add(t.name);
    const entry = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * count] };
    entries.push(`${JSON.stringify(t.name)}:${JSON.stringify(entry)}`);
    offset += 4 * count;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const headerBytes = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const bytes = new Uint8Array(8 + headerBytes + offset);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, headerBytes, true);
  view.setUint32(4, 0, true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const t of tensors) {
    for (const v of t.data) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  }
  return bytes;
}

/** A safe integer ≥ 0, or undefined. */
const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

/**
 * Read a safetensors file strictly: the header length must fit the file, the header must be
 * a JSON object (UTF-8, starting with `{`, trailing spaces allowed), `__metadata__` an
 * object of strings, each tensor `{ dtype, shape, data_offsets }` and nothing else, every
 * dtype `F32`, every byte range as long as its shape says, and the ranges must cover the
 * data exactly (in any order: no gap, no overlap, no byte left over). Values are read as
 * they are (non-finite ones included: the caller judges them). Anything else is
 * `E_FORMAT`, naming the problem.
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw bad('expected a Uint8Array');
  if (bytes.length < 8) throw bad(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const n = high * 2 ** 32 + low;
  if (high !== 0 || n > MAX_HEADER) throw bad(`header length ${n} is over the ${MAX_HEADER}-byte limit`);
  if (n < 2 || 8 + n > bytes.length) throw bad(`header length ${n} does not fit the ${bytes.length}-byte file`);
  const headerBytes = bytes.subarray(8, 8 + n);
  if (headerBytes[0] !== 0x7b) throw bad('the header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw bad(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw bad('the header is not a JSON object');
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const ranges: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw bad('__metadata__ is not an object of strings');
      }
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw bad(`__metadata__.${k} is ${JSON.stringify(v)}, not a string`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const what = `tensor ${JSON.stringify(name)}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(`${what} is not an object`);
    const e = entry as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => !ENTRY_KEYS.includes(k));
    if (extra.length > 0) throw bad(`${what} has unknown fields ${extra.join(', ')}`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) {
      throw bad(`${what} has an unknown dtype ${JSON.stringify(e.dtype)}`);
    }
    if (e.dtype !== 'F32') {
      throw bad(`${what} is ${e.dtype}; diabolo reads F32 tensors only (convert them, e.g. tensor.float())`);
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((d) => count(d) === undefined)) {
      throw bad(`${what} has shape ${JSON.stringify(shape)} (expected an array of integers ≥ 0)`);
    }
    const offsets = e.data_offsets;
    const [begin, end] = Array.isArray(offsets) && offsets.length === 2 ? offsets.map(count) : [];
    if (begin === undefined || end === undefined || begin > end) {
      throw bad(`${what} has data_offsets ${JSON.stringify(offsets)} (expected [begin, end] with 0 ≤ begin ≤ end)`);
    }
    if (end > dataLength) {
      throw bad(`${what} has data_offsets [${begin}, ${end}] past the ${dataLength} bytes of data`);
    }
    // Each factor is at most the data's length, so the product stays exact until it passes it.
    let elements = (shape as number[]).includes(0) ? 0 : 1;
    for (const d of shape as number[]) {
      if (elements * 4 > dataLength) break;
      elements *= d;
    }
    if (elements * 4 !== end - begin) {
      throw bad(
        `${what} of shape [${shape.join(', ')}] needs ${elements * 4} bytes, its data_offsets hold ${end - begin}`,
      );
    }
    ranges.push({ name, shape: shape as number[], begin, end });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let next = 0;
  for (const r of ranges) {
    if (r.begin !== next) {
      throw bad(
        r.begin < next
          ? `tensor ${JSON.stringify(r.name)} overlaps the tensor before it (its data starts at byte ${r.begin}, before byte ${next})`
          : `bytes ${next} to ${r.begin} of the data belong to no tensor`,
      );
    }
    next = r.end;
  }
  if (next !== dataLength) throw bad(`bytes ${next} to ${dataLength} of the data belong to no tensor`);
  const tensors: SafetensorsContents['tensors'] = new Map();
  for (const r of ranges) {
    const data = new Float32Array((r.end - r.begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(dataStart + r.begin + 4 * i, true);
    tensors.set(r.name, { shape: r.shape, data });
  }
  return { tensors, metadata };
}

/**
 * Version of what diabolo puts into a safetensors file besides the container: the tensor
 * names of the PyTorch module (`encoder.0.weight`, …) and the metadata keys. Written as
 * metadata `diabolo`; a reader refuses a newer one.
 */
export const SAFETENSORS_LAYOUT = 1;

/**
 * The `__metadata__` of a diabolo model: `format` `pt` (what PyTorch tools expect), `diabolo`
 * (the layout version), `diabolo.config` (the resolved configuration as JSON) and
 * `diabolo.writer` (who wrote the file).
 */
export function diaboloMetadata(configJson: string, writer: string): Record<string, string> {
  return { format: 'pt', diabolo: String(SAFETENSORS_LAYOUT), 'diabolo.config': configJson, 'diabolo.writer': writer };
}

/**
 * The configuration JSON of a diabolo safetensors file's metadata (`E_FORMAT` when it has
 * none, or a layout newer than this diabolo reads). `bad` makes the error.
 */
export function diaboloConfigJson(
  metadata: Record<string, string> | null,
  bad: (message: string) => DiaboloError,
): string {
  const layout = metadata?.diabolo;
  const config = metadata?.['diabolo.config'];
  if (layout === undefined || config === undefined) {
    throw bad(
      'its __metadata__ has no "diabolo" and "diabolo.config" (files written by diabolo or by the model.py it exports have them)',
    );
  }
  if (!/^[1-9]\d*$/.test(layout) || Number(layout) > SAFETENSORS_LAYOUT) {
    throw bad(`layout ${JSON.stringify(layout)}; this diabolo reads layout ${SAFETENSORS_LAYOUT}`);
  }
  return config;
}
