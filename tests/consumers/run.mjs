// npm run test:consumers
// diabolo as its users get it: `npm pack` makes the tarball, which is installed into fresh
// consumer projects (tests/consumers/fixtures/, copied to a temporary folder outside this
// repository so nothing resolves from its node_modules) and used there with each tool's
// default configuration: Node ESM and CommonJS, TypeScript (NodeNext, bundler, a browser
// project), Vite (build + preview, dev server), webpack 5, Parcel 2, plain HTML with an import map, and
// a page whose binaries and worker script are on another origin (setAssetPaths).
// Every project trains a small model inline and in a worker (browser projects in headless
// Chromium, failing on any console error, page error or failed request) and checks that the
// losses fall and that both backends agree bit for bit; then it exports the model's encoder
// to ONNX (the writer is a chunk loaded on first use).
//
//   node tests/consumers/run.mjs [name…]     only the named fixtures
//   DIABOLO_CONSUMERS_KEEP=1                 keep the temporary folder (its path is printed)
// Needs a built dist/ (npm run build) and, for the browser cases, Chromium (scripts/setup-browser.sh).
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launch } from '../../bench/browser.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const only = process.argv.slice(2);

// --- the projects and what each must do ---------------------------------------------------

/** Checks on what a project's training printed or left in window.result. */
function checkTraining(r, { flavor } = {}) {
  if (r.error) throw new Error(`training failed: ${r.code ?? ''} ${r.error}`);
  for (const backend of ['inline', 'worker']) {
    const run = r[backend];
    if (!run || !Array.isArray(run.losses) || run.losses.length < 2)
      throw new Error(`no ${backend} losses: ${JSON.stringify(r)}`);
    if (!run.losses.every(Number.isFinite)) throw new Error(`${backend} losses not finite: ${run.losses}`);
    if (!(run.losses.at(-1) < run.losses[0] * 0.9)) throw new Error(`${backend} losses do not fall: ${run.losses}`);
    if (run.backend !== backend) throw new Error(`asked for ${backend}, ran ${run.backend}`);
    if (flavor && run.flavor !== flavor) throw new Error(`${backend} ran flavour ${run.flavor}, expected ${flavor}`);
  }
  if (JSON.stringify(r.inline.losses) !== JSON.stringify(r.worker.losses)) {
    throw new Error(`inline and worker differ: ${r.inline.losses} vs ${r.worker.losses}`);
  }
  // An ONNX ModelProto starts with field 1, ir_version, a varint: tag byte 0x08.
  if (!(r.onnx?.bytes > 500 && r.onnx.first === 8)) throw new Error(`no ONNX export: ${JSON.stringify(r.onnx)}`);
  return `losses ${r.inline.losses[0].toFixed(3)} → ${r.inline.losses.at(-1).toFixed(3)}, ${r.inline.flavor}, inline = worker, ONNX ${r.onnx.bytes} bytes`;
}

/** Type-check a TypeScript project (its @ts-expect-error lines make it fail if types leak). */
function typeCheck(dir, summary) {
  sh(dir, 'npx', ['tsc', '-p', '.']);
  return summary;
}

const nodeRun = (dir, file) =>
  checkTraining(JSON.parse(sh(dir, 'node', [file]).trim().split('\n').at(-1)), { flavor: 'simd128' });

const PROJECTS = [
  { name: 'node-esm', run: (dir) => nodeRun(dir, 'index.mjs') },
  { name: 'node-cjs', run: (dir) => nodeRun(dir, 'index.cjs') },
  {
    name: 'ts-nodenext',
    run: (dir) => {
      sh(dir, 'npx', ['tsc', '-p', '.']);
      return `tsc ok; ${nodeRun(dir, 'out/index.js')}`;
    },
  },
  { name: 'ts-bundler', run: (dir) => typeCheck(dir, 'tsc ok') },
  { name: 'ts-browser', run: (dir) => typeCheck(dir, 'tsc ok (no Node types, no Node-only exports)') },
  {
    name: 'vite-build',
    fixture: 'vite',
    browser: true,
    async run(dir, browser) {
      sh(dir, 'npx', ['vite', 'build']);
      const emitted = listWasm(join(dir, 'dist'));
      if (emitted.length < 3) throw new Error(`vite build emitted ${emitted.length} .wasm files`);
      return withServer(dir, ['vite', 'preview'], (url) => inPage(browser, url));
    },
  },
  {
    name: 'vite-dev',
    fixture: 'vite',
    browser: true,
    run: (dir, browser) => withServer(dir, ['vite'], (url) => inPage(browser, url)),
  },
  {
    name: 'webpack',
    browser: true,
    async run(dir, browser) {
      sh(dir, 'npx', ['webpack', '--mode', 'production']);
      const emitted = listWasm(join(dir, 'dist'));
      if (emitted.length < 3) throw new Error(`webpack emitted ${emitted.length} .wasm files`);
      return withStatic(dir, (url) => inPage(browser, `${url}/index.html`));
    },
  },
  {
    name: 'parcel',
    browser: true,
    async run(dir, browser) {
      sh(dir, 'npx', ['parcel', 'build', 'index.html', '--no-cache']);
      const emitted = listWasm(join(dir, 'dist'));
      if (emitted.length < 3) throw new Error(`parcel emitted ${emitted.length} .wasm files`);
      return withStatic(join(dir, 'dist'), (url) => inPage(browser, `${url}/index.html`));
    },
  },
  {
    name: 'plain-html',
    browser: true,
    run: (dir, browser) => withStatic(dir, (url) => inPage(browser, `${url}/index.html`)),
  },
  {
    name: 'self-hosted',
    browser: true,
    run(dir, browser) {
      // Move the binaries and the worker script to a "CDN" folder served from another origin.
      const dist = join(dir, 'node_modules', 'diabolo', 'dist');
      const cdn = join(dir, 'cdn');
      mkdirSync(cdn);
      renameSync(join(dist, 'wasm'), join(cdn, 'wasm'));
      mkdirSync(join(cdn, 'worker'));
      renameSync(join(dist, 'worker', 'browser.js'), join(cdn, 'worker', 'browser.js'));
      mkdirSync(join(dist, 'wasm'));
      copyFileSync(join(cdn, 'wasm', 'glue.js'), join(dist, 'wasm', 'glue.js'));
      return withStatic(
        cdn,
        (cdnUrl) => withStatic(dir, (url) => inPage(browser, `${url}/index.html?cdn=${encodeURIComponent(cdnUrl)}`)),
        { cors: true },
      );
    },
  },
];

