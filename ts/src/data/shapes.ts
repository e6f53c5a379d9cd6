import { DiaboloError } from '../base/errors.js';
import type { Matrix } from '../base/types.js';

/** The shape classes, in label order. */
export const SHAPE_NAMES = ['line', 'rectangle', 'circle', 'triangle'] as const;

/** Options of {@link shapes}. */
export interface ShapesOptions {
  /** Number of images. */
  count: number;
  /** Side of the square image in pixels. Default 16. */
  size?: number;
  /** Seed of the generator. Default 1. */
  seed?: number;
}

/** A {@link Matrix} with a class label per row. */
export interface LabelledMatrix extends Matrix {
  /** Class of each row: for {@link shapes}, an index into {@link SHAPE_NAMES}; for MNIST and the digits, the digit. */
  labels: Uint8Array;
}

/** A small seeded 32-bit generator (SplitMix32-style): plenty for drawing test images. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

/**
 * Outlines of lines, rectangles, circles and triangles at random positions and sizes, one
 * per image, pixels in {0, 1}: the lecture's picture of what stacked layers learn (edges,
 * then contours, then shapes). Needs no download; the same seed draws the same images.
 */
export function shapes(options: ShapesOptions): LabelledMatrix {
  const { count, size = 16, seed = 1 } = options;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new DiaboloError('E_INVALID', `count = ${count} is not allowed: expected an integer ≥ 1`);
  }
  if (!Number.isSafeInteger(size) || size < 8 || size > 256) {
    throw new DiaboloError('E_INVALID', `size = ${size} is not allowed: expected an integer in [8, 256]`);
  }
  const rand = uniform(seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const cols = size * size;
  const data = new Float32Array(count * cols);
  const labels = new Uint8Array(count);
  const m = 1; // margin in pixels
  for (let i = 0; i < count; i++) {
    const img = data.subarray(i * cols, (i + 1) * cols);
    const plot = (x: number, y: number) => {
      const px = Math.round(x);
      const py = Math.round(y);
      if (px >= 0 && py >= 0 && px < size && py < size) img[py * size + px] = 1;
    };
    const segment = (x0: number, y0: number, x1: number, y1: number) => {
      const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 3) + 1;
      for (let t = 0; t <= steps; t++) plot(x0 + ((x1 - x0) * t) / steps, y0 + ((y1 - y0) * t) / steps);
    };
    const label = Math.floor(rand() * SHAPE_NAMES.length);
    labels[i] = label;
    const hi = size - 1 - m;
    if (label === 0) {
      segment(between(m, hi), between(m, hi), between(m, hi), between(m, hi));
    } else if (label === 1) {
      const x0 = between(m, size / 2);
      const y0 = between(m, size / 2);
      const x1 = between(x0 + 3, hi);
      const y1 = between(y0 + 3, hi);
      segment(x0, y0, x1, y0);
      segment(x1, y0, x1, y1);
      segment(x1, y1, x0, y1);
      segment(x0, y1, x0, y0);
    } else if (label === 2) {
      const r = between(2.5, size / 2 - m - 0.5);
      const cx = between(m + r, hi - r);
      const cy = between(m + r, hi - r);
      const steps = Math.ceil(2 * Math.PI * r * 3);
      for (let t = 0; t < steps; t++) {
        const a = (2 * Math.PI * t) / steps;
        plot(cx + r * Math.cos(a), cy + r * Math.sin(a));
      }
    } else {
      const p = [0, 1, 2].map(() => [between(m, hi), between(m, hi)] as const);
      for (let k = 0; k < 3; k++) {
        const a = p[k] as readonly [number, number];
        const b = p[(k + 1) % 3] as readonly [number, number];
        segment(a[0], a[1], b[0], b[1]);
      }
    }
  }
  return { rows: count, cols, data, labels };
}
