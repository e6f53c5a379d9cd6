// npm run interop [-- --quick] [--keep]
// Models leaving diabolo, checked on the other side (issue #16), with Python from PyPI in
// .cache/interop-venv (scripts/setup-interop.sh: torch, safetensors, numpy, onnx,
// onnxruntime):
// - for every variant (plain, deep, tied, bce, linear, sparse, contractive, denoising with
//   each corruption, composed penalties, VAEs): `toPyTorch()` written to a folder; Python's
//   safetensors package reads model.safetensors (names, shapes, values bit for bit); the
//   generated model.py, in float64, against diabolo on the same inputs: reconstruct, encode,
//   decode; its loss terms against diabolo's (evaluate, and the penalties of a training
//   step); its autograd gradient against diabolo's (one SGD step, lr 1, on the whole batch);
// - train.py for one epoch with two DistributedDataParallel processes (torchrun, gloo, on
//   loopback) on MNIST, the result loaded back with Autoencoder.fromSafetensors, the loss
//   before and after evaluated in diabolo;
// - ONNX: when `ae.toOnnx` exists, each part through the onnx checker and Python's
//   onnxruntime against diabolo (skipped with a note otherwise).
// Writes bench/out/interop.json; exits 1 if a check fails, 3 if Python's packages cannot be
// installed here (the report says so).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Autoencoder, loadMnist, mnistDir, shapes } from '../dist/index.node.js';
import { torchTensors } from '../dist/interop/pytorch.js';
import { args } from './harness.mjs';

const opts = args();
const quick = Boolean(opts.quick);
const root = fileURLToPath(new URL('..', import.meta.url));
const out = new URL('out/', import.meta.url);
mkdirSync(out, { recursive: true });
const log = (s) => console.error(`[interop] ${s}`);
const started = performance.now();
const work = mkdtempSync(join(tmpdir(), 'diabolo-interop-'));
const python = `${root}.cache/interop-venv/bin/python`;
const torchrun = `${root}.cache/interop-venv/bin/torchrun`;

/** Tolerances of the checks (the PyTorch side runs in float64: the differences are diabolo's float32 rounding). */
const TOLERANCE = {
  forward: 1e-5, // max |torch − diabolo| / max |diabolo| of reconstruct, encode, decode (and ONNX)
  terms: 1e-5, // |torch − diabolo| / |diabolo| of each loss term (absolute below 1e-9)
  gradient: 1e-5, // max |∇torch − ∇diabolo| / max |∇diabolo|, ∇diabolo from one SGD step in float32
};

