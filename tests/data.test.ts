import { describe, expect, it } from 'vitest';
import { DiaboloError, matrix, parseCsv, parseIdx, parseNpy, SHAPE_NAMES, shapes } from '../dist/index.node.js';
import { idxFile, npyFile } from './helpers/files.js';

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

// What the readers accept (the refusals are in bad-input.test.ts).
describe('data readers accept exactly what is documented', () => {
  const table = { rows: 2, cols: 3, data: new Float32Array([1, -0.5, 2000, 0.25, 3, -40]) };

  it('CSV: LF, CRLF, CR (old Mac) and mixed line endings, a trailing blank line or none', () => {
    const lines = ['1,-0.5,2e3', '.25,3.,-4E1'];
    for (const end of ['\n', '\r\n', '\r']) {
      for (const tail of ['', end, `${end}${end}  ${end}`]) {
        expect(parseCsv(lines.join(end) + tail).matrix, JSON.stringify(end + tail)).toEqual(table);
        expect(parseCsv(`a,b,c${end}${lines.join(end)}${tail}`).matrix).toEqual(table);
      }
    }
    expect(parseCsv('1,-0.5,2e3\r\n.25,3.,-4E1\r').matrix).toEqual(table);
  });

  it('CSV: spaces and tabs around numbers, signs, exponents, a byte-order mark', () => {
    expect(parseCsv('\uFEFF 1 ,\t-0.5,+2e+3\n0.25 ,3.0, -40.\n').matrix).toEqual(table);
  });

  it('CSV header rule: names only → header; numbers only → data; header: true/false decide', () => {
    expect(parseCsv('x,"y",z_3\n1,2,3\n').matrix.rows).toBe(1);
    expect(parseCsv('ID,naïve,Größe\n1,2,3\n').matrix.rows).toBe(1);
    expect(parseCsv('1,2,3\n4,5,6\n').matrix.rows).toBe(2);
    // A header of numbers (years) must be said so.
    expect(parseCsv('2019,2020\n1,2\n', { header: true }).matrix).toEqual({
      rows: 1,
      cols: 2,
      data: new Float32Array([1, 2]),
    });
    expect(parseCsv('1,2\n3,4\n', { header: false }).matrix.rows).toBe(2);
    expect(parseCsv('a,1\n3,4\n', { header: true }).matrix.rows).toBe(1);
  });

  it("CSV labelColumn: an index from 0, 'first' or 'last'", () => {
    const text = '7,1,2\n8,3,4\n';
    for (const labelColumn of [0, 'first'] as const) {
      const r = parseCsv(text, { labelColumn });
      expect(r.labels).toEqual(Uint32Array.from([7, 8]));
      expect(r.matrix).toEqual({ rows: 2, cols: 2, data: new Float32Array([1, 2, 3, 4]) });
    }
    const last = parseCsv(text, { labelColumn: 'last' });
    expect(last.labels).toEqual(Uint32Array.from([2, 4]));
    expect(last.matrix.data).toEqual(new Float32Array([7, 1, 8, 3]));
    expect(parseCsv(text, { labelColumn: 1 }).labels).toEqual(Uint32Array.from([1, 3]));
  });

  it('.npy: every supported dtype in both byte orders, versions 1 to 3, 1-D and 2-D', () => {
    const values = [0, 1, -2, 100, -128, 127];
    for (const type of ['f4', 'f8', 'i1', 'i2', 'i4', 'i8']) {
      for (const order of type.endsWith('1') ? ['|', '<', '>'] : ['<', '>']) {
        for (const version of [1, 2, 3] as const) {
          const m = parseNpy(npyFile(`${order}${type}`, [2, 3], values, { version }));
          expect(m, `${order}${type} v${version}`).toEqual({ rows: 2, cols: 3, data: Float32Array.from(values) });
        }
      }
    }
    const unsigned = [0, 1, 2, 100, 200, 255];
    for (const descr of ['|u1', '<u2', '>u2', '<u4', '>u4', '<u8', '>u8']) {
      expect(parseNpy(npyFile(descr, [6], unsigned)), descr).toEqual({
        rows: 1,
        cols: 6,
        data: Float32Array.from(unsigned),
      });
    }
    expect(parseNpy(npyFile('>f4', [1, 2], [1.5, -3.25])).data).toEqual(new Float32Array([1.5, -3.25]));
    // NumPy's header layout variants: double quotes, keys in another order, no trailing comma.
    const dict = '{"shape": (1, 2), "fortran_order": False, "descr": "<f4"}';
    expect(parseNpy(npyFile('<f4', [1, 2], [5, 6], { header: dict })).data).toEqual(new Float32Array([5, 6]));
  });

  it('IDX: a view of the data with its shape', () => {
    const r = parseIdx(idxFile([2, 3], [1, 2, 3, 4, 5, 255]));
    expect(r.shape).toEqual([2, 3]);
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 255]);
  });

  it('matrix(): plain arrays and any typed array of numbers', () => {
    const want = new Float32Array([1, 2, 3, 4]);
    expect(matrix(2, 2, [1, 2, 3, 4]).data).toEqual(want);
    expect(matrix(2, 2, Float64Array.from([1, 2, 3, 4])).data).toEqual(want);
    expect(matrix(2, 2, Int32Array.from([1, 2, 3, 4])).data).toEqual(want);
    expect(matrix(1, 1, [Number.MAX_VALUE / 1e300]).data[0]).toBeCloseTo(1.797e8, -6);
  });

  it('JSON data files: an array of rows or { rows, cols, data }', async () => {
    const { parseJsonMatrix } = await import('../dist/data/json.js');
    const want = { rows: 2, cols: 2, data: new Float32Array([1, 2.5, -3, 4e-3]) };
    expect(parseJsonMatrix('[[1, 2.5], [-3, 4e-3]]')).toEqual(want);
    expect(parseJsonMatrix('{"rows": 2, "cols": 2, "data": [1, 2.5, -3, 0.004]}')).toEqual(want);
  });
});
