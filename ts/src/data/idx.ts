import { DiaboloError } from '../base/errors.js';
import { checkWasmArray } from './matrix.js';
import { describe } from './values.js';

/** An IDX array (the MNIST file format): unsigned bytes with their dimensions. */
export interface IdxArray {
  /** The dimensions, outermost first (MNIST images: count, height, width). */
  shape: number[];
  /** The values in row-major order. */
  data: Uint8Array;
}

function bad(what: string, message: string): DiaboloError {
  return new DiaboloError('E_FORMAT', `${what}: not a readable IDX file: ${message}`);
}

/**
 * Parse an IDX file of unsigned bytes (type 0x08): magic `00 00 08 D` (D from 1 to 4), D
 * big-endian u32 dimensions, then exactly the data they describe. The data is a view of
 * `bytes` (not a copy). Errors: `E_INVALID` when `bytes` is not a `Uint8Array`; `E_FORMAT`
 * naming `what` and the byte or dimension at fault when the file is not such an IDX file
 * (its length is checked against the dimensions before anything else); `E_MEMORY` when the
 * values would not fit in one WASM array as float32 (2 GiB), as every reader of IDX files
 * in diabolo turns them into.
 */
export function parseIdx(bytes: Uint8Array, what = 'IDX file'): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new DiaboloError(
      'E_INVALID',
      `parseIdx: bytes must be a Uint8Array, got ${describe(bytes)}${(bytes as unknown) instanceof ArrayBuffer ? ' (wrap it: new Uint8Array(buffer))' : ''}`,
    );
  }
  if (bytes.length < 4) throw bad(what, `${bytes.length} bytes is too short for the magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw bad(what, 'the magic number (bytes 0 to 3) must start with two zero bytes');
  }
  if (bytes[2] !== 0x08) {
    throw bad(
      what,
      `byte 2: element type 0x${(bytes[2] ?? 0).toString(16)} (only unsigned bytes, 0x08, are supported)`,
    );
  }
  const dims = bytes[3] ?? 0;
  if (dims < 1 || dims > 4) throw bad(what, `byte 3: ${dims} dimensions (expected 1 to 4)`);
  if (bytes.length < 4 + 4 * dims) {
    throw bad(what, `${bytes.length} bytes: truncated inside the ${dims} dimensions (bytes 4 to ${3 + 4 * dims})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < dims; i++) {
    const n = view.getUint32(4 + 4 * i, false);
    shape.push(n);
    count *= n;
  }
  const start = 4 + 4 * dims;
  if (bytes.length !== start + count) {
    throw bad(what, `dimensions ${shape.join('×')} need ${start + count} bytes, the file has ${bytes.length}`);
  }
  checkWasmArray(what, count * 4);
  return { shape, data: bytes.subarray(start) };
}
