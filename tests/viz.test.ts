import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { DiaboloError, encodePng, histogram, imageGrid, PALETTE, scatter } from '../dist/index.node.js';

describe('pictures', () => {
  it('lays images out as grey tiles and encodes a PNG that decodes to the same pixels', () => {
    const images = { rows: 3, cols: 4, data: Float32Array.from([0, 1, 0.5, 0.25, 1, 1, 1, 1, 0, 0, 0, 0]) };
    const r = imageGrid(images, { height: 2, width: 2, columns: 2, scale: 1, gap: 1 });
    expect([r.width, r.height]).toEqual([2 * 3 + 1, 2 * 3 + 1]);
    const px = (x: number, y: number) => Array.from(r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4));
    expect(px(1, 1)).toEqual([0, 0, 0, 255]); // image 0, pixel (0, 0) = 0
    expect(px(2, 1)).toEqual([255, 255, 255, 255]); // image 0, pixel (1, 0) = 1
    expect(px(1, 2)).toEqual([128, 128, 128, 255]); // 0.5
    const back = pngjs.PNG.sync.read(Buffer.from(encodePng(r)));
    expect([back.width, back.height]).toEqual([r.width, r.height]);
    expect(new Uint8Array(back.data)).toEqual(new Uint8Array(r.data.buffer));
    expect(() => imageGrid(images, { height: 3, width: 3, columns: 2 })).toThrow(DiaboloError);
  });

  it('encodes any RGBA raster as a PNG that an independent decoder (pngjs) reads back exactly', () => {
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    for (const [width, height] of [
      [1, 1],
      [37, 5],
      [300, 211],
    ] as const) {
      const r = { width, height, data: Uint8ClampedArray.from({ length: width * height * 4 }, next) };
      const back = pngjs.PNG.sync.read(Buffer.from(encodePng(r)));
      expect([back.width, back.height]).toEqual([width, height]);
      expect(new Uint8Array(back.data)).toEqual(new Uint8Array(r.data.buffer));
    }
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(15) })).toThrow(
      /15 bytes: expected .* = 16/,
    );
    expect(() => encodePng({ width: 0, height: 2, data: new Uint8ClampedArray(0) })).toThrow(/0 × 2/);
  });

  it('colours a latent map by label and draws histograms with markers', () => {
    const pts = { rows: 2, cols: 2, data: Float32Array.from([0, 0, 1, 1]) };
    const r = scatter(pts, [0, 3], 50);
    const colours = new Set<string>();
    for (let i = 0; i < r.data.length; i += 4) colours.add(Array.from(r.data.subarray(i, i + 3)).join(','));
    expect(colours.has(PALETTE[0]?.join(','))).toBe(true);
    expect(colours.has(PALETTE[3]?.join(','))).toBe(true);
    const h = histogram([{ values: [1, 2, 2, 3], rgb: [0, 0, 255] }], {
      bins: 3,
      width: 30,
      height: 20,
      markers: [2.5],
    });
    expect([h.width, h.height]).toEqual([30, 20]);
    expect(Array.from(h.data.subarray((19 * 30 + 12) * 4, (19 * 30 + 12) * 4 + 3))).toEqual([0, 0, 255]);
    // Four values against one: scaled each to its own tallest bin, both bars reach the top;
    // on a shared scale the single value's bar is a quarter as tall.
    const pair = [
      { values: [0, 0, 0, 0], rgb: [0, 0, 255] as [number, number, number] },
      { values: [1], rgb: [255, 0, 0] as [number, number, number] },
    ];
    const at = (r: { data: Uint8ClampedArray }, x: number, y: number) =>
      Array.from(r.data.subarray((y * 20 + x) * 4, (y * 20 + x) * 4 + 3));
    const each = histogram(pair, { bins: 2, width: 20, height: 50 });
    const shared = histogram(pair, { bins: 2, width: 20, height: 50, scale: 'shared' });
    expect(at(each, 15, 20)).toEqual([255, 0, 0]);
    expect(at(shared, 15, 20)).toEqual([255, 255, 255]);
    expect(at(shared, 15, 45)).toEqual([255, 0, 0]);
    expect(at(shared, 5, 20)).toEqual([0, 0, 255]);
  });
});
