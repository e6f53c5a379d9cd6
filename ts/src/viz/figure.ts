// Words around the PNG pictures, for readers who see a picture pasted away from the report:
// a title strip, row labels beside an image grid, legends of colour swatches, and axes with
// ticks and labels around a histogram or a scatter plot. Rasters composed into rasters, the
// text in the bitmap font of font.ts. Internal (the demo's figures).
import { DiaboloError } from '../base/errors.js';
import type { Matrix } from '../base/types.js';
import { drawText, GLYPH_HEIGHT, textWidth, wrapText } from './font.js';
import {
  HISTOGRAM_HEADROOM,
  histogram,
  histogramBins,
  PALETTE,
  pointExtent,
  type Raster,
  raster,
  SCATTER_MARGIN,
  scatter,
} from './raster.js';
import { formatTick, niceTicks } from './svg.js';

type Rgb = readonly [number, number, number];
const INK: Rgb = [25, 25, 25];
const PAPER: Rgb = [255, 255, 255];
/** Rows of capital letters in a glyph cell: what a label is centred on. */
const CAP_HEIGHT = 7;
/** Text scale of every figure: 5×7 glyphs doubled read well next to 2× image grids. */
const SCALE = 2;

/** Height of one line of figure text, with room under the descenders. */
export const lineHeight = (): number => (GLYPH_HEIGHT + 3) * SCALE;

/** Copy `src` into `dst` with its top-left corner at (x, y). */
function blit(dst: Raster, src: Raster, x: number, y: number): void {
  for (let row = 0; row < src.height; row++) {
    dst.data.set(src.data.subarray(row * src.width * 4, (row + 1) * src.width * 4), ((y + row) * dst.width + x) * 4);
  }
}

function fill(r: Raster, x: number, y: number, width: number, height: number, rgb: Rgb): void {
  for (let py = Math.max(0, y); py < Math.min(r.height, y + height); py++)
    for (let px = Math.max(0, x); px < Math.min(r.width, x + width); px++)
      r.data.set([...rgb, 255], (py * r.width + px) * 4);
}

/** `rasters` side by side, top-aligned on paper. */
export function beside(rasters: readonly Raster[]): Raster {
  const width = rasters.reduce((w, r) => w + r.width, 0);
  const out = raster(width, Math.max(...rasters.map((r) => r.height)), PAPER);
  let x = 0;
  for (const r of rasters) {
    blit(out, r, x, 0);
    x += r.width;
  }
  return out;
}

/** One line of text on its own paper, as tall as a glyph cell. */
function label(text: string): Raster {
  const out = raster(Math.max(1, textWidth(text, SCALE)), GLYPH_HEIGHT * SCALE, PAPER);
  drawText(out, text, 0, 0, INK, SCALE);
  return out;
}

/** `r` turned a quarter counter-clockwise: a y axis label, read from the bottom up. */
function rotateLeft(r: Raster): Raster {
  const out = raster(r.height, r.width, PAPER);
  for (let y = 0; y < r.height; y++)
    for (let x = 0; x < r.width; x++)
      out.data.set(
        r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4),
        ((r.width - 1 - x) * out.width + y) * 4,
      );
  return out;
}

/** Options of {@link titled}. */
export interface TitleOptions {
  /** Paper around the picture and the title, in pixels. Default 10. */
  pad?: number;
  /** Wrap the title to at least this many pixels even when the picture is narrower. Default 440. */
  minWidth?: number;
}

/**
 * `r` under a title strip, on paper `pad` pixels wide all round. The title wraps at spaces to
 * the picture's width (or `minWidth`), so a long one stays whole on a narrow grid.
 */
export function titled(r: Raster, title: string, o: TitleOptions = {}): Raster {
  const pad = o.pad ?? 10;
  const width = Math.max(r.width, o.minWidth ?? 440);
  const lines = wrapText(title, width, SCALE);
  const strip = pad + lines.length * lineHeight();
  const out = raster(width + 2 * pad, strip + r.height + pad, PAPER);
  for (const [i, line] of lines.entries()) drawText(out, line, pad, pad + i * lineHeight(), INK, SCALE);
  blit(out, r, pad + Math.floor((width - r.width) / 2), strip);
  return out;
}

