// CRC-32 (IEEE 802.3: the checksum of zlib, gzip and PNG) over a model file. A few lines with
// no dependency, synchronous in every runtime; tests/model-file.test.ts checks it against
// node:zlib's independent implementation.

/** The 256 remainders of the reflected polynomial 0xEDB88320, one per byte value. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
