// Unit tests of the data readers and the model-file checksum on the sources (no wasm build).
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DiaboloError } from '../../ts/src/base/errors.js';
import { parseCsv } from '../../ts/src/data/csv.js';
import { crc32 } from '../../ts/src/model/crc32.js';

describe('parseCsv', () => {
  it('reads a header, CR/LF/CRLF line endings and a label column', () => {
    const { matrix: m, labels } = parseCsv('a,b,label\r\n1,2,0\n3.5,-4e-1,1\r5,6,0\n', { labelColumn: 'last' });
    expect([m.rows, m.cols]).toEqual([3, 2]);
    expect(Array.from(m.data)).toEqual([1, 2, 3.5, Math.fround(-0.4), 5, 6]);
    expect(Array.from(labels ?? [])).toEqual([0, 1, 0]);
  });

  it('refuses what is not plainly a number, naming line and column', () => {
    for (const cell of ['0x1F', '0b11', 'null', '1,5', '']) {
      let error: unknown;
      try {
        parseCsv(`1,2\n3,"${cell}"\n`);
      } catch (e) {
        error = e;
      }
      expect(error, cell).toBeInstanceOf(DiaboloError);
      expect((error as DiaboloError).message, cell).toMatch(/line 2/);
    }
  });
});

describe('crc32', () => {
  it('equals node:zlib and the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });
});
