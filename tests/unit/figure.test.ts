// Unit tests of the PNG pictures' words (ts/src/viz/font.ts, figure.ts), on the sources, with no
// wasm build: every character the demo draws has a glyph and a missing one is a clear error;
// titles, row labels, legends and axes land where their sizes say.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DiaboloError } from '../../ts/src/base/errors.js';
import { SHAPE_NAMES } from '../../ts/src/data/shapes.js';
import {
  axes,
  histogramFigure,
  labelRows,
  legend,
  lineHeight,
  SWATCH,
  scatterFigure,
  titled,
} from '../../ts/src/viz/figure.js';
import { drawText, GLYPH_HEIGHT, GLYPHS, hasGlyph, textWidth, wrapText } from '../../ts/src/viz/font.js';
import { imageGrid, PALETTE, type Raster, raster } from '../../ts/src/viz/raster.js';
import { formatTick } from '../../ts/src/viz/svg.js';
import { expectInvalid } from './errors.js';

const pixel = (r: Raster, x: number, y: number) =>
  Array.from(r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 3));
const isPaper = (r: Raster, x: number, y: number) => pixel(r, x, y).every((c) => c === 255);
/** Rows of `r` (within columns x0..x1) holding any pixel that is not white paper. */
function inkRows(r: Raster, x0 = 0, x1 = r.width): number[] {
  const rows: number[] = [];
  for (let y = 0; y < r.height; y++) {
    for (let x = x0; x < x1; x++) {
      if (!isPaper(r, x, y)) {
        rows.push(y);
        break;
      }
    }
  }
  return rows;
}

/**
 * The text the demo draws into its PNGs: the literal parts of the arguments of its titled,
 * labelled, histogramFigure and scatterFigure calls (the `${…}` parts are numbers and names,
 * checked separately).
 */
function demoTexts(): string[] {
  const source = readFileSync(new URL('../../ts/src/cli/demo.ts', import.meta.url), 'utf8');
  const texts: string[] = [];
  for (const m of source.matchAll(/\b(titled|labelled|histogramFigure|scatterFigure)\(/g)) {
    let depth = 0;
    let end = m.index;
    for (; end < source.length; end++) {
      if (source[end] === '(') depth++;
      if (source[end] === ')' && --depth === 0) break;
    }
    const call = source.slice(m.index, end);
    for (const s of call.matchAll(/'([^'\n]*)'|`([^`]*)`/g))
      texts.push((s[1] ?? s[2] ?? '').replace(/\$\{[^}]*\}/g, ''));
  }
  return texts;
}