const adam = { kind: 'adam' };
/** Every variant, on 12×12 shapes (144 inputs in [0, 1]). */
const VARIANTS = {
  plain: { inputSize: 144, hiddenSize: 24 },
  deep: {
    inputSize: 144,
    layers: [
      { units: 48, activation: 'relu' },
      { units: 24, activation: 'tanh' },
      { units: 8, activation: 'elu' },
    ],
    optimizer: adam,
  },
  tied: {
    inputSize: 144,
    layers: [
      { units: 48, activation: 'leakyRelu', activationAlpha: 0.2 },
      { units: 16, activation: 'softplus' },
    ],
    tiedWeights: true,
    optimizer: { kind: 'momentum', momentum: 0.8, nesterov: true },
  },
  bce: {
    inputSize: 144,
    layers: [{ units: 32, activation: 'tanh' }],
    loss: 'bce',
    optimizer: { kind: 'adamw', weightDecay: 0.05 },
  },
  linear: { inputSize: 144, layers: [{ units: 8, activation: 'linear' }], outputActivation: 'linear', optimizer: adam },
  sparse: { inputSize: 144, hiddenSize: 32, sparsity: { rho: 0.05, beta: 3 }, l2: 1e-3 },
  contractive: { inputSize: 144, hiddenSize: 24, contractive: 0.1 },
  'silu-gelu-contractive': {
    inputSize: 144,
    layers: [
      { units: 32, activation: 'silu' },
      { units: 12, activation: 'gelu' },
    ],
    contractive: 0.05,
    optimizer: adam,
  },
  l1: { inputSize: 144, hiddenSize: 24, loss: 'l1', l2: 1e-3, optimizer: adam },
  'contractive-elu': {
    inputSize: 144,
    layers: [{ units: 24, activation: 'elu', activationAlpha: 0.7 }],
    contractive: 0.05,
    optimizer: adam,
  },
  'denoising-mask': { inputSize: 144, hiddenSize: 32, corruption: { kind: 'mask', nu: 0.3 } },
  'denoising-gaussian': { inputSize: 144, hiddenSize: 32, corruption: { kind: 'gaussian', sigma: 0.1 }, loss: 'bce' },
  'denoising-saltpepper': {
    inputSize: 144,
    hiddenSize: 32,
    corruption: { kind: 'saltPepper', nu: 0.1, low: 0, high: 1 },
  },
  composed: {
    inputSize: 144,
    layers: [
      { units: 48, sparsity: { rho: 0.1, beta: 1 }, l2: 1e-3, contractive: 0.01 },
      { units: 16, activation: 'softplus', contractive: 0.02, l2: 5e-4 },
    ],
    corruption: { kind: 'mask', nu: 0.1 },
    optimizer: adam,
  },
  'tied-penalties': {
    inputSize: 144,
    layers: [{ units: 32, sparsity: { rho: 0.2, beta: 0.5 }, l2: 1e-3, contractive: 0.05 }],
    tiedWeights: true,
    loss: 'bce',
  },
  vae: {
    inputSize: 144,
    layers: [{ units: 32, activation: 'tanh' }],
    vae: { latentSize: 4, beta: 0.5 },
    loss: 'bce',
    optimizer: adam,
  },
  'vae-deep-penalties': {
    inputSize: 144,
    layers: [
      { units: 32, sparsity: { rho: 0.1, beta: 0.5 }, l2: 1e-3 },
      { units: 16, activation: 'relu', contractive: 0.01 },
    ],
    vae: { latentSize: 2 },
    optimizer: adam,
  },
};

