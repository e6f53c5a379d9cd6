// Writing rasters as PNG files (Node): 8-bit RGBA, each scanline unfiltered, deflated by
// node:zlib. No dependency, and nothing loaded until a picture is written.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { checkArgs, type Kind } from '../base/check.js';
import { DiaboloError } from '../base/errors.js';
import type { Raster } from './raster.js';

const rasterKind: Kind = {
  expected: 'a Raster { width, height, data }',
  test: (v) =>
    typeof v === 'object' && v !== null && 'width' in v && 'height' in v && ArrayBuffer.isView((v as Raster).data),
};

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encode a raster as PNG bytes (8-bit RGBA).
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export function encodePng(r: Raster): Uint8Array {
  checkArgs('encodePng', ['raster', r, rasterKind]);
  const { width, height, data } = r;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new DiaboloError('E_SHAPE', `encodePng: width × height = ${width} × ${height}: expected positive integers`);
  }
  if (data?.length !== width * height * 4) {
    throw new DiaboloError(
      'E_SHAPE',
      `encodePng: data has ${data?.length} bytes: expected width × height × 4 = ${width * height * 4} (RGBA)`,
    );
  }
  const header = new Uint8Array(13);
  const h = new DataView(header.buffer);
  h.setUint32(0, width);
  h.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter method, no interlace
  // Each scanline starts with its filter type (0: none).
  const stride = width * 4;
  const lines = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) lines.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(lines)), chunk('IEND', new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  return png;
}

/**
 * Write a raster to `path` as PNG, creating folders as needed.
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export function writePng(path: string, r: Raster): void {
  checkArgs('writePng', [
    'path',
    path,
    { expected: 'a file path (a non-empty string)', test: (v) => typeof v === 'string' && v !== '' },
  ]);
  const png = encodePng(r);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png);
}
