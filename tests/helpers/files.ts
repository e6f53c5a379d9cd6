// Data files built byte by byte for the tests, independently of the package's readers.

/** A Python tuple as NumPy writes a shape: `(3,)`, `(2, 4)`. */
export function pyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Encode `values` as the dtype `descr` (`<f4`, `>i2`, `|u1`, …) into `view` at `offset`. */
export function writeElement(view: DataView, offset: number, descr: string, v: number): void {
  const little = !descr.startsWith('>');
  const type = descr.slice(1);
  if (type === 'f4') view.setFloat32(offset, v, little);
  else if (type === 'f8') view.setFloat64(offset, v, little);
  else if (type === 'u1') view.setUint8(offset, v);
  else if (type === 'i1') view.setInt8(offset, v);
  else if (type === 'u2') view.setUint16(offset, v, little);
  else if (type === 'i2') view.setInt16(offset, v, little);
  else if (type === 'u4') view.setUint32(offset, v, little);
  else if (type === 'i4') view.setInt32(offset, v, little);
  else if (type === 'u8') view.setBigUint64(offset, BigInt(v), little);
  else if (type === 'i8') view.setBigInt64(offset, BigInt(v), little);
  else throw new Error(`test helper: no writer for ${descr}`);
}

/** Bytes per element of a dtype string. */
export const elementSize = (descr: string): number => Number(descr.slice(2));

/**
 * A .npy file: `header` is the dict text (default: NumPy's own layout for `descr` and
 * `shape`), padded with spaces and a newline to a multiple of 64 bytes; `dataBytes` overrides
 * the encoded values (for files whose data does not match their header).
 */
export function npyFile(
  descr: string,
  shape: readonly number[],
  values: readonly number[],
  options: { version?: 1 | 2 | 3; header?: string; dataBytes?: number } = {},
): Uint8Array {
  const version = options.version ?? 1;
  const dict = options.header ?? `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pyShape(shape)}, }`;
  const prefix = version === 1 ? 10 : 12;
  const pad = (64 - ((prefix + dict.length + 1) % 64)) % 64;
  const header = `${dict}${' '.repeat(pad)}\n`;
  const size = elementSize(descr) || 1;
  const dataLength = options.dataBytes ?? values.length * size;
  const out = new Uint8Array(prefix + header.length + dataLength);
  const view = new DataView(out.buffer);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0], 0);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[prefix + k] = header.charCodeAt(k);
  if (options.dataBytes === undefined) {
    values.forEach((v, i) => {
      writeElement(view, prefix + header.length + i * size, descr, v);
    });
  }
  return out;
}

/** An IDX file of unsigned bytes: magic 00 00 08 D, big-endian dimensions, then `data`. */
export function idxFile(shape: readonly number[], data: ArrayLike<number> | number): Uint8Array {
  const length = typeof data === 'number' ? data : data.length;
  const out = new Uint8Array(4 + 4 * shape.length + length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 8, shape.length], 0);
  shape.forEach((n, i) => {
    view.setUint32(4 + 4 * i, n, false);
  });
  if (typeof data !== 'number') out.set(Array.from(data), 4 + 4 * shape.length);
  return out;
}
