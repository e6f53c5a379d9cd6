// Where the core's binaries come from: setAssetPaths (folders, files per flavour, file and
// http URLs; relative paths from the working directory), inline and in a worker, and the
// E_LOAD error that names the location tried and the way out when a binary is missing,
// unreachable or not WebAssembly. The browser side is covered by the consumer projects.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiaboloError, setAssetPaths } from '../dist/index.node.js';

const probe = fileURLToPath(new URL('./fixtures/assets-probe.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/wasm/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'diabolo-assets-'));
mkdirSync(join(dir, 'bins'));
for (const f of ['relaxed', 'simd128', 'scalar'])
  copyFileSync(join(dist, `diabolo-${f}.wasm`), join(dir, 'bins', `diabolo-${f}.wasm`));
writeFileSync(join(dir, 'bins', 'not-wasm.wasm'), '<!doctype html><title>Not found</title>');

type Outcome = { losses?: number[]; flavor?: string; code?: string; message?: string };
function run(args: object): Outcome {
  return JSON.parse(execFileSync(process.execPath, [probe, JSON.stringify(args)], { cwd: dir, encoding: 'utf8' }));
}

let server: ReturnType<typeof createServer>;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const name = (req.url ?? '').split('/').pop() ?? '';
    if (req.url?.startsWith('/html/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>app shell</p>');
    } else if (/^diabolo-\w+\.wasm$/.test(name) && req.url?.startsWith('/bins/')) {
      res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(join(dir, 'bins', name)));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('setAssetPaths', () => {
  const reference = run({});

  it('a folder relative to the working directory, inline and in a worker, trains as the shipped binaries do', () => {
    expect(reference.losses?.length).toBe(2);
    for (const backend of ['inline', 'worker']) {
      const r = run({ paths: { wasm: './bins/' }, backend });
      expect(r.code, r.message).toBeUndefined();
      expect(r.losses).toEqual(reference.losses);
    }
  });

  it('a file per flavour, as a file: URL or an absolute path', () => {
    const url = pathToFileURL(join(dir, 'bins', 'diabolo-scalar.wasm')).href;
    expect(run({ paths: { wasm: { scalar: url } }, flavor: 'scalar' }).losses).toEqual(reference.losses);
    const path = join(dir, 'bins', 'diabolo-simd128.wasm');
    expect(run({ paths: { wasm: { simd128: path } }, flavor: 'simd128', backend: 'worker' }).losses).toEqual(
      reference.losses,
    );
  });

  it('an http(s) folder: Node fetches the binaries', async () => {
    // The probe runs in a child process while this one serves, so the call must not block.
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [probe, JSON.stringify({ paths: { wasm: `${base}/bins/` }, backend: 'worker' })],
        { cwd: dir },
        (e, stdout) => (e ? reject(e) : resolve(stdout)),
      ),
    );
    expect(JSON.parse(out).losses).toEqual(reference.losses);
  });

  it('refuses malformed locations with E_INVALID naming the value', () => {
    const cases: [unknown, RegExp][] = [
      [null, /paths = null .*expected an object/],
      [{ wasm: 'bins' }, /wasm = "bins" .*ending in "\//],
      [{ wasm: 42 }, /wasm = 42 .*folder URL or/],
      [{ wasm: { avx512: './x.wasm' } }, /wasm\.avx512 .*one of relaxed, simd128, scalar/],
      [{ wasm: { simd128: '' } }, /wasm\.simd128 = "" .*non-empty/],
      [{ worker: 7 }, /worker = 7 .*non-empty string or URL/],
      [{ wasmPaths: './x/' }, /paths\.wasmPaths .*only the keys wasm and worker/],
    ];
    for (const [paths, message] of cases) {
      let error: unknown;
      try {
        setAssetPaths(paths as never);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(paths)).toBeInstanceOf(DiaboloError);
      expect((error as DiaboloError).code).toBe('E_INVALID');
      expect((error as DiaboloError).message).toMatch(message);
    }
    setAssetPaths({});
  });
});

describe('E_LOAD', () => {
  it('a missing binary names the path tried and the fix, inline and in a worker', () => {
    for (const backend of ['inline', 'worker']) {
      const r = run({ paths: { wasm: './nowhere/' }, backend, flavor: 'simd128' });
      expect(r.code).toBe('E_LOAD');
      expect(r.message).toContain(join(dir, 'nowhere', 'diabolo-simd128.wasm'));
      expect(r.message).toMatch(/ENOENT.*dist\/wasm\/diabolo-simd128\.wasm.*setAssetPaths/);
    }
  });

  it('a file that is not WebAssembly says what came back', () => {
    const r = run({ paths: { wasm: { simd128: './bins/not-wasm.wasm' } }, flavor: 'simd128' });
    expect(r.code).toBe('E_LOAD');
    expect(r.message).toMatch(/not WebAssembly .*"<!doctype html>/);
  });

  it('HTTP errors and HTML fallback pages are named, not compiled', async () => {
    const { execFile } = await import('node:child_process');
    const call = (paths: object) =>
      new Promise<Outcome>((resolve, reject) =>
        execFile(process.execPath, [probe, JSON.stringify({ paths, flavor: 'simd128' })], { cwd: dir }, (e, out) =>
          e ? reject(e) : resolve(JSON.parse(out)),
        ),
      );
    const missing = await call({ wasm: `${base}/gone/` });
    expect(missing.code).toBe('E_LOAD');
    expect(missing.message).toMatch(new RegExp(`${base}/gone/diabolo-simd128.wasm: HTTP 404`));
    const html = await call({ wasm: `${base}/html/` });
    expect(html.code).toBe('E_LOAD');
    expect(html.message).toMatch(/answered with an HTML page/);
  });
});