describe('bitmap font', () => {
  it('every glyph is a rectangle of 7 to 9 rows; widths add up with one column between glyphs', () => {
    for (let c = 32; c < 127; c++) expect(hasGlyph(String.fromCharCode(c)), `U+${c.toString(16)}`).toBe(true);
    for (const [ch, pattern] of GLYPHS) {
      const rows = pattern.split(' ');
      expect(rows.length, ch).toBeGreaterThanOrEqual(7);
      expect(rows.length, ch).toBeLessThanOrEqual(GLYPH_HEIGHT);
      expect(new Set(rows.map((r) => r.length)).size, ch).toBe(1);
      expect(rows.join(''), ch).toMatch(/^[#.]+$/);
    }
    expect(new Set(GLYPHS.map(([ch]) => ch)).size).toBe(GLYPHS.length);
    expect(textWidth('A')).toBe(5);
    expect(textWidth('Ai', 3)).toBe((5 + 1 + 3) * 3);
    expect(textWidth('')).toBe(0);
    const r = raster(40, GLYPH_HEIGHT * 2);
    expect(drawText(r, 'gH', 0, 0, [0, 0, 0], 2)).toBe(textWidth('gH', 2));
    // The descender of g reaches the cell's last row; nothing is drawn past the text's width.
    expect(inkRows(r)).toContain(GLYPH_HEIGHT * 2 - 1);
    for (let y = 0; y < r.height; y++)
      for (let x = textWidth('gH', 2); x < r.width; x++) expect(isPaper(r, x, y)).toBe(true);
  });
  it('every character the demo draws has a glyph', () => {
    const texts = demoTexts();
    expect(texts.join(' ')).toContain('Reconstructions');
    expect(texts.length).toBeGreaterThan(10);
    const names = [...SHAPE_NAMES, ...Array.from({ length: 10 }, (_, i) => `digit ${i}`), 'test digits', 'shapes'];
    const ticks = [0, -3.5, 0.25, 1e-5, 25000, 2e6].map(formatTick);
    const missing = [...new Set([...texts, ...names, ...ticks].join(''))].filter((c) => !hasGlyph(c));
    expect(missing).toEqual([]);
  });
  it('a character without a glyph is an E_INVALID error naming it and its code point', () => {
    expectInvalid(() => textWidth('ρ = 0.05'), '"ρ" (U+03C1)');
    expectInvalid(() => drawText(raster(10, 10), 'z₁', 0, 0), 'add the glyph to viz/font.ts');
  });
  it('wraps at spaces to the width, keeping an over-long word whole', () => {
    const lines = wrapText('the quick brown fox jumps over the lazy dog', 100, 2);
    expect(lines.join(' ')).toBe('the quick brown fox jumps over the lazy dog');
    for (const l of lines) expect(textWidth(l, 2)).toBeLessThanOrEqual(100);
    expect(wrapText('autoencoders', 10)).toEqual(['autoencoders']);
  });
});

describe('figures', () => {
  const picture = raster(300, 50, [40, 40, 40]);
  it('a title strip: ink in the rows of its lines, the picture below, sizes as computed', () => {
    const t = titled(picture, 'Reconstructions: inputs (top), outputs (bottom)', { pad: 10, minWidth: 0 });
    const lines = wrapText('Reconstructions: inputs (top), outputs (bottom)', 300, 2);
    expect(lines.length).toBe(2);
    expect([t.width, t.height]).toEqual([300 + 20, 10 + 2 * lineHeight() + 50 + 10]);
    const strip = inkRows(t).filter((y) => y < 10 + 2 * lineHeight());
    expect(strip[0]).toBe(10); // capitals start on the first row of the first line
    expect(strip.some((y) => y >= 10 + lineHeight())).toBe(true); // a second line
    expect(Math.max(...strip)).toBeLessThan(10 + 2 * lineHeight());
    expect(pixel(t, 10, 10 + 2 * lineHeight())).toEqual([40, 40, 40]); // the picture's corner
    expect(isPaper(t, 9, 10 + 2 * lineHeight())).toBe(true);
  });
  it('a narrow picture is centred under a title wrapped to the minimum width', () => {
    const t = titled(raster(100, 20, [0, 0, 0]), 'VAE samples', { pad: 4, minWidth: 200 });
    expect([t.width, t.height]).toEqual([208, 4 + lineHeight() + 20 + 4]);
    expect(pixel(t, 4 + 50, 4 + lineHeight())).toEqual([0, 0, 0]);
    expect(isPaper(t, 4 + 49, 4 + lineHeight())).toBe(true);
  });
  it('row labels sit left of their rows, one per row', () => {
    const images = { rows: 4, cols: 4, data: new Float32Array(16).fill(1) };
    const grid = imageGrid(images, { height: 2, width: 2, columns: 2, scale: 10, gap: 2 });
    const pitch = 2 * 10 + 2;
    const l = labelRows(grid, ['input', 'output'], { pitch, offset: 2 });
    const column = l.width - grid.width;
    expect(column).toBe(textWidth('output', 2) + 16);
    expect(l.height).toBe(grid.height);
    const rows = inkRows(l, 0, column);
    expect(rows.length).toBeGreaterThan(0);
    // Each label's ink lies within its row of images.
    const first = rows.filter((y) => y < 2 + pitch);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(2);
    expect(rows.some((y) => y >= 2 + pitch)).toBe(true);
    expect(pixel(l, column + 2, 2)).toEqual([255, 255, 255]); // the grid's first (white) image
    expect(() => labelRows(grid, ['just one'], { pitch, offset: 2 })).toThrow(DiaboloError);
  });
  it('a legend swatch has its colour; a marker entry is a thin line', () => {
    const key = legend([
      { label: 'digit 0', rgb: PALETTE[0] as [number, number, number] },
      { label: 'digit 3', rgb: PALETTE[3] as [number, number, number] },
      { label: 'threshold', rgb: [0, 0, 0], mark: 'line' },
    ]);
    const pad = 8;
    expect(pixel(key, pad + SWATCH / 2, pad + SWATCH / 2)).toEqual([...(PALETTE[0] as number[])]);
    expect(pixel(key, pad + SWATCH / 2, pad + lineHeight() + SWATCH / 2)).toEqual([...(PALETTE[3] as number[])]);
    expect(pixel(key, pad + SWATCH / 2, pad + 2 * lineHeight() + SWATCH / 2)).toEqual([0, 0, 0]);
    expect(isPaper(key, pad, pad + 2 * lineHeight() + SWATCH / 2)).toBe(true);
    expect(key.height).toBe(3 * lineHeight() + 2 * pad);
  });
  it('axes: the plot sits right of the y axis and above the x axis, with a tick per nice value', () => {
    const plot = raster(200, 100, [200, 220, 240]);
    const framed = axes(
      plot,
      { label: 'error', lo: 0, hi: 100, from: 0, to: 200 },
      { label: 'images', lo: 0, hi: 50, from: 100, to: 0 },
    );
    // Find the plot: its top-left pixel is the first of its colour.
    let at = -1;
    for (let i = 0; i < framed.width * framed.height && at < 0; i++)
      if (pixel(framed, i % framed.width, Math.floor(i / framed.width)).join() === '200,220,240') at = i;
    const [left, top] = [at % framed.width, Math.floor(at / framed.width)];
    expect(pixel(framed, left - 1, top + 50)).toEqual([25, 25, 25]); // y axis line
    expect(pixel(framed, left + 100, top + 100)).toEqual([25, 25, 25]); // x axis line
    // Ticks at 0, 20, …, 100 on x: a mark under each, 40 pixels apart.
    for (const v of [0, 20, 40, 60, 80, 100]) expect(pixel(framed, left + 2 * v, top + 101)).toEqual([25, 25, 25]);
    expect(isPaper(framed, left + 10, top + 101)).toBe(true);
    expect(framed.height).toBeGreaterThan(100 + 2 * GLYPH_HEIGHT * 2);
  });
  it('a scatter figure has a legend swatch per class present, in its class colour', () => {
    const points = { rows: 4, cols: 2, data: Float32Array.from([0, 0, 1, 1, 2, 0.5, -1, 2]) };
    const f = scatterFigure(points, [0, 2, 2, 9], {
      title: 'Latent map',
      xLabel: 'z1',
      yLabel: 'z2',
      classNames: Array.from({ length: 10 }, (_, i) => `digit ${i}`),
      size: 120,
    });
    const colours = new Map<string, number>();
    for (let i = 0; i < f.data.length; i += 4) {
      const c = Array.from(f.data.subarray(i, i + 3)).join();
      colours.set(c, (colours.get(c) ?? 0) + 1);
    }
    // Each class: 9 pixels per point in the plot plus a full swatch in the legend.
    for (const [l, n] of [
      [0, 1],
      [2, 2],
      [9, 1],
    ] as const)
      expect(colours.get((PALETTE[l] as number[]).join())).toBe(9 * n + SWATCH * SWATCH);
    expect(colours.has((PALETTE[1] as number[]).join())).toBe(false);
  });
  it('a histogram figure draws its threshold line and a legend entry for it', () => {
    const f = histogramFigure(
      [
        { label: 'normal', values: [1, 2, 2, 3, 3, 3], rgb: [31, 119, 180] },
        { label: 'anomalous', values: [9, 9.5], rgb: [214, 39, 40] },
      ],
      {
        title: 'Scores',
        xLabel: 'error',
        yLabel: 'images',
        markers: [{ value: 5, label: 'threshold 5' }],
        width: 200,
        height: 100,
      },
    );
    let black = 0;
    for (let i = 0; i < f.data.length; i += 4)
      if (f.data[i] === 0 && f.data[i + 1] === 0 && f.data[i + 2] === 0) black++;
    // The marker spans the plot's height; the legend's line is as tall as a swatch and a bit.
    expect(black).toBeGreaterThanOrEqual(100 + SWATCH);
    expectInvalid(
      () => histogramFigure([{ label: 'a', values: [1], rgb: [0, 0, 0] }], { title: 'ρ', xLabel: 'x', yLabel: 'y' }),
      'U+03C1',
    );
  });
});