/** A float32 .npy file of a matrix. */
function npy(m) {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  const h = `${header}${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const bytes = new Uint8Array(10 + h.length + 4 * m.data.length);
  bytes.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(bytes.buffer).setUint16(8, h.length, true);
  bytes.set(new TextEncoder().encode(h), 10);
  bytes.set(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength), 10 + h.length);
  return bytes;
}

/** Each tensor of a parameter vector by its PyTorch name. */
function byName(topology, weights) {
  return Object.fromEntries(
    torchTensors(topology).map(({ name, span }) => [
      name,
      Array.from(weights.subarray(span.offset, span.offset + span.shape.reduce((a, b) => a * b, 1))),
    ]),
  );
}

async function writeFiles(dir, files) {
  mkdirSync(dir, { recursive: true });
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents);
}

/** Train a variant briefly, export it and compute what Python must reproduce. */
async function prepareVariant(name, config, x, train) {
  const ae = await Autoencoder.create({ ...config, seed: 3 });
  try {
    await ae.fit(train, { epochs: 2, batchSize: 32 });
    const dir = join(work, name);
    await writeFiles(dir, await ae.toPyTorch());
    writeFileSync(join(dir, 'x.npy'), npy(x));
    const weights = await ae.getWeights();
    const codes = ae.isVariational
      ? { rows: 16, cols: ae.codeSize, data: Float32Array.from({ length: 16 * ae.codeSize }, (_, i) => Math.sin(i)) }
      : await ae.encode({ rows: 16, cols: 144, data: train.data.subarray(0, 16 * 144) });
    const evaluation = await ae.evaluate(x);
    // The penalties (and the gradient) of a training step on the whole batch, uncorrupted:
    // a copy with plain SGD; the step's terms are computed before it updates the weights.
    const { corruption: _c, optimizer: _o, ...rest } = config;
    const copy = await Autoencoder.create({ ...rest, seed: 3, optimizer: { kind: 'sgd' } });
    let stepTerms;
    let stepped;
    try {
      await copy.setWeights(weights);
      const r = await copy.fit(x, { epochs: 1, batchSize: x.rows, learningRate: 1 });
      stepTerms = r.history[0].terms;
      stepped = await copy.getWeights();
    } finally {
      await copy.dispose();
    }
    const errors = await ae.reconstructionErrors(x);
    const meanError = errors.perSample.reduce((a, b) => a + b, 0) / x.rows;
    const reference = {
      tensorNames: torchTensors(ae.topology).map((t) => t.name),
      weights: byName(ae.topology, weights),
      reconstruct: Array.from((await ae.reconstruct(x)).data),
      encode: Array.from((await ae.encode(x)).data),
      codes: Array.from(codes.data),
      decode: Array.from((await ae.decode(codes)).data),
      terms: {
        // evaluate: clean inputs; a VAE's evaluate samples z, so its reconstruction at z = μ
        // comes from reconstructionErrors (the deterministic reconstruction).
        reconstruction: ae.isVariational ? meanError : evaluation.reconstruction,
        kl: evaluation.kl,
        sparsity: stepTerms.sparsity,
        contractive: stepTerms.contractive,
        l2: stepTerms.l2,
      },
      // A VAE's step samples its code with diabolo's generator: no gradient to compare.
      ...(ae.isVariational ? {} : { stepped: byName(ae.topology, stepped), stepLearningRate: 1 }),
    };
    writeFileSync(join(dir, 'reference.json'), JSON.stringify(reference));
    const onnx = [];
    // --- ONNX checks: they run once `ae.toOnnx` (the ONNX export, issue #16) is in the build.
    if (typeof ae.toOnnx === 'function') {
      const parts = {
        encoder: { input: x, expected: reference.encode },
        decoder: { input: codes, expected: reference.decode },
        autoencoder: { input: x, expected: reference.reconstruct },
      };
      for (const [part, p] of Object.entries(parts)) {
        const file = join(dir, `${part}.onnx`);
        writeFileSync(file, await ae.toOnnx({ part }));
        const input = join(dir, `${part}-input.npy`);
        writeFileSync(input, npy(p.input));
        onnx.push({ name, part, file, input, expected: p.expected });
      }
    }
    // --- end of the ONNX checks.
    return { variant: { name, dir, data: join(dir, 'x.npy'), reference: join(dir, 'reference.json') }, onnx };
  } finally {
    await ae.dispose();
  }
}

/** Judge one variant's results against the tolerances. */
function judge(r) {
  if (r.error) return [`error: ${r.error}`];
  const fails = [];
  const s = r.safetensors;
  if (!s.namesAsExpected) fails.push('safetensors: other tensor names');
  if (!s.valuesEqual) fails.push('safetensors: values differ from getWeights()');
  if (s.dtypes.join() !== 'float32') fails.push(`safetensors: dtypes ${s.dtypes}`);
  for (const k of ['reconstruct', 'encode', 'decode']) {
    if (r[k].error || !(r[k].maxRel <= TOLERANCE.forward)) fails.push(`${k}: ${JSON.stringify(r[k])}`);
  }
  for (const [k, t] of Object.entries(r.terms)) {
    if (!(t.abs <= 1e-9 || t.rel <= TOLERANCE.terms)) fails.push(`term ${k}: ${JSON.stringify(t)}`);
  }
  if (r.gradient && !(r.gradient.maxRel <= TOLERANCE.gradient)) fails.push(`gradient: ${JSON.stringify(r.gradient)}`);
  return fails;
}

function runPython(argv, env = {}) {
  const r = spawnSync(python, argv, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** One epoch of train.py with two DDP processes (torchrun, gloo, loopback) on MNIST, and back. */
async function ddpRun() {
  const rows = quick ? 12000 : 60000;
  const mnistFile = join(mnistDir(), 'train-images-idx3-ubyte');
  const trainSet = loadMnist({ split: 'train', limit: rows });
  const test = loadMnist({ split: 'test', limit: quick ? 2000 : 10000 });
  const config = {
    inputSize: 784,
    layers: [{ units: 256, l2: 1e-5 }],
    loss: 'bce',
    corruption: { kind: 'mask', nu: 0.2 },
    optimizer: adam,
    seed: 1,
  };
  const ae = await Autoencoder.create(config);
  const dir = join(work, 'ddp');
  let before;
  let exported;
  try {
    const warm = { rows: 10000, cols: 784, data: trainSet.data.subarray(0, 10000 * 784) };
    await ae.fit(warm, { epochs: 1, batchSize: 128, learningRate: 1e-3 });
    before = { test: await ae.evaluate(test), train: await ae.evaluate(trainSet) };
    exported = await ae.toPyTorch();
    await writeFiles(dir, exported);
  } finally {
    await ae.dispose();
  }
  const outFile = join(dir, 'trained.safetensors');
  const reportFile = join(dir, 'train-report.json');
  const t0 = performance.now();
  const argv = [
    '--standalone',
    '--nproc_per_node=2',
    join(dir, 'train.py'),
    '--data',
    mnistFile,
    '--limit',
    String(rows),
    '--epochs',
    '1',
    '--batch-size',
    '128',
    '--lr',
    '0.001',
    '--out',
    outFile,
    '--report',
    reportFile,
  ];
  log(`torchrun ${argv.join(' ')}`);
  const r = spawnSync(torchrun, argv, {
    encoding: 'utf8',
    env: { ...process.env, GLOO_SOCKET_IFNAME: 'lo', MASTER_ADDR: '127.0.0.1', OMP_NUM_THREADS: '1' },
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`torchrun failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const back = await Autoencoder.fromSafetensors(readFileSync(outFile));
  let after;
  try {
    after = { test: await back.evaluate(test), train: await back.evaluate(trainSet) };
  } finally {
    await back.dispose();
  }
  const pick = (e) => ({ reconstruction: e.reconstruction, total: e.total });
  return {
    model:
      '784-256-784 sigmoid, BCE from logits, masking noise 0.2, L2 1e-5, Adam 1e-3 (1 epoch of diabolo on 10 000 images first)',
    rows,
    batchSize: 128,
    processes: report.processes,
    backend: 'gloo (CPU, loopback), 1 thread per process',
    torchrunSeconds: seconds,
    epochSeconds: report.epochs[0].seconds,
    trainPyEpoch: report.epochs[0],
    before: { test: pick(before.test), train: pick(before.train) },
    after: { test: pick(after.test), train: pick(after.train) },
    lossFell:
      after.test.reconstruction < before.test.reconstruction &&
      after.train.reconstruction < before.train.reconstruction,
  };
}

