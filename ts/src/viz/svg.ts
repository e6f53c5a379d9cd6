// Charts as SVG strings for the demo's HTML report: a line chart (optional log y axis), a
// histogram with threshold markers and a labelled scatter plot. Pure functions, no DOM: they
// run in Node and in browsers alike. Internal (not exported from the package).
import { DiaboloError } from '../base/errors.js';

/** Escape text for SVG/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

/** `v` without the float noise of arithmetic on ticks (0.30000000000000004 → 0.3). */
const clean = (v: number): number => Number(v.toPrecision(12));

/**
 * Round-number ticks (1, 2 or 5 × 10^k apart) from at or below `lo` to at or above `hi`,
 * about `count` of them. `lo === hi` widens the range around the value.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
    throw new DiaboloError('E_INVALID', `niceTicks: range [${lo}, ${hi}]: expected finite numbers with lo ≤ hi`);
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) / 10;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const first = Math.floor(clean(lo / step));
  const last = Math.ceil(clean(hi / step));
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(clean(i * step));
  return ticks;
}

/**
 * Ticks of a log axis covering [lo, hi] (both > 0): powers of ten, with 2 and 5 × 10^k
 * in between when the range spans fewer than three decades.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) {
    throw new DiaboloError('E_INVALID', `logTicks: range [${lo}, ${hi}]: a log axis needs finite values > 0`);
  }
  const [a, b] = [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
  const mantissas = b - a < 3 ? [1, 2, 5] : [1];
  const all: number[] = [];
  for (let k = a; k <= b; k++) for (const m of mantissas) all.push(clean(m * 10 ** k));
  let start = 0;
  while (start + 1 < all.length && (all[start + 1] as number) <= lo) start++;
  const end = all.findIndex((t) => t >= hi);
  const ticks = all.slice(start, end + 1);
  return ticks.length > 1 ? ticks : [ticks[0] as number, clean((ticks[0] as number) * 10)];
}

/** A tick's text: short, without float noise (1e-4 as 0.0001, 20000 as 20k). */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-4)) return v.toExponential(0).replace('e+', 'e');
  if (a >= 1e4) return `${clean(v / 1000)}k`;
  return String(clean(v));
}

/** Ten distinguishable colours, the same as the PNG pictures'. */
export const COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

interface Frame {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const MARGIN = { left: 64, right: 16, top: 36, bottom: 48 };
/** Room kept right of the plot for a legend outside it (scatter plots). */
const LEGEND_WIDTH = 110;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

function finite(chart: string, what: string, v: number): void {
  if (!Number.isFinite(v)) throw new DiaboloError('E_INVALID', `${chart}: ${what} is ${v}: expected a finite number`);
}

/** Smallest and largest of `values` (no spread: safe on long arrays). */
function extent(values: ArrayLike<number>): [number, number] {
  let [lo, hi] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let i = 0; i < values.length; i++)
    [lo, hi] = [Math.min(lo, values[i] as number), Math.max(hi, values[i] as number)];
  return [lo, hi];
}

/** An axis: its ticks, the data→pixel map and a pixel range. */
interface Axis {
  ticks: number[];
  at: (v: number) => number;
}

function axis(lo: number, hi: number, from: number, to: number, log = false): Axis {
  const ticks = log ? logTicks(lo, hi) : niceTicks(lo, hi);
  const f = log ? Math.log10 : (v: number) => v;
  const [a, b] = [f(ticks[0] as number), f(ticks[ticks.length - 1] as number)];
  return { ticks, at: (v) => from + ((f(v) - a) / (b - a)) * (to - from) };
}