/**
 * `grid` with a label left of each of its rows: row `i` spans `pitch` pixels from
 * `offset + i × pitch` (an image grid's `gap + i × (height × scale + gap)`).
 */
export function labelRows(grid: Raster, labels: readonly string[], o: { pitch: number; offset: number }): Raster {
  const rows = Math.floor((grid.height - o.offset) / o.pitch);
  if (labels.length !== rows) {
    throw new DiaboloError(
      'E_SHAPE',
      `labelRows: ${labels.length} labels for a grid of ${rows} rows: expected one per row`,
    );
  }
  const pad = 8;
  const width = Math.max(...labels.map((l) => textWidth(l, SCALE))) + 2 * pad;
  const column = raster(width, grid.height, PAPER);
  labels.forEach((l, i) => {
    const centre = o.offset + i * o.pitch + (o.pitch - o.offset) / 2;
    drawText(column, l, width - pad - textWidth(l, SCALE), Math.round(centre - (CAP_HEIGHT * SCALE) / 2), INK, SCALE);
  });
  return beside([column, grid]);
}

/** An entry of a {@link legend}: a filled box (a class, a series) or a vertical line (a marker). */
export interface LegendEntry {
  label: string;
  rgb: Rgb;
  mark?: 'box' | 'line';
}

/** Size of a legend swatch: a square as tall as a capital. */
export const SWATCH = CAP_HEIGHT * SCALE;

/** A column of swatches, each followed by its label. */
export function legend(entries: readonly LegendEntry[]): Raster {
  const pad = 8;
  const textX = pad + SWATCH + 3 * SCALE;
  const width = Math.max(0, ...entries.map((e) => textX + textWidth(e.label, SCALE)));
  const out = raster(width + pad, entries.length * lineHeight() + 2 * pad, PAPER);
  for (const [i, e] of entries.entries()) {
    const y = pad + i * lineHeight();
    if (e.mark === 'line') fill(out, pad + SWATCH / 2 - SCALE / 2, y - SCALE, SCALE, SWATCH + 2 * SCALE, e.rgb);
    else fill(out, pad, y, SWATCH, SWATCH, e.rgb);
    drawText(out, e.label, textX, y, INK, SCALE);
  }
  return out;
}

/**
 * How an axis maps data to the plot: value `lo` falls on pixel `from`, `hi` on pixel `to`
 * (columns for x, rows for y, counted from the plot's top-left corner).
 */
export interface AxisSpec {
  label: string;
  lo: number;
  hi: number;
  from: number;
  to: number;
}

/** The nice ticks of `a` that fall on the plot (`size` pixels long), with their pixels. */
function ticksOn(a: AxisSpec, size: number): { value: number; at: number }[] {
  if (!(a.hi > a.lo)) return [{ value: a.lo, at: Math.round(a.from) }];
  return niceTicks(a.lo, a.hi)
    .map((value) => ({ value, at: Math.round(a.from + ((value - a.lo) / (a.hi - a.lo)) * (a.to - a.from)) }))
    .filter((t) => t.at >= 0 && t.at <= size);
}

/**
 * `plot` framed by a left and a bottom axis line, with tick marks, tick values and the axis
 * labels (the y label turned to read upwards).
 */
