// The command line end to end, on small files: every command once, and one mistake each.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'diabolo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (f: string) => join(dir, f);

function diabolo(...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
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
    for (const c of ['train', 'encode', 'decode', 'sample', 'eval', 'inspect']) {
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
});
