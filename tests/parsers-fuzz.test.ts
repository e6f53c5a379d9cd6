// Randomised tests of the data readers (CSV, JSON, .npy, IDX) against small reference readers
// written here from the documented rules: every generated input — valid tables, then
// mutations (junk cells, nulls, hex, empty lines, CR endings, header rows, truncated or
// bit-flipped files) — either parses to exactly what the reference reads, or is refused by
// both, with a DiaboloError of the same code that names the same place.
//
// `npm run fuzz:parsers` runs many more cases (DIABOLO_PARSER_FUZZ_CASES, default 100 000
// there) or another stream of them (DIABOLO_PARSER_FUZZ_SEED). A failure prints the seed, the
// case number and the input; DIABOLO_PARSER_FUZZ_CASE=n replays case n alone.
import { describe, expect, it } from 'vitest';
import { parseJsonMatrix } from '../dist/data/json.js';
import { DiaboloError, parseCsv, parseIdx, parseNpy } from '../dist/index.node.js';
import { elementSize, pyShape, writeElement } from './helpers/files.js';

const TOTAL = Number(process.env.DIABOLO_PARSER_FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.DIABOLO_PARSER_FUZZ_SEED ?? 0x5eed_d1ab) >>> 0;
const ONLY =
  process.env.DIABOLO_PARSER_FUZZ_CASE === undefined ? undefined : Number(process.env.DIABOLO_PARSER_FUZZ_CASE);

/** A generator of its own per case (so that any case can be replayed alone): SplitMix32 of seed and case. */
function generator(seed: number, n: number) {
  let s = (seed ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (k: number) => Math.floor(next() * k);
  return {
    int,
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] as T,
    float: () => next(),
  };
}
type Rand = ReturnType<typeof generator>;

/** Expected outcome of a reader: the matrix, or a refusal with its code and where. */
type Outcome =
  | { ok: true; rows: number; cols: number; data: ArrayLike<number>; labels?: ArrayLike<number>; shape?: number[] }
  | { ok: false; code: string; where?: RegExp };

/** Equal as float32 (or exactly, for labels); any NaN equals any NaN. */
function sameNumbers(got: ArrayLike<number>, want: ArrayLike<number>, exact = false): boolean {
  if (got.length !== want.length) return false;
  for (let i = 0; i < got.length; i++) {
    const a = got[i] as number;
    const b = exact ? (want[i] as number) : Math.fround(want[i] as number);
    if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) return false;
  }
  return true;
}

/** Run `read` on case `n` and compare with `want`; on a mismatch, fail naming seed, case and input. */
function check(name: string, n: number, input: unknown, want: Outcome, read: () => Outcome): 'ok' | 'refused' {
  let got: Outcome;
  let message = '';
  try {
    got = read();
  } catch (e) {
    if (!(e instanceof DiaboloError)) {
      throw new Error(`${name} case ${n} (seed ${SEED}): threw ${String(e)} for ${show(input)}`);
    }
    got = { ok: false, code: e.code };
    message = e.message;
  }
  const fail = (why: string) =>
    new Error(
      `${name} case ${n}: ${why}\n  replay: DIABOLO_PARSER_FUZZ_SEED=${SEED} DIABOLO_PARSER_FUZZ_CASE=${n}\n  input: ${show(input)}\n  reference: ${show(want)}\n  got: ${show(got)} ${message}`,
    );
  if (want.ok !== got.ok) throw fail('the reader and the reference disagree');
  if (want.ok && got.ok) {
    if (got.rows !== want.rows || got.cols !== want.cols) throw fail('another shape');
    if (!sameNumbers(got.data, want.data)) throw fail('other values');
    if (want.labels && !sameNumbers(got.labels ?? [], want.labels, true)) throw fail('other labels');
    if (want.shape && JSON.stringify(got.shape) !== JSON.stringify(want.shape)) throw fail('another IDX shape');
    return 'ok';
  }
  if (!want.ok && !got.ok) {
    if (got.code !== want.code) throw fail(`code ${got.code}, expected ${want.code}`);
    if (want.where && !want.where.test(message)) throw fail(`the message does not name ${want.where}`);
  }
  return 'refused';
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `bytes[${v.length}] ${Buffer.from(v.subarray(0, 160)).toString('hex')}`;
  return JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
}

