// The command line end to end, on small files: every command once, and one mistake each.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { idxFile } from './helpers/files.js';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'diabolo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (f: string) => join(dir, f);

function diabolo(...args: string[]): { status: number | null; out: string; err: string } {
  return diaboloIn(process.cwd(), ...args);
}
/** Run in folder `cwd`, so that relative paths are relative to it. */
function diaboloIn(cwd: string, ...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
/** Exits 2, its message matches, and nothing was trained or written. */
function refused(r: { status: number | null; out: string; err: string }, pattern: RegExp, what: string): void {
  expect(r.status, `${what}: ${r.err}`).toBe(2);
  expect(r.err, what).toMatch(pattern);
  expect(r.out, what).not.toContain('epoch');
}

// 120 rows of 16 features in [0, 1] with a label column, as CSV, JSON and .npy.
const rows = Array.from({ length: 120 }, (_, i) => Array.from({ length: 16 }, (_, j) => ((i * 7 + j * 3) % 10) / 10));
writeFileSync(at('data.csv'), `${rows.map((r, i) => [...r, i % 3].join(',')).join('\n')}\n`);
writeFileSync(at('data.json'), JSON.stringify(rows));
function npy(data: number[][]): Uint8Array {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${data.length}, ${data[0]?.length}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  const h = `${header}${' '.repeat(pad)}\n`;
  const body = new Float32Array(data.flat());
  const out = new Uint8Array(10 + h.length + body.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, h.length, true);
  out.set(new TextEncoder().encode(h), 10);
  out.set(new Uint8Array(body.buffer), 10 + h.length);
  return out;
}
writeFileSync(at('data.npy'), npy(rows));

describe('diabolo CLI', () => {
  it('prints help for the tool and every command', () => {
    expect(diabolo('--help').out).toContain('commands:');
    for (const c of ['train', 'encode', 'decode', 'sample', 'eval', 'inspect', 'export']) {
      const r = diabolo(c, '--help');
      expect(r.status).toBe(0);
      expect(r.out).toContain(`usage: diabolo ${c}`);
    }
  });

  it('prints its version with -v / --version, and help with no arguments or -h', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    for (const flag of ['-v', '--version']) {
      const r = diabolo(flag);
      expect(r.status).toBe(0);
      expect(r.out.trim()).toBe(version);
    }
    for (const args of [[], ['-h']]) {
      const r = diabolo(...args);
      expect(r.status).toBe(0);
      expect(r.out).toContain('commands:');
      expect(r.out).toContain('--version');
    }
  });

  it('train (CSV with a label column) → inspect → encode → decode → eval', () => {
    const t = diabolo(
      'train',
      at('data.csv'),
      '--label-column',
      'last',
      '--out',
      at('m.dia'),
      '--hidden',
      '6',
      '--epochs',
      '3',
      '--optimizer',
      'adam',
      '--sparsity',
      '0.1,1',
      '--denoise',
      'mask:0.2',
    );
    expect(t.status, t.err).toBe(0);
    expect(t.out).toContain('epoch 3/3');
    expect(existsSync(at('m.dia'))).toBe(true);
    const i = diabolo('inspect', '--model', at('m.dia'));
    expect(i.status, i.err).toBe(0);
    const info = JSON.parse(i.out);
    expect(info.config.layers[0].units).toBe(6);
    expect(info.config.corruption).toEqual({ kind: 'mask', nu: 0.2 });
    expect(
      diabolo('encode', at('data.csv'), '--label-column', 'last', '--model', at('m.dia'), '--out', at('codes.csv'))
        .status,
    ).toBe(0);
    const codes = readFileSync(at('codes.csv'), 'utf8').trim().split('\n');
    expect(codes).toHaveLength(120);
    expect(codes[0]?.split(',')).toHaveLength(6);
    expect(diabolo('decode', at('codes.csv'), '--model', at('m.dia'), '--out', at('rec.csv')).status).toBe(0);
    expect(readFileSync(at('rec.csv'), 'utf8').trim().split('\n')[0]?.split(',')).toHaveLength(16);
    const e = diabolo('eval', at('data.json'), '--model', at('m.dia'));
    expect(e.status, e.err).toBe(0);
    expect(e.out).toMatch(/reconstruction loss \d+\.\d+ per sample/);
  });

  it('export: safetensors and a PyTorch folder, read back as --model; mistakes refused before any work', () => {
    const t = diabolo(
      'train',
      at('data.npy'),
      '--out',
      at('x.dia'),
      '--layers',
      '8,3',
      '--epochs',
      '1',
      '--l2',
      '0.001',
    );
    expect(t.status, t.err).toBe(0);
    const s = diabolo('export', '--model', at('x.dia'), '--format', 'safetensors', '--out', at('x.safetensors'));
    expect(s.status, s.err).toBe(0);
    expect(s.out).toContain('safetensors');
    const bytes = readFileSync(at('x.safetensors'));
    const n = bytes.readUInt32LE(0);
    expect(Object.keys(JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')))).toContain('encoder.1.weight');
    // The same model through either file.
    const viaDia = diabolo('eval', at('data.json'), '--model', at('x.dia'));
    const viaSafetensors = diabolo('eval', at('data.json'), '--model', at('x.safetensors'));
    expect(viaSafetensors.status, viaSafetensors.err).toBe(0);
    expect(viaSafetensors.out).toBe(viaDia.out);
    const p = diabolo('export', '--model', at('x.safetensors'), '--format', 'pytorch', '--out', at('torch'));
    expect(p.status, p.err).toBe(0);
    expect(readdirSync(at('torch')).sort()).toEqual(['model.py', 'model.safetensors', 'train.py']);
    expect(readFileSync(at('torch/model.safetensors')).equals(bytes)).toBe(true);
    expect(readFileSync(at('torch/model.py'), 'utf8')).toContain(
      'self.encoder = nn.ModuleList([nn.Linear(16, 8), nn.Linear(8, 3)])',
    );
    // Again into the existing folder: replaced whole.
    expect(diabolo('export', '--model', at('x.dia'), '--format', 'pytorch', '--out', at('torch')).status).toBe(0);
    const mistakes: [string[], RegExp][] = [
      [
        ['--model', at('x.dia'), '--out', at('y.st')],
        /--format is required: expected one of onnx, safetensors, pytorch/,
      ],
      [['--model', at('x.dia'), '--format', 'tflite', '--out', at('y.st')], /--format "tflite": expected one of/],
      [['--model', at('x.dia'), '--format', 'safetensors'], /--out is required/],
      [['--model', at('x.dia'), '--format', 'pytorch', '--out', at('x.dia')], /is a file, expected a folder/],
      [['--model', at('x.dia'), '--format', 'pytorch', '--out', at('none/torch')], /the folder .* does not exist/],
      [
        ['--model', at('torch/model.safetensors'), '--format', 'pytorch', '--out', at('torch')],
        /is the same file as --model/,
      ],
      [['--model', at('x.dia'), '--format', 'safetensors', '--out', at('torch')], /is a folder, expected a file path/],
      [['--model', at('data.csv'), '--format', 'safetensors', '--out', at('z.st')], /E_FORMAT/],
    ];
    for (const [args, pattern] of mistakes) refused(diabolo('export', ...args), pattern, args.join(' '));
    expect(existsSync(at('y.st')) || existsSync(at('z.st')) || existsSync(at('none'))).toBe(false);
  });

  // Deterministic runs against files kept in tests/golden/cli (DIABOLO_UPDATE_GOLDEN=1
  // rewrites them): the model description exactly; numbers within what a kernel flavour may
  // change (relaxed SIMD rounds differently: 1e-5).
  it('matches golden outputs: inspect exactly, encode and eval to 1e-5', () => {
    const golden = (f: string) => fileURLToPath(new URL(`./golden/cli/${f}`, import.meta.url));
    const update = process.env.DIABOLO_UPDATE_GOLDEN === '1';
    const args = ['--label-column', 'last'];
    const train = ['train', at('data.csv'), ...args, '--out', at('g.dia'), '--hidden', '6', '--epochs', '3'];
    expect(diabolo(...train, '--optimizer', 'adam', '--seed', '5').status).toBe(0);
    const inspect = diabolo('inspect', '--model', at('g.dia')).out;
    expect(diabolo('encode', at('data.csv'), ...args, '--model', at('g.dia'), '--out', at('g.csv')).status).toBe(0);
    const codes = readFileSync(at('g.csv'), 'utf8').trim().split('\n').slice(0, 5).join('\n');
    const evaluation = diabolo('eval', at('data.csv'), ...args, '--model', at('g.dia')).out;
    if (update) {
      writeFileSync(golden('inspect.json'), inspect);
      writeFileSync(golden('codes-head.csv'), `${codes}\n`);
      writeFileSync(golden('eval.txt'), evaluation);
    }
    expect(inspect).toBe(readFileSync(golden('inspect.json'), 'utf8'));
    const numbers = (text: string) => text.match(/-?\d+(\.\d+)?(e-?\d+)?/g)?.map(Number) ?? [];
    const close = (got: string, want: string) => {
      const [a, b] = [numbers(got), numbers(want)];
      expect(a.length).toBe(b.length);
      a.forEach((v, k) => {
        expect(Math.abs(v - (b[k] as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v)));
      });
    };
    close(codes, readFileSync(golden('codes-head.csv'), 'utf8'));
    close(evaluation, readFileSync(golden('eval.txt'), 'utf8'));
  });

  it('reads .npy and JSON, and a VAE samples', () => {
    const t = diabolo(
      'train',
      at('data.npy'),
      '--out',
      at('v.dia'),
      '--vae',
      '2',
      '--layers',
      '8',
      '--loss',
      'bce',
      '--epochs',
      '2',
    );
    expect(t.status, t.err).toBe(0);
    const s = diabolo('sample', '--model', at('v.dia'), '--count', '5', '--out', at('s.csv'));
    expect(s.status, s.err).toBe(0);
    const samples = readFileSync(at('s.csv'), 'utf8').trim().split('\n');
    expect(samples).toHaveLength(5);
    expect(samples.every((l) => l.split(',').every((v) => Number(v) >= 0 && Number(v) <= 1))).toBe(true);
    expect(diabolo('eval', at('data.json'), '--model', at('v.dia')).out).toContain('ELBO');
  });

  it('export --format onnx: each part runs in onnxruntime and gives what encode / decode give', async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const t = diabolo('train', at('data.csv'), '--label-column', 'last', '--out', at('x.dia'), '--layers', '8,3');
    expect(t.status, t.err).toBe(0);
    const csv = (f: string) =>
      new Float32Array(
        readFileSync(at(f), 'utf8')
          .trim()
          .split('\n')
          .flatMap((l) => l.split(',').map(Number)),
      );
    const model = ['--model', at('x.dia'), '--format', 'onnx'];
    expect(
      diabolo('encode', at('data.csv'), '--label-column', 'last', '--model', at('x.dia'), '--out', at('xc.csv')).status,
    ).toBe(0);
    expect(diabolo('decode', at('xc.csv'), '--model', at('x.dia'), '--out', at('xr.csv')).status).toBe(0);
    const x = new Float32Array(rows.flat());
    const cases: Array<[string[], string, string, Float32Array, Float32Array]> = [
      [['--part', 'encoder'], 'x', 'code', x, csv('xc.csv')],
      [['--part', 'decoder'], 'code', 'reconstruction', csv('xc.csv'), csv('xr.csv')],
      [[], 'x', 'reconstruction', x, csv('xr.csv')], // the whole autoencoder by default
    ];
    for (const [part, input, output, data, want] of cases) {
      const r = diabolo('export', ...model, ...part, '--out', at('x.onnx'));
      expect(r.status, r.err).toBe(0);
      expect(r.out).toMatch(
        /wrote .*x\.onnx \(the (encoder|decoder|autoencoder) as ONNX \(opset 21\): \d+ layers, \d+ parameters\)/,
      );
      expect(r.out).toContain(`the ${part[1] ?? 'autoencoder'} as ONNX`);
      const s = await ort.InferenceSession.create(readFileSync(at('x.onnx')));
      expect([s.inputNames, s.outputNames]).toEqual([[input], [output]]);
      const got = (await s.run({ [input]: new ort.Tensor('float32', data, [120, data.length / 120]) }))[output];
      expect(got?.dims).toEqual([120, want.length / 120]);
      // The CSV files hold each float32 in its shortest decimal form: it reads back exactly.
      const values = (got?.data ?? []) as Float32Array;
      expect(values.length).toBe(want.length);
      values.forEach((v, i) => {
        expect(Math.abs(v - (want[i] as number))).toBeLessThanOrEqual(1e-5 * (Math.abs(want[i] as number) + 0.1));
      });
    }
  });

  it('export: names a bad format, part or output, before reading the model', () => {
    const before = readFileSync(at('m.dia'));
    const cases: Array<[string[], RegExp]> = [
      [['export', '--model', at('m.dia'), '--out', at('e.onnx')], /--format is required/],
      [
        ['export', '--model', at('m.dia'), '--format', 'keras', '--out', at('e.onnx')],
        /--format "keras": expected one of onnx, safetensors, pytorch/,
      ],
      [
        ['export', '--model', at('m.dia'), '--format', 'onnx', '--part', 'head', '--out', at('e.onnx')],
        /--part "head": expected encoder, decoder or autoencoder/,
      ],
      [['export', '--model', at('m.dia'), '--format', 'onnx'], /--out is required/],
      [['export', '--format', 'onnx', '--out', at('e.onnx')], /--model is required/],
      [
        ['export', '--model', at('m.dia'), '--format', 'onnx', '--out', at('m.dia')],
        /--out .*m\.dia: is the same file as --model/,
      ],
      [
        ['export', '--model', at('m.dia'), '--format', 'onnx', '--out', at('gone/e.onnx')],
        /the folder .*gone does not exist/,
      ],
      [
        ['export', at('data.csv'), '--model', at('m.dia'), '--format', 'onnx', '--out', at('e.onnx')],
        /export reads no data file/,
      ],
      // The model is read only once the flags are right: a missing one is named then.
      [['export', '--model', at('nope.dia'), '--format', 'onnx', '--out', at('e.onnx')], /cannot read .*nope\.dia/],
    ];
    for (const [args, pattern] of cases) refused(diabolo(...args), pattern, args.join(' '));
    expect(existsSync(at('e.onnx'))).toBe(false);
    expect(readFileSync(at('m.dia')).equals(before)).toBe(true);
  });

  it('names the file, line or flag and exits 2 on mistakes, one per command', () => {
    writeFileSync(at('bad.csv'), '1,2\n3,oops\n');
    writeFileSync(at('bad.dia'), 'not a model');
    const cases: Array<[string[], RegExp]> = [
      [['train', at('missing.csv'), '--out', at('x.dia')], /cannot read .*missing\.csv: ENOENT/],
      [['train', at('bad.csv'), '--out', at('x.dia')], /bad\.csv line 2, column 2: "oops"/],
      [['train', at('data.csv'), '--out', at('x.dia'), '--hidden', 'many'], /--hidden "many": expected an integer/],
      [['train', at('data.csv'), '--out', at('x.dia'), '--sparsity', '2,1'], /sparsity\.rho = 2/],
      [
        ['encode', at('data.csv'), '--model', at('m.dia'), '--out', at('c.csv')],
        /expected shape \[n ≥ 1, 6\]|expected shape \[n ≥ 1, 16\], got \[120, 17\]/,
      ],
      [['decode', at('data.csv'), '--model', at('m.dia'), '--out', at('c.csv')], /codes: expected shape \[n ≥ 1, 6\]/],
      [['sample', '--model', at('m.dia'), '--count', '3', '--out', at('c.csv')], /sample .*a model with a vae code/],
      [['eval', at('data.csv'), '--model', at('bad.dia')], /E_FORMAT: .*bad|E_FORMAT/],
      [['inspect', '--model', at('nope.dia')], /cannot read .*nope\.dia/],
      [['inspect'], /--model FILE is required/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['train', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, pattern] of cases) {
      const r = diabolo(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(pattern);
    }
  });

  // Class 6 of "reliability round two": the command line never destroys an input, and checks
  // where it will write before doing any work.
  it('refuses an --out that is an input (same path, ./path, symlink, hard link), before any work', () => {
    const d = mkdtempSync(join(dir, 'same-'));
    copyFileSync(at('data.csv'), join(d, 'keep.csv'));
    symlinkSync(join(d, 'keep.csv'), join(d, 'link.csv'));
    linkSync(join(d, 'keep.csv'), join(d, 'hard.csv'));
    const train = ['--label-column', 'last', '--hidden', '4', '--epochs', '1'];
    expect(diaboloIn(d, 'train', 'keep.csv', ...train, '--out', 'own.dia').status).toBe(0);
    const before = { csv: readFileSync(join(d, 'keep.csv')), dia: readFileSync(join(d, 'own.dia')) };
    const model = ['--label-column', 'last', '--model', 'own.dia'];
    const cases: Array<[string[], RegExp]> = [
      [
        ['train', 'keep.csv', ...train, '--out', 'keep.csv'],
        /--out keep\.csv: is the same file as the input data keep\.csv/,
      ],
      [
        ['train', './keep.csv', ...train, '--out', join(d, 'keep.csv')],
        /is the same file as the input data \.\/keep\.csv/,
      ],
      [
        ['train', 'link.csv', ...train, '--out', 'keep.csv'],
        /--out keep\.csv: is the same file as the input data link\.csv/,
      ],
      [
        ['train', 'keep.csv', ...train, '--out', 'link.csv'],
        /--out link\.csv: is the same file as the input data keep\.csv/,
      ],
      [['train', 'keep.csv', ...train, '--out', 'hard.csv'], /--out hard\.csv: is the same file as the input data/],
      [['encode', 'keep.csv', ...model, '--out', 'keep.csv'], /--out keep\.csv: is the same file as the input data/],
      [
        ['encode', 'keep.csv', ...model, '--out', './own.dia'],
        /--out \.\/own\.dia: is the same file as --model own\.dia/,
      ],
      [
        ['decode', 'keep.csv', '--model', 'own.dia', '--out', 'link.csv'],
        /--out link\.csv: is the same file as the input/,
      ],
    ];
    for (const [args, pattern] of cases) {
      refused(diaboloIn(d, ...args), pattern, args.join(' '));
      expect(readFileSync(join(d, 'keep.csv')).equals(before.csv), args.join(' ')).toBe(true);
      expect(readFileSync(join(d, 'own.dia')).equals(before.dia), args.join(' ')).toBe(true);
    }
    expect(lstatSync(join(d, 'link.csv')).isSymbolicLink()).toBe(true);
  });

  it('refuses an --out whose folder is missing, or that is a folder, before training', () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['train', 'data.csv', '--out', 'missing/dir/m.dia'],
        /--out missing\/dir\/m\.dia: the folder missing\/dir does not exist/,
      ],
      [['train', 'data.csv', '--out', at('nope/m.dia')], /the folder .*nope does not exist/],
      [['train', 'data.csv', '--out', dir], /--out .*: is a folder, expected a file path/],
      [['train', 'data.csv', '--out', 'data.csv/m.dia'], /--out data\.csv\/m\.dia: data\.csv is not a folder/],
      [
        ['encode', 'data.csv', '--model', 'm.dia', '--out', 'gone/c.csv'],
        /--out gone\/c\.csv: the folder gone does not exist/,
      ],
      [['sample', '--model', 'm.dia', '--count', '2', '--out', 'gone/s.csv'], /--out gone\/s\.csv: the folder gone/],
    ];
    for (const [args, pattern] of cases) refused(diaboloIn(dir, ...args, '--epochs', '1'), pattern, args.join(' '));
  });

  it.skipIf(process.getuid?.() === 0)('refuses an --out in a folder it cannot write (not as root)', () => {
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    refused(diabolo('train', at('data.csv'), '--out', join(ro, 'm.dia')), /read-only is not writable/, 'read-only');
  });

  it('writes the output whole: through a symlink to its target, keeping its mode, no temporary file left', () => {
    const d = mkdtempSync(join(dir, 'write-'));
    writeFileSync(join(d, 'real.dia'), 'old');
    chmodSync(join(d, 'real.dia'), 0o640);
    symlinkSync(join(d, 'real.dia'), join(d, 'out.dia'));
    const inode = statSync(join(d, 'real.dia')).ino;
    const r = diabolo(
      'train',
      at('data.csv'),
      '--label-column',
      'last',
      '--hidden',
      '3',
      '--epochs',
      '1',
      '--out',
      join(d, 'out.dia'),
    );
    expect(r.status, r.err).toBe(0);
    expect(lstatSync(join(d, 'out.dia')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(d, 'real.dia')).length).toBeGreaterThan(100);
    expect(statSync(join(d, 'real.dia')).mode & 0o777).toBe(0o640);
    // Replaced by a new file renamed over it (a new inode), not rewritten in place: a crash
    // or a full disk mid-write leaves the old file whole.
    expect(statSync(join(d, 'real.dia')).ino).not.toBe(inode);
    expect(diabolo('inspect', '--model', join(d, 'out.dia')).status).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['out.dia', 'real.dia']);
  });

  it('picks the reader from the magic bytes or the extension, never from a folder name', () => {
    const d = mkdtempSync(join(dir, 'formats-'));
    mkdirSync(join(d, 'idx-data'));
    copyFileSync(at('data.csv'), join(d, 'idx-data', 'table.csv'));
    copyFileSync(at('data.npy'), join(d, 'array.bin'));
    copyFileSync(at('data.json'), join(d, 'rows.txt'));
    const pixels = Array.from({ length: 10 * 16 }, (_, i) => (i * 37) % 256);
    for (const name of ['train-images-idx3-ubyte', 'images.idx3-ubyte', 'images.csv']) {
      writeFileSync(join(d, name), idxFile([10, 4, 4], pixels));
    }
    const cases: Array<[string, string[]]> = [
      ['idx-data/table.csv', ['--label-column', 'last']],
      ['array.bin', []],
      ['rows.txt', []],
      ['train-images-idx3-ubyte', []],
      ['images.idx3-ubyte', []],
      ['images.csv', []],
    ];
    for (const [file, extra] of cases) {
      const r = diaboloIn(
        d,
        'train',
        file,
        ...extra,
        '--hidden',
        '2',
        '--epochs',
        '1',
        '--batch',
        '10',
        '--out',
        'm.dia',
      );
      expect(r.status, `${file}: ${r.err}`).toBe(0);
      expect(JSON.parse(diaboloIn(d, 'inspect', '--model', 'm.dia').out).config.inputSize, file).toBe(16);
    }
  });

  // Class 3: data and flags are read as written, or refused with the file, line and column.
  it('never coerces data or flags: null, hex, a label column it does not understand', () => {
    writeFileSync(at('nulls.json'), JSON.stringify([rows[0], [...(rows[1] as number[]).slice(0, 15), null]]));
    writeFileSync(at('hex.csv'), '1,2\n3,4\n5,0x1F\n');
    writeFileSync(at('typo.csv'), 'l,2\n3,4\n');
    const cases: Array<[string[], RegExp]> = [
      [['train', at('nulls.json'), '--out', at('x.dia')], /nulls\.json: row 1, column 15 is null: expected a number/],
      [['train', at('hex.csv'), '--out', at('x.dia')], /hex\.csv line 3, column 2: "0x1F" is not a number/],
      [
        ['train', at('typo.csv'), '--out', at('x.dia')],
        /typo\.csv line 1, column 1: "l" is not a number, yet column 2/,
      ],
      [
        ['train', at('data.csv'), '--label-column', 'middle', '--out', at('x.dia')],
        /--label-column "middle": expected first, last or a column index/,
      ],
      [['train', at('data.csv'), '--label-column', '1.5', '--out', at('x.dia')], /--label-column "1\.5": expected/],
      [['train', at('data.csv'), '--label-column=-1', '--out', at('x.dia')], /--label-column "-1": expected/],
      [
        ['train', at('data.csv'), '--label-column', '17', '--out', at('x.dia')],
        /labelColumn = 17 is outside the 17 columns/,
      ],
      [
        ['train', at('data.json'), '--label-column', 'last', '--out', at('x.dia')],
        /only a CSV file has a label column/,
      ],
      [['train', at('data.csv'), '--epochs', '0x10', '--out', at('x.dia')], /--epochs "0x10": expected an integer/],
      [['train', at('data.csv'), '--lr', '1e999', '--out', at('x.dia')], /--lr "1e999": expected a decimal number/],
    ];
    for (const [args, pattern] of cases) refused(diabolo(...args), pattern, args.join(' '));
  });

  it("reads --label-column first (and an index) as the same data as 'last' on the same table", () => {
    writeFileSync(at('first.csv'), `${rows.map((r, i) => [i % 3, ...r].join(',')).join('\r')}\r`); // CR line ends
    writeFileSync(
      at('middle.csv'),
      `${rows.map((r, i) => [...r.slice(0, 5), i % 3, ...r.slice(5)].join(',')).join('\n')}\n`,
    );
    const train = ['--hidden', '3', '--epochs', '1', '--seed', '9'];
    expect(diabolo('train', at('data.csv'), '--label-column', 'last', ...train, '--out', at('l.dia')).status).toBe(0);
    const evaluate = (file: string, column: string) => {
      const r = diabolo('eval', at(file), '--label-column', column, '--model', at('l.dia'));
      expect(r.status, r.err).toBe(0);
      return r.out;
    };
    const last = evaluate('data.csv', 'last');
    expect(evaluate('first.csv', 'first')).toBe(last);
    expect(evaluate('first.csv', '0')).toBe(last);
    expect(evaluate('middle.csv', '5')).toBe(last);
  });
});