/** The frame of a chart: title, axes with ticks, grid and labels, around `body`. */
function frame(
  o: Frame,
  x: Axis,
  y: Axis,
  body: string,
  legend: ReadonlyArray<{ name: string; colour: string }>,
  legendOutside = false,
): string {
  const { width = 640, height = 360 } = o;
  const right = width - MARGIN.right - (legendOutside ? LEGEND_WIDTH : 0);
  const [left, top, bottom] = [MARGIN.left, MARGIN.top, height - MARGIN.bottom];
  // About 7 px per character of 12 px text: wide enough for the longest name.
  const boxWidth = legendOutside
    ? LEGEND_WIDTH - 14
    : Math.max(60, 30 + 7 * Math.max(0, ...legend.map((s) => s.name.length)));
  const legendX = legendOutside ? width - MARGIN.right - LEGEND_WIDTH + 14 : right - boxWidth - 4;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ${FONT}>`,
    `<title>${escapeXml(o.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text class="chart-title" x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(o.title)}</text>`,
  ];
  for (const t of x.ticks) {
    const px = x.at(t).toFixed(1);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${top}" y2="${bottom}" stroke="#e5e5e5"/>`,
      `<line x1="${px}" x2="${px}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>`,
      `<text class="tick x" x="${px}" y="${bottom + 18}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`,
    );
  }
  for (const t of y.ticks) {
    const py = y.at(t).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`,
      `<line x1="${left - 5}" x2="${left}" y1="${py}" y2="${py}" stroke="#333"/>`,
      `<text class="tick y" x="${left - 8}" y="${py}" dy="0.35em" text-anchor="end">${escapeXml(formatTick(t))}</text>`,
    );
  }
  parts.push(
    body,
    `<path d="M${left},${top}V${bottom}H${right}" fill="none" stroke="#333"/>`,
    `<text class="axis-label x" x="${(left + right) / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    `<text class="axis-label y" transform="translate(14 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  if (legend.length > 0) {
    const rows = legend.map((s, i) => {
      const ly = top + 8 + i * 16;
      return `<rect x="${legendX + 6}" y="${ly - 5}" width="12" height="10" fill="${s.colour}"/><text x="${legendX + 22}" y="${ly}" dy="0.35em">${escapeXml(s.name)}</text>`;
    });
    parts.push(
      `<g class="legend"><rect x="${legendX}" y="${top}" width="${boxWidth}" height="${legend.length * 16 + 4}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>${rows.join('')}</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** An explicit empty chart: the frame's title and a "no data" note. */
function empty(o: Frame): string {
  const { width = 640, height = 360 } = o;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ${FONT}>`,
    `<title>${escapeXml(o.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff" stroke="#ccc"/>`,
    `<text class="chart-title" x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(o.title)}</text>`,
    `<text class="no-data" x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text>`,
    '</svg>',
  ].join('\n');
}

/** A line of a {@link lineChart}. */
export interface LineSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  colour?: string;
  dashed?: boolean;
}

/** Lines over a shared x axis, with markers at the points; `logY` for losses spanning decades. */
export function lineChart(o: Frame & { series: readonly LineSeries[]; logY?: boolean }): string {
  const points = o.series.flatMap((s) => s.points);
  if (points.length === 0) return empty(o);
  for (const [k, s] of o.series.entries()) {
    for (const [i, [x, y]] of s.points.entries()) {
      finite('lineChart', `series "${s.name}" point ${i} x`, x);
      finite('lineChart', `series "${s.name}" point ${i} y`, y);
      if (o.logY && y <= 0) {
        throw new DiaboloError(
          'E_INVALID',
          `lineChart: series ${k} ("${s.name}") point ${i} has y = ${y}: a log axis needs y > 0`,
        );
      }
    }
  }
  const { width = 640, height = 360 } = o;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x = axis(...extent(xs), MARGIN.left, width - MARGIN.right);
  const y = axis(...extent(ys), height - MARGIN.bottom, MARGIN.top, o.logY);
  const colours = o.series.map((s, k) => s.colour ?? (COLOURS[k % COLOURS.length] as string));
  const body = o.series
    .map((s, k) => {
      const c = colours[k];
      const xy = s.points.map(([px, py]) => `${x.at(px).toFixed(1)},${y.at(py).toFixed(1)}`);
      const dots = xy.map((p) => {
        const [cx, cy] = p.split(',');
        return `<circle cx="${cx}" cy="${cy}" r="3" fill="${c}"/>`;
      });
      return `<g class="series"><polyline points="${xy.join(' ')}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>${dots.join('')}</g>`;
    })
    .join('\n');
  const legend = o.series.length > 1 ? o.series.map((s, k) => ({ name: s.name, colour: colours[k] as string })) : [];
  return frame(o, x, y, body, legend);
}

/** A series of a {@link histogramChart}. */
export interface HistogramSeries {
  name: string;
  values: ArrayLike<number>;
  colour?: string;
}

/**
 * Counts of one or more series on shared bins (translucent bars, drawn over each other),
 * with labelled vertical markers (a threshold).
 */
export function histogramChart(
  o: Frame & {
    series: readonly HistogramSeries[];
    bins?: number;
    markers?: ReadonlyArray<{ value: number; label: string }>;
  },
): string {
  const bins = o.bins ?? 40;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new DiaboloError('E_INVALID', `histogramChart: bins is ${bins}: expected a positive integer`);
  }
  const values = o.series.flatMap((s, k) =>
    Array.from(s.values, (v, i) => {
      finite('histogramChart', `series ${k} ("${s.name}") value ${i}`, v);
      return v;
    }),
  );
  if (values.length === 0) return empty(o);
  const markers = o.markers ?? [];
  for (const [i, m] of markers.entries()) finite('histogramChart', `marker ${i}`, m.value);
  const all = [...values, ...markers.map((m) => m.value)];
  const { width = 640, height = 360 } = o;
  const x = axis(...extent(all), MARGIN.left, width - MARGIN.right);
  const [lo, hi] = [x.ticks[0] as number, x.ticks[x.ticks.length - 1] as number];
  const counts = o.series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (let i = 0; i < s.values.length; i++) {
      const b = Math.min(bins - 1, Math.floor((((s.values[i] as number) - lo) / (hi - lo)) * bins));
      c[b] = (c[b] as number) + 1;
    }
    return c;
  });
  const y = axis(0, Math.max(1, extent(counts.flat())[1]), height - MARGIN.bottom, MARGIN.top);
  const colours = o.series.map((s, k) => s.colour ?? (COLOURS[k % COLOURS.length] as string));
  const bw = (hi - lo) / bins;
  const bars = counts.map((c, k) => {
    const rects = c.flatMap((n, b) => {
      if (n === 0) return [];
      const [x0, x1] = [x.at(lo + b * bw), x.at(lo + (b + 1) * bw)];
      const [y0, y1] = [y.at(n), y.at(0)];
      return [
        `<rect x="${x0.toFixed(1)}" y="${y0.toFixed(1)}" width="${Math.max(1, x1 - x0 - 1).toFixed(1)}" height="${(y1 - y0).toFixed(1)}"/>`,
      ];
    });
    return `<g class="series" fill="${colours[k]}" fill-opacity="0.7">${rects.join('')}</g>`;
  });
  const marks = markers.map((m) => {
    const px = x.at(m.value).toFixed(1);
    return `<g class="marker"><line x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${height - MARGIN.bottom}" stroke="#000" stroke-width="1.5" stroke-dasharray="4 3"/><text x="${px}" y="${MARGIN.top - 4}" text-anchor="middle">${escapeXml(m.label)}</text></g>`;
  });
  const legend = o.series.length > 1 ? o.series.map((s, k) => ({ name: s.name, colour: colours[k] as string })) : [];
  return frame(o, x, y, [...bars, ...marks].join('\n'), legend);
}