const cases = (share: number) => Math.max(1, Math.round(TOTAL * share));
function run(name: string, count: number, one: (rand: Rand, n: number) => 'ok' | 'refused'): void {
  it(`${name}: ${count} random inputs parse as the reference reads them, or are refused where it says`, () => {
    const tally = { ok: 0, refused: 0 };
    const t0 = performance.now();
    for (let n = 0; n < count; n++) {
      if (ONLY !== undefined && n !== ONLY) continue;
      if (n % 100_000 === 0 && n > 0) {
        console.log(`fuzz ${name}: ${n} of ${count}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
      tally[one(generator(SEED, n), n)]++;
    }
    console.log(`fuzz ${name}: ${tally.ok} parsed, ${tally.refused} refused (seed ${SEED})`);
    if (ONLY === undefined) {
      // Both outcomes must be common, or the generator tests little.
      expect(tally.ok, `${name}: parsed`).toBeGreaterThan(count / 10);
      expect(tally.refused, `${name}: refused`).toBeGreaterThan(count / 10);
    }
  }, 3_600_000);
}

// ---------------------------------------------------------------- CSV

/** The decimal syntax, scanned by hand: sign, digits with an optional point, exponent. */
function refNumber(cell: string): number | undefined {
  let a = 0;
  let b = cell.length;
  while (a < b && (cell[a] === ' ' || cell[a] === '\t')) a++;
  while (b > a && (cell[b - 1] === ' ' || cell[b - 1] === '\t')) b--;
  const s = cell.slice(a, b);
  const digit = (k: number) => k < s.length && (s[k] as string) >= '0' && (s[k] as string) <= '9';
  let i = s[0] === '+' || s[0] === '-' ? 1 : 0;
  let mantissa = 0;
  while (digit(i)) [i, mantissa] = [i + 1, mantissa + 1];
  if (s[i] === '.') {
    i++;
    while (digit(i)) [i, mantissa] = [i + 1, mantissa + 1];
  }
  if (mantissa === 0) return undefined;
  if (s[i] === 'e' || s[i] === 'E') {
    i++;
    if (s[i] === '+' || s[i] === '-') i++;
    let exponent = 0;
    while (digit(i)) [i, exponent] = [i + 1, exponent + 1];
    if (exponent === 0) return undefined;
  }
  return i === s.length ? Number(s) : undefined;
}

const VALUE_WORDS = new Set(
  ['null', 'none', 'na', 'n/a', 'nil', 'undefined', 'true', 'false'].concat(
    ...['nan', 'inf', 'infinity'].map((w) => [w, `+${w}`, `-${w}`]),
  ),
);
/** A column name: has a letter, does not start like a number, is not a value word. */
function refName(cell: string): boolean {
  const t = cell.trim();
  if (!/\p{L}/u.test(t)) return false;
  let k = t[0] === '+' || t[0] === '-' ? 1 : 0;
  if (t[k] === '.') k++;
  if (t[k] !== undefined && t[k] >= '0' && t[k] <= '9') return false;
  return !VALUE_WORDS.has(t.toLowerCase());
}

const blankLine = (l: string) => [...l].every((c) => c === ' ' || c === '\t');

function refCsv(text: string, header: boolean | undefined, label: unknown): Outcome {
  const at = (line: number, column?: number): Outcome => ({
    ok: false,
    code: 'E_FORMAT',
    where: new RegExp(`^fuzz\\.csv line ${line}${column === undefined ? ':' : `, column ${column}:`}`),
  });
  if (
    label !== undefined &&
    label !== 'first' &&
    label !== 'last' &&
    !(typeof label === 'number' && Number.isInteger(label) && label >= 0)
  ) {
    return { ok: false, code: 'E_INVALID', where: /labelColumn = / };
  }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines: string[] = [];
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\r' || c === '\n') {
      lines.push(current);
      current = '';
      if (c === '\r' && body[i + 1] === '\n') i++;
    } else current += c;
  }
  lines.push(current);
  while (lines.length > 0 && blankLine(lines[lines.length - 1] as string)) lines.pop();
  if (lines.length === 0) return { ok: false, code: 'E_FORMAT', where: /^fuzz\.csv: no data rows/ };
  const first = lines[0] as string;
  if (blankLine(first)) return at(1);
  let hasHeader = header;
  if (hasHeader === undefined) {
    const cells = first.split(',');
    const numbers = cells.map((c) => refNumber(c) !== undefined);
    if (numbers.every(Boolean)) hasHeader = false;
    else if (!numbers.some(Boolean)) {
      const notName = cells.findIndex((c) => !refName(c));
      if (notName !== -1) return at(1, notName + 1);
      hasHeader = true;
    } else return at(1, numbers.indexOf(false) + 1);
  }
  const start = hasHeader ? 1 : 0;
  if (lines.length === start) return { ok: false, code: 'E_FORMAT', where: /^fuzz\.csv: a header/ };
  if (blankLine(lines[start] as string)) return at(start + 1);
  const width = (lines[start] as string).split(',').length;
  if (hasHeader && first.split(',').length !== width) return at(1);
  const labelAt = label === 'first' ? 0 : label === 'last' ? width - 1 : (label as number | undefined);
  if (labelAt !== undefined && (labelAt >= width || width === 1)) {
    return { ok: false, code: 'E_INVALID', where: /labelColumn = / };
  }
  const data: number[] = [];
  const labels: number[] = [];
  for (let r = start; r < lines.length; r++) {
    const line = lines[r] as string;
    if (blankLine(line)) return at(r + 1);
    const cells = line.split(',');
    if (cells.length !== width) return at(r + 1);
    for (let j = 0; j < width; j++) {
      const v = refNumber(cells[j] as string);
      if (v === undefined) return at(r + 1, j + 1);
      if (j === labelAt) {
        if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) return at(r + 1, j + 1);
        labels.push(Math.abs(v)); // -0 is label 0
      } else {
        if (!Number.isFinite(Math.fround(v))) return at(r + 1, j + 1);
        data.push(v);
      }
    }
  }
  const rows = lines.length - start;
  const cols = labelAt === undefined ? width : width - 1;
  return { ok: true, rows, cols, data, ...(labelAt === undefined ? {} : { labels }) };
}

const JUNK = [
  'null',
  '',
  ' ',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  '0x1F',
  '0b11',
  '0o7',
  '1e999',
  '-1e39',
  '3.5e38',
  '1e-50',
  '3abc',
  'true',
  'FALSE',
  'abc',
  'x1',
  '1_000',
  '1.2.3',
  '--1',
  '+-2',
  '.',
  'e5',
  '5e',
  '١٢',
  '"3"',
  '1;5',
  '\t7\t',
  ' -.5 ',
  '4.',
  '+0',
  '-0',
  'NA',
  'N/A',
  'None',
  '\u00a03',
  'ß',
  '.e1',
  '2E+2',
  'ⅷ',
];
const NAMES = ['a', 'x', 'Width', 'naïve', 'col 2', '"q"', 'label', 'ID', 'e', 'E', 'nan', 'T', '_'];

function numberText(rand: Rand): string {
  const digits = () => String(rand.int(rand.chance(0.5) ? 10 : 100_000));
  let s = rand.pick(['', '', '', '-', '+']);
  const form = rand.int(6);
  if (form === 0) s += digits();
  else if (form === 1) s += `${digits()}.${digits()}`;
  else if (form === 2) s += `.${digits()}`;
  else if (form === 3) s += `${digits()}.`;
  else if (form === 4)
    s += `${digits()}${rand.pick(['e', 'E'])}${rand.pick(['', '+', '-'])}${rand.int(rand.chance(0.05) ? 45 : 20)}`;
  else s += String(rand.float() * 10 ** rand.int(6));
  if (rand.chance(0.05)) s = `${rand.pick([' ', '\t'])}${s}${rand.pick(['', ' '])}`;
  return s;
}

function genCsv(rand: Rand): { text: string; header: boolean | undefined; label: unknown } {
  const rows = 1 + rand.int(6);
  const width = 1 + rand.int(5);
  const labelled = rand.chance(0.3);
  const table: string[][] = Array.from({ length: rows }, () =>
    Array.from({ length: width }, (_, j) => (labelled && j === width - 1 ? String(rand.int(10)) : numberText(rand))),
  );
  if (rand.chance(0.3)) table.unshift(Array.from({ length: width }, () => rand.pick(NAMES)));
  const mutations = rand.chance(0.4) ? 0 : 1 + rand.int(3);
  for (let m = 0; m < mutations; m++) {
    const row = table[rand.int(table.length)] as string[];
    const kind = rand.int(8);
    if (kind <= 1) row[rand.int(row.length)] = rand.pick(JUNK);
    else if (kind === 2) row.splice(rand.int(row.length + 1), 0, rand.chance(0.5) ? numberText(rand) : rand.pick(JUNK));
    else if (kind === 3 && row.length > 1) row.splice(rand.int(row.length), 1);
    else if (kind === 4) table.splice(rand.int(table.length + 1), 0, rand.pick([[''], [' '], ['\t']]));
    else if (kind === 5) table.unshift(Array.from({ length: width }, () => rand.pick([...NAMES, ...JUNK, '1'])));
    else if (kind === 6) row[rand.int(row.length)] = rand.pick(NAMES);
    else row[rand.int(row.length)] = numberText(rand);
  }
  const eol = rand.pick(['\n', '\r\n', '\r']);
  let text = table.map((r) => r.join(',')).join(eol) + rand.pick(['', eol, `${eol}${eol}`, `${eol} ${eol}`]);
  if (rand.chance(0.1)) {
    // Another line ending somewhere: mixed endings are still one line break each.
    const breaks = [...text.matchAll(/\r\n|\r|\n/g)];
    const b = breaks.length > 0 ? breaks[rand.int(breaks.length)] : undefined;
    if (b?.index !== undefined) {
      text = text.slice(0, b.index) + rand.pick(['\n', '\r\n', '\r', '\n\r']) + text.slice(b.index + b[0].length);
    }
  }
  if (rand.chance(0.1)) {
    const at = rand.int(text.length + 1);
    text = text.slice(0, at) + rand.pick([',', '\r', '\n', ' ', '.', 'e', '-', '0', 'x', '\t']) + text.slice(at);
  }
  if (rand.chance(0.05)) text = text.slice(0, rand.int(text.length + 1));
  if (rand.chance(0.03)) text = `\uFEFF${text}`;
  const header = rand.pick([undefined, undefined, undefined, true, false]);
  const label = labelled
    ? rand.pick(['last', width - 1, 'last'])
    : rand.chance(0.1)
      ? rand.pick([Number.NaN, 1.5, -1, '1', 'middle', null, Number.POSITIVE_INFINITY])
      : rand.pick([undefined, undefined, undefined, undefined, 0, 'first', rand.int(width + 1)]);
  return { text, header, label };
}

// ---------------------------------------------------------------- JSON

function refJson(text: string): Outcome {
  const bad = (where?: string): Outcome => ({
    ok: false,
    code: 'E_FORMAT',
    ...(where === undefined ? {} : { where: new RegExp(`^fuzz\\.json: ${where}`) }),
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad('not valid JSON');
  }
  const number = (v: unknown) => typeof v === 'number' && Number.isFinite(Math.fround(v));
  if (Array.isArray(json)) {
    if (json.length === 0) return bad('an empty array');
    const width = Array.isArray(json[0]) ? json[0].length : -1;
    for (let r = 0; r < json.length; r++) {
      const row = json[r];
      if (!Array.isArray(row)) return bad(`row ${r} is `);
      if (width === 0) return bad('row 0 is empty');
      if (row.length !== width) return bad(`row ${r} has ${row.length} values`);
    }
    const data: number[] = [];
    for (let r = 0; r < json.length; r++) {
      for (let c = 0; c < width; c++) {
        const v = (json[r] as unknown[])[c];
        if (!number(v)) return bad(`row ${r}, column ${c} `);
        data.push(v as number);
      }
    }
    return { ok: true, rows: json.length, cols: width, data };
  }
  if (json === null || typeof json !== 'object') return bad('got ');
  const o = json as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !['rows', 'cols', 'data'].includes(k));
  if (unknown !== undefined) return bad('unknown key');
  for (const k of ['rows', 'cols']) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > Number.MAX_SAFE_INTEGER) return bad(`"${k}" = `);
  }
  const [rows, cols] = [o.rows as number, o.cols as number];
  if (!Array.isArray(o.data)) return bad('"data" is ');
  if (o.data.length !== rows * cols) return bad('"data" holds');
  for (let i = 0; i < o.data.length; i++) {
    if (!number(o.data[i])) return bad(`row ${Math.floor(i / cols)}, column ${i % cols} `);
  }
  return { ok: true, rows, cols, data: o.data as number[] };
}

function genJson(rand: Rand): string {
  const rows = 1 + rand.int(5);
  const cols = 1 + rand.int(4);
  const value = () => (rand.chance(0.02) ? rand.pick([3.5e38, -1e300, 1e-300]) : Number(numberText(rand)));
  const table: unknown[][] = Array.from({ length: rows }, () => Array.from({ length: cols }, value));
  const odd = [null, '3', true, false, [], {}, [1], 'NaN'];
  let doc: unknown = table;
  if (rand.chance(0.3)) doc = { rows, cols, data: table.flat() };
  const mutations = rand.chance(0.4) ? 0 : 1 + rand.int(2);
  for (let m = 0; m < mutations; m++) {
    const kind = rand.int(7);
    if (Array.isArray(doc)) {
      const r = rand.int(doc.length);
      const row = doc[r];
      if (!Array.isArray(row)) continue; // emptied or replaced by an earlier mutation
      if (kind <= 1) row[rand.int(cols)] = rand.pick(odd);
      else if (kind === 2) row.pop();
      else if (kind === 3) row.push(value());
      else if (kind === 4) doc[r] = rand.pick([7, null, 'row', {}]);
      else if (kind === 5) doc.length = 0;
      else doc = rand.pick([42, 'text', null, true]);
    } else if (doc !== null && typeof doc === 'object') {
      const o = doc as { rows: unknown; cols: unknown; data: unknown[] };
      if (kind <= 1 && Array.isArray(o.data)) o.data[rand.int(o.data.length)] = rand.pick(odd);
      else if (kind === 2 && Array.isArray(o.data)) o.data.pop();
      else if (kind === 3) o.rows = rand.pick([0, 1.5, '2', -1, rows + 1]);
      else if (kind === 4) (o as Record<string, unknown>).labels = [1];
      else if (kind === 5) o.data = rand.pick(['x', null, {}]) as never;
      else o.cols = rand.pick([0, cols + 1, null]);
    }
  }
  let text = JSON.stringify(doc);
  if (rand.chance(0.1)) {
    const numbers = [...text.matchAll(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi)];
    const n = numbers.length > 0 ? numbers[rand.int(numbers.length)] : undefined;
    if (n?.index !== undefined) {
      text =
        text.slice(0, n.index) + rand.pick(['1e999', '-1e39', 'NaN', '0x10', '01']) + text.slice(n.index + n[0].length);
    }
  }
  if (rand.chance(0.05)) text = text.slice(0, rand.int(text.length));
  return text;
}

// ---------------------------------------------------------------- .npy

const NPY_TYPES = ['<f4', '>f4', '<f8', '>f8', '|u1', '<u1', '>u1', '|i1', '<i1', '>i1'].concat(
  ...['i2', 'i4', 'i8', 'u2', 'u4', 'u8'].map((t) => [`<${t}`, `>${t}`]),
);
const NPY_OTHER = ['<c8', '|O', '=f4', '|f4', '<f2', '<U3', '|S4', '|b1', '<M8', 'f4', '<i3', '<f16', "<f4', 'x"];

// The header grammar of the documentation, as one regular expression.
const WS = String.raw`[ \t\r\n]*`;
const STR = String.raw`(?:'[^'\\\n]*'|"[^"\\\n]*")`;
const INT = String.raw`(?:0|[1-9]\d*)`;
const TUPLE = String.raw`\(${WS}(?:${INT}${WS},${WS}(?:${INT}${WS}(?:,${WS}${INT}${WS})*(?:,${WS})?)?)?\)`;
const VALUE = `(?:${STR}|True|False|${TUPLE})`;
const ENTRY = `${WS}${STR}${WS}:${WS}${VALUE}${WS}`;
const DICT = new RegExp(`^\\{(?:${ENTRY}(?:,${ENTRY})*(?:,${WS})?|${WS})\\}${WS}$`);
const ENTRY_AT = new RegExp(`${WS}(${STR})${WS}:${WS}(${VALUE})${WS},?`, 'y');

function refNpy(bytes: Uint8Array): Outcome {
  const bad = (where: RegExp): Outcome => ({ ok: false, code: 'E_FORMAT', where });
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 8 || magic.some((b, k) => bytes[k] !== b)) return bad(/magic/);
  if (![1, 2, 3].includes(bytes[6] as number) || bytes[7] !== 0) return bad(/format version/);
  const lengthBytes = bytes[6] === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) return bad(/header length/);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = lengthBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes + headerLength;
  if (start > bytes.length) return bad(/header length/);
  const text = Buffer.from(bytes.subarray(8 + lengthBytes, start)).toString('latin1');
  const header = /header byte \d+|header key|the header has no|'descr' = |'fortran_order' must|'shape' must/;
  if (!DICT.test(text)) return bad(header);
  const entries = new Map<string, string>();
  ENTRY_AT.lastIndex = 1;
  for (let m = ENTRY_AT.exec(text); m; m = ENTRY_AT.exec(text)) {
    const key = (m[1] as string).slice(1, -1);
    if (entries.has(key)) return bad(header);
    entries.set(key, m[2] as string);
  }
  const value = (raw: string | undefined) => {
    if (raw === undefined) return undefined;
    if (raw === 'True' || raw === 'False') return raw === 'True';
    if (raw.startsWith('(')) return (raw.match(/\d+/g) ?? []).map(Number);
    return raw.slice(1, -1);
  };
  const shapeRaw = entries.get('shape');
  const dims = value(shapeRaw);
  if (Array.isArray(dims) && dims.some((d) => !Number.isSafeInteger(d))) return bad(header);
  if ([...entries.keys()].some((k) => !['descr', 'fortran_order', 'shape'].includes(k))) return bad(header);
  const descr = value(entries.get('descr'));
  const order = value(entries.get('fortran_order'));
  const shape = value(shapeRaw);
  if (typeof descr !== 'string' || typeof order !== 'boolean' || !Array.isArray(shape)) return bad(header);
  if (!NPY_TYPES.includes(descr)) return bad(/dtype/);
  if (order) return bad(/Fortran/);
  if (shape.length < 1 || shape.length > 2) return bad(/'shape'/);
  const [rows, cols] = shape.length === 1 ? [1, shape[0] as number] : (shape as [number, number]);
  const size = elementSize(descr);
  if (rows * cols * size !== bytes.length - start) return bad(/data bytes/);
  if (rows * cols * 4 > 2 ** 31 - 1) return { ok: false, code: 'E_MEMORY' };
  const little = !descr.startsWith('>');
  const data: number[] = [];
  for (let i = 0; i < rows * cols; i++) {
    const o = start + i * size;
    const t = descr.slice(1);
    const v =
      t === 'f4'
        ? view.getFloat32(o, little)
        : t === 'f8'
          ? view.getFloat64(o, little)
          : t === 'u1'
            ? (bytes[o] as number)
            : t === 'i1'
              ? ((bytes[o] as number) << 24) >> 24
              : t === 'u2'
                ? view.getUint16(o, little)
                : t === 'i2'
                  ? view.getInt16(o, little)
                  : t === 'u4'
                    ? view.getUint32(o, little)
                    : t === 'i4'
                      ? view.getInt32(o, little)
                      : t === 'u8'
                        ? Number(view.getBigUint64(o, little))
                        : Number(view.getBigInt64(o, little));
    if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) return bad(new RegExp(`element ${i} `));
    data.push(v);
  }
  return { ok: true, rows, cols, data };
}

function genNpy(rand: Rand): Uint8Array {
  const descr = rand.chance(0.08) ? rand.pick(NPY_OTHER) : rand.pick(NPY_TYPES);
  const shape = rand.chance(0.3) ? [rand.int(6)] : [rand.int(5), rand.int(5)];
  const count = shape.reduce((a, b) => a * b, 1);
  const t = descr.slice(1);
  const values = Array.from({ length: count }, () => {
    if (t.startsWith('f')) {
      return rand.chance(0.05)
        ? rand.pick([Number.NaN, Number.POSITIVE_INFINITY, 1e300, -3.5e38])
        : (rand.float() - 0.5) * 10 ** rand.int(8);
    }
    const bits = 8 * (elementSize(descr) || 1);
    const span = 2 ** Math.min(bits, 53);
    return t.startsWith('u') ? rand.int(span) : rand.int(span) - span / 2;
  });
  const quote = rand.pick(["'", "'", '"']);
  const q = (s: string) => `${quote}${s}${quote}`;
  const sp = () => rand.pick(['', ' ', ' ', '  ']);
  const entries = [
    `${q('descr')}:${sp()}${q(descr)}`,
    `${q('fortran_order')}:${sp()}${rand.chance(0.03) ? 'True' : 'False'}`,
    `${q('shape')}:${sp()}${rand.chance(0.03) ? `(${shape.join(', ')})` : pyShape(shape)}`,
  ];
  if (rand.chance(0.5)) entries.sort(() => rand.float() - 0.5);
  if (rand.chance(0.03)) entries.push(`${q('extra')}: ${q('x')}`);
  if (rand.chance(0.03)) entries.splice(rand.int(3), 1);
  const dict = `{${entries.join(`,${sp()}`)}${rand.pick(['', ', ', ','])}}`;
  const version = rand.pick([1, 1, 2, 3] as const);
  const prefix = version === 1 ? 10 : 12;
  const header = `${dict}${' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64)}\n`;
  const size = elementSize(descr) || 1;
  let bytes = new Uint8Array(prefix + header.length + count * size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let k = 0; k < header.length; k++) bytes[prefix + k] = header.charCodeAt(k);
  if (NPY_TYPES.includes(descr)) {
    values.forEach((v, i) => {
      writeElement(view, prefix + header.length + i * size, descr, v);
    });
  }
  const mutations = rand.chance(0.45) ? 0 : 1 + rand.int(2);
  for (let m = 0; m < mutations; m++) {
    const kind = rand.int(7);
    if (kind === 0) bytes = bytes.slice(0, rand.int(bytes.length));
    else if (kind === 1) {
      const at = rand.int(Math.min(bytes.length, prefix + header.length));
      bytes[at] = (bytes[at] as number) ^ (1 << rand.int(8)); // a flipped header bit
    } else if (kind === 2) bytes[rand.int(bytes.length)] = rand.int(256);
    else if (kind === 3) bytes = Uint8Array.from([...bytes, ...new Array(1 + rand.int(8)).fill(0)]);
    else if (kind === 4) {
      // A huge shape, keeping the header's length.
      const huge = `${shape.length === 1 ? '' : '4, '}${rand.pick(['1099511627776', '9007199254740993', '4294967296', '99999999999999999999'])}`;
      const edited = Buffer.from(bytes)
        .toString('latin1')
        .replace(/\(([^)]*)\)/, `(${huge},)`);
      bytes = Uint8Array.from(Buffer.from(edited, 'latin1'));
    } else if (kind === 5) bytes[6] = rand.pick([0, 1, 2, 3, 4, 255]);
    else if (bytes.length >= 10) new DataView(bytes.buffer).setUint16(8, rand.int(2 ** 16), true);
  }
  return bytes;
}

// ---------------------------------------------------------------- IDX

function refIdx(bytes: Uint8Array): Outcome {
  const bad = (where: RegExp): Outcome => ({
    ok: false,
    code: 'E_FORMAT',
    where: new RegExp(`^fuzz\\.idx: not a readable IDX file: ${where.source}`),
  });
  if (bytes.length < 4) return bad(/\d+ bytes is too short/);
  if (bytes[0] !== 0 || bytes[1] !== 0) return bad(/the magic number/);
  if (bytes[2] !== 8) return bad(/byte 2: element type/);
  const dims = bytes[3] as number;
  if (dims < 1 || dims > 4) return bad(/byte 3: /);
  if (bytes.length < 4 + 4 * dims) return bad(/\d+ bytes: truncated inside/);
  const shape: number[] = [];
  for (let i = 0; i < dims; i++) {
    const o = 4 + 4 * i;
    shape.push(
      (bytes[o] as number) * 2 ** 24 +
        (bytes[o + 1] as number) * 2 ** 16 +
        (bytes[o + 2] as number) * 256 +
        (bytes[o + 3] as number),
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== 4 + 4 * dims + count) return bad(/dimensions .* need/);
  const data = Array.from(bytes.subarray(4 + 4 * dims));
  return { ok: true, rows: shape[0] as number, cols: count / Math.max(1, shape[0] as number), data, shape };
}

function genIdx(rand: Rand): Uint8Array {
  const shape = Array.from({ length: 1 + rand.int(4) }, () => rand.int(5));
  const count = shape.reduce((a, b) => a * b, 1);
  let bytes = new Uint8Array(4 + 4 * shape.length + count);
  bytes.set([0, 0, 8, shape.length]);
  shape.forEach((n, i) => {
    new DataView(bytes.buffer).setUint32(4 + 4 * i, n, false);
  });
  for (let i = 4 + 4 * shape.length; i < bytes.length; i++) bytes[i] = rand.int(256);
  const mutations = rand.chance(0.45) ? 0 : 1 + rand.int(2);
  for (let m = 0; m < mutations; m++) {
    const kind = rand.int(5);
    if (kind === 0) bytes = bytes.slice(0, rand.int(bytes.length + 1));
    else if (kind === 1) bytes = Uint8Array.from([...bytes, ...new Array(1 + rand.int(4)).fill(7)]);
    else if (kind === 2 && bytes.length > 0) {
      const at = rand.int(Math.min(bytes.length, 4 + 4 * shape.length));
      bytes[at] = (bytes[at] as number) ^ (1 << rand.int(8));
    } else if (kind === 3 && bytes.length >= 8)
      new DataView(bytes.buffer).setUint32(4, rand.pick([2 ** 32 - 1, 2 ** 20, 2 ** 31]), false);
    else if (bytes.length >= 4) bytes[rand.int(4)] = rand.int(256);
  }
  return bytes;
}

describe('randomised data readers against reference readers', () => {
  run('CSV', cases(0.4), (rand, n) => {
    const { text, header, label } = genCsv(rand);
    const options = {
      source: 'fuzz.csv',
      ...(header === undefined ? {} : { header }),
      ...(label === undefined ? {} : { labelColumn: label }),
    };
    return check('CSV', n, { text, options }, refCsv(text, header, label), () => {
      const r = parseCsv(text, options as never);
      return { ok: true, ...r.matrix, ...(r.labels ? { labels: r.labels } : {}) };
    });
  });
  run('JSON', cases(0.2), (rand, n) => {
    const text = genJson(rand);
    return check('JSON', n, text, refJson(text), () => ({ ok: true, ...parseJsonMatrix(text, 'fuzz.json') }));
  });
  run('.npy', cases(0.25), (rand, n) => {
    const bytes = genNpy(rand);
    const want = refNpy(bytes);
    if (!want.ok && want.where) want.where = new RegExp(`^fuzz\\.npy: .*${want.where.source}`);
    return check('.npy', n, bytes, want, () => ({ ok: true, ...parseNpy(bytes, 'fuzz.npy') }));
  });
  run('IDX', cases(0.15), (rand, n) => {
    const bytes = genIdx(rand);
    return check('IDX', n, bytes, refIdx(bytes), () => {
      const r = parseIdx(bytes, 'fuzz.idx');
      const rows = r.shape[0] as number;
      return { ok: true, rows, cols: r.data.length / Math.max(1, rows), data: r.data, shape: r.shape };
    });
  });
});
