// The studio's data: the built-in shapes, scikit-learn's 8×8 digits (shipped next to the page
// when the build found them) and the user's CSV, IDX or .npy files, all brought to one shape:
// `{ matrix, labels, names(c), side, name }` with values in [0, 1].

/** Where `npm run build:studio` puts the digits (see scripts/studio-assets.mjs). */
const DIGITS_URL = './data/digits.csv.gz';

/**
 * A data set in the studio's shape. Byte images (IDX, most CSV exports, the digits' 0–16)
 * are scaled to [0, 1] by their largest value.
 */
export function prepare(matrix, labels, name, classNames) {
  let max = 0;
  for (const v of matrix.data) max = Math.max(max, v);
  if (max > 1) for (let i = 0; i < matrix.data.length; i++) matrix.data[i] /= max;
  const side = Math.round(Math.sqrt(matrix.cols));
  return {
    matrix,
    labels,
    names: (c) => classNames?.[c] ?? `class ${c}`,
    side: side * side === matrix.cols ? side : 0,
    name,
  };
}

/** One line about a data set for the page. */
export function describe(data) {
  const { rows, cols } = data.matrix;
  return `${data.name}: ${rows} samples × ${cols} features${data.side ? ` (${data.side}×${data.side} images)` : ''}`;
}

/** Whether the built site carries the digits (a build without scikit-learn's file leaves them out). */
export async function digitsAvailable() {
  try {
    const r = await fetch(DIGITS_URL, { method: 'HEAD' });
    return r.ok;
  } catch {
    return false;
  }
}

/** The built-in set named `which`: `shapes28`, `shapes16` or `digits8`. */
export async function builtIn(d, which) {
  if (which === 'digits8') {
    const r = await fetch(DIGITS_URL);
    if (!r.ok) throw new Error(`the digits are not part of this build (${DIGITS_URL}: HTTP ${r.status})`);
    const text = await new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).text();
    const { matrix, labels } = d.parseCsv(text, { labelColumn: 'last', header: false, source: 'digits.csv.gz' });
    const digits = Array.from({ length: 10 }, (_, i) => String(i));
    return prepare(matrix, Uint8Array.from(labels), "scikit-learn's 8×8 digits", digits);
  }
  const size = which === 'shapes16' ? 16 : 28;
  const s = d.shapes({ count: 2000, size, seed: 1 });
  return prepare(s, s.labels, `built-in shapes ${size}×${size}`, d.SHAPE_NAMES);
}

/** A user's file, by its extension: `.npy`, `.csv`/`.txt`, else IDX. */
export async function fromFile(d, file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const name = file.name.toLowerCase();
  if (name.endsWith('.npy')) return prepare(d.parseNpy(bytes, file.name), undefined, file.name);
  if (name.endsWith('.csv') || name.endsWith('.txt')) {
    const { matrix, labels } = d.parseCsv(new TextDecoder().decode(bytes), { source: file.name });
    return prepare(matrix, labels, file.name);
  }
  const idx = d.parseIdx(bytes, file.name);
  const rows = idx.shape[0] ?? 0;
  const cols = idx.shape.slice(1).reduce((a, b) => a * b, 1);
  return prepare({ rows, cols, data: Float32Array.from(idx.data) }, undefined, file.name);
}

/** Rows `start … start + count − 1` of a matrix, as a new matrix. */
export function rowsOf(matrix, start, count) {
  const { cols } = matrix;
  return { rows: count, cols, data: matrix.data.slice(start * cols, (start + count) * cols) };
}

/** A small seeded generator (mulberry32) for the page's own corruption and noise images. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `x` with a fraction `nu` of its entries set to zero (masking noise), the same for every variant. */
export function masked(x, nu, seed = 7) {
  const next = random(seed);
  const data = x.data.map((v) => (next() < nu ? 0 : v));
  return { ...x, data };
}

/** `rows` images of uniform noise in [0, 1): inputs no autoencoder of real data has seen. */
export function noise(rows, cols, seed = 11) {
  const next = random(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, next) };
}