/** Points coloured by class, with a legend naming each class present. */
export function scatterChart(
  o: Frame & {
    x: ArrayLike<number>;
    y: ArrayLike<number>;
    labels: ArrayLike<number>;
    classNames?: readonly string[];
  },
): string {
  if (o.x.length !== o.y.length || o.labels.length !== o.x.length) {
    throw new DiaboloError(
      'E_SHAPE',
      `scatterChart: ${o.x.length} x, ${o.y.length} y and ${o.labels.length} labels: expected one of each per point`,
    );
  }
  if (o.x.length === 0) return empty(o);
  for (let i = 0; i < o.x.length; i++) {
    finite('scatterChart', `x[${i}]`, o.x[i] as number);
    finite('scatterChart', `y[${i}]`, o.y[i] as number);
  }
  const { width = 640, height = 480 } = o;
  const x = axis(...extent(o.x), MARGIN.left, width - MARGIN.right - LEGEND_WIDTH);
  const y = axis(...extent(o.y), height - MARGIN.bottom, MARGIN.top);
  const byClass = new Map<number, string[]>();
  for (let i = 0; i < o.x.length; i++) {
    const l = o.labels[i] as number;
    const list = byClass.get(l) ?? [];
    list.push(`<circle cx="${x.at(o.x[i] as number).toFixed(1)}" cy="${y.at(o.y[i] as number).toFixed(1)}" r="2"/>`);
    byClass.set(l, list);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const colour = (l: number) => COLOURS[l % COLOURS.length] as string;
  const body = classes
    .map((l) => `<g class="series" fill="${colour(l)}" fill-opacity="0.75">${(byClass.get(l) ?? []).join('')}</g>`)
    .join('\n');
  const legend = classes.map((l) => ({ name: o.classNames?.[l] ?? String(l), colour: colour(l) }));
  return frame({ ...o, width, height }, x, y, body, legend, true);
}
