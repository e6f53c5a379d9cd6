import { DiaboloError } from '../errors.js';
import type { Matrix } from '../types.js';

/**
 * Parse a NumPy `.npy` file holding a 1-D or 2-D C-order array of float32, float64, uint8
 * or int32 (little-endian) into a float32 {@link Matrix}. Every length is checked first.
 */
export function parseNpy(bytes: Uint8Array, source = '.npy file'): Matrix {
  const bad = (m: string) => new DiaboloError('E_FORMAT', `${source}: not a readable .npy file: ${m}`);
  if (bytes.length < 10 || bytes[0] !== 0x93 || new TextDecoder().decode(bytes.subarray(1, 6)) !== 'NUMPY') {
    throw bad('missing the \\x93NUMPY magic');
  }
  const major = bytes[6] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  if (major < 1 || major > 3 || start > bytes.length) throw bad(`version ${major} or header length ${headerLen}`);
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const order = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !order || shape === undefined) throw bad(`header ${JSON.stringify(header.trim())}`);
  if (order === 'True') throw bad('Fortran-order arrays are not supported (save with np.ascontiguousarray)');
  const dims = shape
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map(Number);
  if (dims.length < 1 || dims.length > 2 || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw bad(`shape (${shape}) (expected 1 or 2 dimensions)`);
  }
  const [rows = 0, cols = 1] = dims.length === 1 ? [1, dims[0]] : dims;
  const kinds: Record<string, [number, (o: number) => number]> = {
    '<f4': [4, (o) => view.getFloat32(o, true)],
    '<f8': [8, (o) => view.getFloat64(o, true)],
    '|u1': [1, (o) => view.getUint8(o)],
    '<i4': [4, (o) => view.getInt32(o, true)],
  };
  const kind = kinds[descr];
  if (!kind) throw bad(`dtype ${descr} (expected <f4, <f8, |u1 or <i4)`);
  const [size, read] = kind;
  if (start + rows * cols * size !== bytes.length) {
    throw bad(
      `shape (${shape}) of ${descr} needs ${rows * cols * size} data bytes, the file has ${bytes.length - start}`,
    );
  }
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = read(start + i * size);
  return { rows, cols, data };
}
