import { describe, expect, it } from 'vitest';
import { DiaboloError, matrix, SHAPE_NAMES, shapes } from '../dist/index.node.js';

describe('data helpers', () => {
  it('matrix() checks rows × cols against the data length', () => {
    expect(matrix(2, 3, [1, 2, 3, 4, 5, 6]).data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(() => matrix(2, 3, [1, 2])).toThrow(/expected shape \[2, 3\] \(6 values\), got 2 values/);
    expect(() => matrix(-1, 3, [])).toThrow(DiaboloError);
  });

  it('shapes() is deterministic, binary and covers every class', () => {
    const a = shapes({ count: 400, size: 16, seed: 5 });
    const b = shapes({ count: 400, size: 16, seed: 5 });
    const c = shapes({ count: 400, size: 16, seed: 6 });
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
    expect(a.data.every((v) => v === 0 || v === 1)).toBe(true);
    const counts = new Array(SHAPE_NAMES.length).fill(0);
    for (const l of a.labels) counts[l]++;
    expect(counts.every((n) => n > 60)).toBe(true);
    // Every image has ink.
    for (let i = 0; i < a.rows; i++) {
      expect(a.data.subarray(i * a.cols, (i + 1) * a.cols).some((v) => v === 1)).toBe(true);
    }
  });
});
