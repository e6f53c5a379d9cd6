import { checkArgs, checkOptions, integer, type Kind, kinds } from '../base/check.js';
import { DiaboloError } from '../base/errors.js';
import type { Matrix } from '../base/types.js';

/** An RGBA image in memory (the layout of a canvas `ImageData`). */
export interface Raster {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width × height × 4` bytes, row-major RGBA. */
  data: Uint8ClampedArray;
}

/** The largest raster: 2^28 pixels (1 GiB of RGBA), also the largest canvas browsers draw. */
const MAX_PIXELS = 2 ** 28;
const side = integer(1, MAX_PIXELS);
const colour: Kind = {
  expected: 'an [r, g, b] array of three numbers in [0, 255]',
  test: (v) => Array.isArray(v) && v.length === 3 && v.every((c) => typeof c === 'number' && c >= 0 && c <= 255),
};
/** A matrix whose `data` holds its `rows × cols` values. */
const matrix: Kind = {
  expected: 'a Matrix { rows, cols, data } with rows × cols values in data',
  test: (v) => {
    if (!kinds.matrix.test(v) || Array.isArray(v)) return false;
    const m = v as Matrix;
    return (ArrayBuffer.isView(m.data) || Array.isArray(m.data)) && m.data.length === m.rows * m.cols;
  },
};

/**
 * A blank raster for `method`, refused before it is allocated when its size is not a number
 * of pixels (E_INVALID) or too large (E_MEMORY, with the size).
 */
function blank(method: string, width: number, height: number, rgb: readonly [number, number, number]): Raster {
  checkArgs(method, ['width', width, side], ['height', height, side], ['rgb', rgb, colour]);
  if (width * height > MAX_PIXELS) {
    throw new DiaboloError(
      'E_MEMORY',
      `${method}: a raster of ${width} × ${height} pixels (${((width * height * 4) / 2 ** 30).toFixed(2)} GiB) is too large: at most ${MAX_PIXELS} pixels (1 GiB of RGBA); use fewer or smaller tiles`,
    );
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  return { width, height, data };
}

/** A blank raster filled with one colour. */
export function raster(
  width: number,
  height: number,
  rgb: readonly [number, number, number] = [255, 255, 255],
): Raster {
  return blank('raster', width, height, rgb);
}

function put(r: Raster, x: number, y: number, rgb: readonly [number, number, number]): void {
  if (x < 0 || y < 0 || x >= r.width || y >= r.height) return;
  r.data.set([rgb[0], rgb[1], rgb[2], 255], (y * r.width + x) * 4);
}

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Pixels of one image: `height × width` must equal the matrix's columns. */
  height: number;
  /** Width of one image in pixels (see `height`). */
  width: number;
  /** Images per row of the grid. */
  columns: number;
  /** Each image pixel becomes `scale × scale` screen pixels. Default 2. */
  scale?: number;
  /** Map values to grey: `'fixed'` takes [0, 1]; `'each'` stretches every image to its own range. Default `'fixed'`. */
  normalize?: 'fixed' | 'each';
  /** Gap between images, in screen pixels. Default 2. */
  gap?: number;
}

/** Lay the rows of `images` out as grey tiles: reconstructions, samples, filters. */
export function imageGrid(images: Matrix, o: GridOptions): Raster {
  checkArgs('imageGrid', ['images', images, matrix], ['options', o, kinds.object]);
  checkOptions('imageGrid', 'options', o, {
    height: side,
    width: side,
    columns: side,
    scale: integer(1, 1024),
    normalize: { expected: '"fixed" or "each"', test: (v) => v === 'fixed' || v === 'each' },
    gap: integer(0, 1024),
  });
  checkArgs(
    'imageGrid',
    ['options.height', o.height, side],
    ['options.width', o.width, side],
    ['options.columns', o.columns, side],
  );
  const { height: h, width: w, columns } = o;
  const scale = o.scale ?? 2;
  const gap = o.gap ?? 2;
  if (h * w !== images.cols) {
    throw new DiaboloError(
      'E_SHAPE',
      `imageGrid: ${h}×${w} images need ${h * w} columns, the matrix has ${images.cols}`,
    );
  }
  const rows = Math.ceil(images.rows / columns);
  const out = blank('imageGrid', columns * (w * scale + gap) + gap, rows * (h * scale + gap) + gap, [40, 40, 40]);
  for (let i = 0; i < images.rows; i++) {
    const img = images.data.subarray(i * images.cols, (i + 1) * images.cols);
    let lo = 0;
    let hi = 1;
    if (o.normalize === 'each') {
      lo = Number.POSITIVE_INFINITY;
      hi = Number.NEGATIVE_INFINITY;
      for (const v of img) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (hi === lo) hi = lo + 1;
    }
    const x0 = gap + (i % columns) * (w * scale + gap);
    const y0 = gap + Math.floor(i / columns) * (h * scale + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const g = Math.round((255 * ((img[y * w + x] as number) - lo)) / (hi - lo));
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) put(out, x0 + x * scale + dx, y0 + y * scale + dy, [g, g, g]);
      }
    }
  }
  return out;
}

/** Ten distinguishable colours (one per class). */
export const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** Pixels {@link scatter} keeps free on each side of its points. Internal. */
export const SCATTER_MARGIN = 5;

/**
 * The smallest and largest x and y of `[n, 2]` points: the box {@link scatter} maps onto its
 * square, less {@link SCATTER_MARGIN} on each side (what an axis drawn around it needs). Internal.
 */
export function pointExtent(points: Matrix): { x: [number, number]; y: [number, number] } {
  let [minX, maxX, minY, maxY] = [
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  for (let i = 0; i < points.rows; i++) {
    const [x, y] = [points.data[2 * i] as number, points.data[2 * i + 1] as number];
    [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
  }
  return { x: [minX, maxX], y: [minY, maxY] };
}

/** A scatter plot of 2-D points (a latent map), coloured by label. */
export function scatter(points: Matrix, labels: ArrayLike<number>, size = 400): Raster {
  checkArgs('scatter', ['points', points, matrix], ['labels', labels, kinds.labels], ['size', size, side]);
  if (points.cols !== 2)
    throw new DiaboloError('E_SHAPE', `scatter: expected [n, 2] points, got [${points.rows}, ${points.cols}]`);
  if (labels.length !== points.rows) {
    throw new DiaboloError('E_SHAPE', `scatter: expected ${points.rows} labels (one per point), got ${labels.length}`);
  }
  for (let i = 0; i < labels.length; i++) {
    checkArgs('scatter', [`labels[${i}]`, labels[i], integer(0, Number.MAX_SAFE_INTEGER)]);
  }
  const out = blank('scatter', size, size, [255, 255, 255]);
  const {
    x: [minX, maxX],
    y: [minY, maxY],
  } = pointExtent(points);
  const m = SCATTER_MARGIN;
  const sx = (size - 2 * m) / (maxX - minX || 1);
  const sy = (size - 2 * m) / (maxY - minY || 1);
  for (let i = 0; i < points.rows; i++) {
    const px = Math.round(m + ((points.data[2 * i] as number) - minX) * sx);
    const py = Math.round(size - m - ((points.data[2 * i + 1] as number) - minY) * sy);
    const c = PALETTE[(labels[i] as number) % PALETTE.length] as readonly [number, number, number];
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) put(out, px + dx, py + dy, c);
  }
  return out;
}

/** Options of {@link histogram}. */
export interface HistogramOptions {
  /** Bins shared by every series, over the range of all values and markers. Default 40. */
  bins?: number;
  /** Width in pixels. Default 480. */
  width?: number;
  /** Height in pixels. Default 240. */
  height?: number;
  /** Values marked by a vertical black line (a threshold). */
  markers?: number[];
  /**
   * `'each'`: every series scaled to its own tallest bin, so a small series stays visible next
   * to a large one; `'shared'`: one count scale for all (bar heights comparable). Default `'each'`.
   */
  scale?: 'each' | 'shared';
}

/**
 * The bins {@link histogram} draws: their range (`lo` to `lo + span`) and each series' counts.
 * Internal: an axis drawn around the histogram reads its scale from here.
 */
export function histogramBins(
  series: ReadonlyArray<{ values: ArrayLike<number> }>,
  bins: number,
  markers: readonly number[] = [],
): { lo: number; span: number; counts: number[][] } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of series)
    for (let i = 0; i < s.values.length; i++)
      [lo, hi] = [Math.min(lo, s.values[i] as number), Math.max(hi, s.values[i] as number)];
  for (const m of markers) [lo, hi] = [Math.min(lo, m), Math.max(hi, m)];
  const span = hi - lo || 1;
  const counts = series.map((s) => {
    const c: number[] = new Array(bins).fill(0);
    for (let i = 0; i < s.values.length; i++) {
      const b = Math.min(bins - 1, Math.floor((((s.values[i] as number) - lo) / span) * bins));
      c[b] = (c[b] as number) + 1;
    }
    return c;
  });
  return { lo, span, counts };
}

/** Pixels {@link histogram} keeps free above its tallest bar. Internal. */
export const HISTOGRAM_HEADROOM = 10;

/**
 * Histograms of one or more series on shared bins, with optional vertical markers; each
 * series scaled to its own tallest bin unless `scale` is `'shared'`.
 */
export function histogram(
  series: ReadonlyArray<{ values: ArrayLike<number>; rgb: readonly [number, number, number] }>,
  o: HistogramOptions = {},
): Raster {
  checkArgs('histogram', ['series', series, kinds.array]);
  checkOptions('histogram', 'options', o, {
    bins: integer(1, 1 << 20),
    width: side,
    height: side,
    markers: kinds.array,
    scale: { expected: '"each" or "shared"', test: (v) => v === 'each' || v === 'shared' },
  });
  for (const [k, s] of series.entries()) {
    checkArgs('histogram', [`series[${k}]`, s, kinds.object]);
    checkArgs('histogram', [`series[${k}].values`, s.values, kinds.vector], [`series[${k}].rgb`, s.rgb, colour]);
    for (let i = 0; i < s.values.length; i++) {
      checkArgs('histogram', [`series[${k}].values[${i}]`, s.values[i], kinds.finite]);
    }
  }
  for (const [i, m] of (o.markers ?? []).entries()) checkArgs('histogram', [`options.markers[${i}]`, m, kinds.finite]);
  const bins = o.bins ?? 40;
  const width = o.width ?? 480;
  const height = o.height ?? 240;
  const { lo, span, counts } = histogramBins(series, bins, o.markers);
  const out = blank('histogram', width, height, [255, 255, 255]);
  const bw = width / bins;
  const shared = Math.max(1, ...counts.flat());
  counts.forEach((c, k) => {
    const rgb = series[k]?.rgb ?? [0, 0, 0];
    const top = o.scale === 'shared' ? shared : Math.max(1, ...c);
    c.forEach((n, b) => {
      const bh = Math.round(((height - HISTOGRAM_HEADROOM) * n) / top);
      for (let x = Math.floor(b * bw); x < Math.floor((b + 1) * bw) - 1; x++)
        for (let y = height - bh; y < height; y++) put(out, x, y, rgb);
    });
  });
  for (const m of o.markers ?? []) {
    const x = Math.round(((m - lo) / span) * (width - 1));
    for (let y = 0; y < height; y++) put(out, x, y, [0, 0, 0]);
  }
  return out;
}