export function axes(plot: Raster, x: AxisSpec, y: AxisSpec): Raster {
  const pad = 10;
  const [tick, gap] = [3 * SCALE, 2 * SCALE];
  const text = GLYPH_HEIGHT * SCALE;
  const xTicks = ticksOn(x, plot.width);
  const yTicks = ticksOn(y, plot.height);
  const yTickWidth = Math.max(0, ...yTicks.map((t) => textWidth(formatTick(t.value), SCALE)));
  const left = pad + text + gap + yTickWidth + gap + tick + 1;
  const top = pad + (CAP_HEIGHT * SCALE) / 2;
  const lastX = xTicks[xTicks.length - 1];
  const overhang = lastX === undefined ? 0 : textWidth(formatTick(lastX.value), SCALE) / 2 - (plot.width - lastX.at);
  const right = pad + Math.max(0, Math.ceil(overhang));
  const bottom = 1 + tick + gap + text + gap + text + pad;
  const out = raster(left + plot.width + right, top + plot.height + bottom, PAPER);
  blit(out, plot, left, top);
  const axisY = top + plot.height;
  fill(out, left - 1, top, 1, plot.height + 1, INK);
  fill(out, left - 1, axisY, plot.width + 1, 1, INK);
  for (const t of xTicks) {
    const s = formatTick(t.value);
    fill(out, left + t.at, axisY + 1, 1, tick, INK);
    drawText(out, s, left + t.at - Math.floor(textWidth(s, SCALE) / 2), axisY + 1 + tick + gap, INK, SCALE);
  }
  for (const t of yTicks) {
    const s = formatTick(t.value);
    fill(out, left - 1 - tick, top + t.at, tick, 1, INK);
    const sx = left - 1 - tick - gap - textWidth(s, SCALE);
    drawText(out, s, sx, top + t.at - (CAP_HEIGHT * SCALE) / 2, INK, SCALE);
  }
  const xl = label(x.label);
  blit(
    out,
    xl,
    Math.max(0, Math.min(out.width - xl.width, left + Math.round((plot.width - xl.width) / 2))),
    axisY + 1 + tick + gap + text + gap,
  );
  const yl = rotateLeft(label(y.label));
  blit(out, yl, pad, Math.max(0, Math.min(out.height - yl.height, top + Math.round((plot.height - yl.height) / 2))));
  return out;
}

/** A series of a {@link histogramFigure}. */
export interface FigureSeries {
  label: string;
  values: ArrayLike<number>;
  rgb: Rgb;
}

/**
 * A titled histogram of counts on one scale, with axes, and a legend of its series and
 * markers (a threshold: a black line).
 */
export function histogramFigure(
  series: readonly FigureSeries[],
  o: {
    title: string;
    xLabel: string;
    yLabel: string;
    markers?: ReadonlyArray<{ value: number; label: string }>;
    bins?: number;
    width?: number;
    height?: number;
  },
): Raster {
  const [bins, width, height] = [o.bins ?? 40, o.width ?? 600, o.height ?? 300];
  const markers = (o.markers ?? []).map((m) => m.value);
  const plot = histogram(series, { bins, width, height, markers, scale: 'shared' });
  const { lo, span, counts } = histogramBins(series, bins, markers);
  const top = Math.max(1, ...counts.flat());
  const framed = axes(
    plot,
    { label: o.xLabel, lo, hi: lo + span, from: 0, to: width },
    { label: o.yLabel, lo: 0, hi: top, from: height, to: HISTOGRAM_HEADROOM },
  );
  const key = legend([
    ...series.map((s) => ({ label: s.label, rgb: s.rgb })),
    ...(o.markers ?? []).map((m) => ({ label: m.label, rgb: [0, 0, 0] as Rgb, mark: 'line' as const })),
  ]);
  return titled(beside([framed, key]), o.title);
}

/** A titled scatter plot of 2-D points coloured by class, with axes and a legend of the classes present. */
export function scatterFigure(
  points: Matrix,
  labels: ArrayLike<number>,
  o: { title: string; xLabel: string; yLabel: string; classNames?: readonly string[]; size?: number },
): Raster {
  const size = o.size ?? 480;
  const plot = scatter(points, labels, size);
  const { x, y } = pointExtent(points);
  const m = SCATTER_MARGIN;
  const framed = axes(
    plot,
    { label: o.xLabel, lo: x[0], hi: x[1], from: m, to: size - m },
    { label: o.yLabel, lo: y[0], hi: y[1], from: size - m, to: m },
  );
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const key = legend(
    classes.map((l) => ({
      label: o.classNames?.[l] ?? String(l),
      rgb: PALETTE[l % PALETTE.length] as Rgb,
    })),
  );
  return titled(beside([framed, key]), o.title);
}
