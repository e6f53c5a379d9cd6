// Writing rasters as PNG files (Node): pngjs encodes them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pngjs from 'pngjs';
import type { Raster } from './raster.js';

/**
 * Encode a raster as PNG bytes.
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export function encodePng(r: Raster): Uint8Array {
  const png = new pngjs.PNG({ width: r.width, height: r.height });
  png.data = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
  return pngjs.PNG.sync.write(png);
}

/**
 * Write a raster to `path` as PNG, creating folders as needed.
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export function writePng(path: string, r: Raster): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(r));
}