async function main() {
  const setup = spawnSync('bash', [`${root}scripts/setup-interop.sh`], { stdio: 'inherit' });
  const report = {
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
    machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`,
    quick,
  };
  if (setup.status !== 0) {
    report.skipped = `the Python packages could not be installed here (scripts/setup-interop.sh exited ${setup.status}); nothing was checked in Python`;
    writeFileSync(new URL('interop.json', out), `${JSON.stringify(report, null, 2)}\n`);
    log(report.skipped);
    process.exit(3);
  }
  report.versions = runPython([fileURLToPath(new URL('interop.py', import.meta.url)), 'versions']);
  report.tolerances = TOLERANCE;
  const x = shapes({ count: 200, size: 12, seed: 7 });
  const train = shapes({ count: 512, size: 12, seed: 1 });
  const job = { variants: [], onnx: [] };
  for (const [name, config] of Object.entries(VARIANTS)) {
    const p = await prepareVariant(name, config, x, train);
    job.variants.push(p.variant);
    job.onnx.push(...p.onnx);
  }
  const jobFile = join(work, 'job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  log(`checking ${job.variants.length} variants in Python`);
  const results = runPython([fileURLToPath(new URL('interop.py', import.meta.url)), 'check', jobFile]);
  const failures = [];
  report.variants = results.variants.map((r) => {
    const fails = judge(r);
    failures.push(...fails.map((f) => `${r.name}: ${f}`));
    return { ...r, passed: fails.length === 0 };
  });
  const worst = (k) => Math.max(...results.variants.filter((r) => r[k]).map((r) => r[k].maxRel));
  report.worst = {
    forwardRel: Math.max(worst('reconstruct'), worst('encode'), worst('decode')),
    termRel: Math.max(
      ...results.variants.flatMap((r) => Object.values(r.terms ?? {}).map((t) => (t.abs <= 1e-9 ? 0 : t.rel))),
    ),
    gradientRel: worst('gradient'),
  };
  if (job.onnx.length === 0) {
    report.onnx = {
      skipped:
        'ae.toOnnx is not in this build (the ONNX export of issue #16 lands separately); these checks run once it is',
    };
  } else {
    report.onnx = results.onnx.map((o) => {
      const ok = !o.error && o.compare.maxRel <= TOLERANCE.forward;
      if (!ok) failures.push(`onnx ${o.name} ${o.part}: ${o.error ?? JSON.stringify(o.compare)}`);
      return { ...o, passed: ok };
    });
  }
  log('train.py with torchrun, 2 processes…');
  try {
    report.ddp = await ddpRun();
    if (!report.ddp.lossFell) failures.push('ddp: the loss did not fall');
  } catch (e) {
    report.ddp = { error: e.message };
    failures.push(`ddp: ${e.message}`);
  }
  report.seconds = (performance.now() - started) / 1000;
  report.failures = failures;
  report.passed = failures.length === 0;
  writeFileSync(new URL('interop.json', out), `${JSON.stringify(report, null, 2)}\n`);
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);

  const v = report.versions;
  console.log(
    `torch ${v.torch}, safetensors ${v.safetensors}, numpy ${v.numpy}, onnx ${v.onnx}, onnxruntime ${v.onnxruntime}`,
  );
  for (const r of report.variants) {
    const g = r.gradient ? r.gradient.maxRel.toExponential(1) : '—';
    const f = r.error
      ? r.error
      : `forward ${Math.max(r.reconstruct.maxRel, r.encode.maxRel, r.decode.maxRel).toExponential(1)}, gradient ${g}`;
    console.log(`${r.passed ? 'ok  ' : 'FAIL'} ${r.name.padEnd(22)} ${f}`);
  }
  console.log(
    `worst: forward ${report.worst.forwardRel.toExponential(2)} (≤ ${TOLERANCE.forward}), terms ${report.worst.termRel.toExponential(2)} (≤ ${TOLERANCE.terms}), gradient ${report.worst.gradientRel.toExponential(2)} (≤ ${TOLERANCE.gradient})`,
  );
  console.log(
    report.onnx.skipped
      ? `onnx: skipped — ${report.onnx.skipped}`
      : `onnx: ${report.onnx.filter((o) => o.passed).length}/${report.onnx.length} parts pass`,
  );
  if (report.ddp && !report.ddp.error) {
    const d = report.ddp;
    console.log(
      `DDP (${d.processes} processes, ${d.rows} rows): test reconstruction ${d.before.test.reconstruction.toFixed(3)} → ${d.after.test.reconstruction.toFixed(3)}, train ${d.before.train.reconstruction.toFixed(3)} → ${d.after.train.reconstruction.toFixed(3)}; epoch ${d.epochSeconds.toFixed(1)} s, torchrun ${d.torchrunSeconds.toFixed(1)} s`,
    );
  }
  console.log(
    `${report.passed ? 'interop: all checks pass' : `interop: ${failures.length} failures\n  ${failures.join('\n  ')}`} (${report.seconds.toFixed(0)} s; bench/out/interop.json)`,
  );
  process.exit(report.passed ? 0 : 1);
}

await main();
