import { DiaboloError } from '../errors.js';

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
 * Parse an IDX file of unsigned bytes (type 0x08): magic `00 00 08 D`, D big-endian u32
 * dimensions, then the data. Every length is checked against the file before use.
 */
export function parseIdx(bytes: Uint8Array, what = 'IDX file'): IdxArray {
  if (bytes.length < 4) throw bad(what, `${bytes.length} bytes is too short for the magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw bad(what, 'the magic number must start with two zero bytes');
  if (bytes[2] !== 0x08)
    throw bad(what, `element type 0x${(bytes[2] ?? 0).toString(16)} (only unsigned bytes, 0x08, are supported)`);
  const dims = bytes[3] ?? 0;
  if (dims < 1 || dims > 4) throw bad(what, `${dims} dimensions (expected 1 to 4)`);
  if (bytes.length < 4 + 4 * dims) throw bad(what, 'truncated inside the dimensions');
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
  return { shape, data: bytes.subarray(start) };
}