// --- helpers --------------------------------------------------------------------------------

function sh(cwd, cmd, args, env = {}) {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

function listWasm(dir) {
  if (!existsSync(dir)) return [];
  return execFileSync('find', [dir, '-name', '*.wasm'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function freePort() {
  return new Promise((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Run a dev/preview server of the project on a free port until `use(url)` settles. */
async function withServer(dir, args, use) {
  const port = await freePort();
  const child = spawn('npx', [...args, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited:\n${log}`);
      try {
        if ((await fetch(url)).ok) break;
      } catch {}
      if (Date.now() > deadline) throw new Error(`server did not answer within 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return await use(url);
  } catch (e) {
    e.message += `\n--- server log ---\n${log}`;
    throw e;
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  }
}

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
};

/** A plain static file server of `dir`: what any web server does with a folder. */
async function withStatic(dir, use, { cors = false } = {}) {
  const server = createServer((req, res) => {
    if (cors) res.setHeader('Access-Control-Allow-Origin', '*');
    const file = normalize(join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await use(`http://127.0.0.1:${server.address().port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/** Open the page, wait for window.result, fail on any console error, page error or failed request. */
async function inPage(browser, url) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 60_000 });
    const result = await page.evaluate(() => window.result);
    const summary = checkTraining(result, { flavor: 'relaxed' });
    if (problems.length) throw new Error(problems.join('\n'));
    return summary;
  } catch (e) {
    if (problems.length) e.message += `\n${problems.join('\n')}`;
    throw e;
  } finally {
    await page.close();
  }
}

// --- main -------------------------------------------------------------------------------------

if (!existsSync(join(repo, 'dist', 'index.node.js'))) {
  console.error('test:consumers: dist/ is not built: run npm run build first');
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'diabolo-consumers-'));
const tarball = join(work, sh(repo, 'npm', ['pack', '--silent', '--pack-destination', work]).trim().split('\n').at(-1));
console.log(`[consumers] packed ${tarball.replace(`${work}/`, '')} in ${work}`);

const selected = PROJECTS.filter((p) => only.length === 0 || only.includes(p.name));
const chromium = existsSync(CHROMIUM);
if (!chromium)
  console.warn(`[consumers] no Chromium at ${CHROMIUM}: browser projects fail (run scripts/setup-browser.sh)`);

const installed = new Set();
function prepare(fixture) {
  const dir = join(work, fixture);
  if (installed.has(fixture)) return dir;
  cpSync(join(fixtures, fixture), dir, { recursive: true });
  for (const f of ['train.mjs', 'page.mjs']) cpSync(join(fixtures, 'shared', f), join(dir, f));
  if (fixture === 'vite' || fixture === 'parcel')
    cpSync(join(fixtures, 'shared', 'index.html'), join(dir, 'index.html'));
  const pkgFile = join(dir, 'package.json');
  writeFileSync(pkgFile, readFileSync(pkgFile, 'utf8').replace('"DIABOLO"', JSON.stringify(`file:${tarball}`)));
  const t = Date.now();
  sh(dir, 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']);
  console.log(`[consumers] ${fixture}: npm install ${((Date.now() - t) / 1000).toFixed(1)} s`);
  installed.add(fixture);
  return dir;
}

let browser;
const failures = [];
for (const project of selected) {
  const t = Date.now();
  try {
    const dir = prepare(project.fixture ?? project.name);
    if (project.browser && !browser) browser = await launch();
    const summary = await project.run(dir, browser);
    console.log(`[consumers] ✓ ${project.name} (${((Date.now() - t) / 1000).toFixed(1)} s): ${summary}`);
  } catch (e) {
    failures.push(project.name);
    console.log(`[consumers] ✗ ${project.name} (${((Date.now() - t) / 1000).toFixed(1)} s): ${e.message}`);
  }
}
await browser?.close();
if (process.env.DIABOLO_CONSUMERS_KEEP) console.log(`[consumers] kept ${work}`);
else rmSync(work, { recursive: true, force: true });
console.log(
  `[consumers] ${selected.length - failures.length} of ${selected.length} passed${failures.length ? `; failed: ${failures.join(', ')}` : ''}`,
);
process.exit(failures.length ? 1 : 0);
