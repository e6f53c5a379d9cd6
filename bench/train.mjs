// npm run bench:train [-- --quick] [--no-browser] [--inline-ab [--rounds N]]
// Training throughput, quality and cost of diabolo against the peers a user would otherwise
// pick, all measured in this run on this machine:
// - workload "784-256-784": sigmoid units, cross-entropy, Adam (lr 1e-3), batch 128, MNIST
//   images in [0, 1], through diabolo (native Rust core, raw WASM per build, the TS facade
//   inline and in a worker, a worker in headless Chromium: the cost of each layer) and
//   TensorFlow.js (cpu and wasm backends, model.fit), brain.js (NeuralNetwork, one sample
//   per update, MSE), a careful hand-written NumPy/OpenBLAS loop (float32, preallocated
//   buffers, in place; its gradient checked first) and PyTorch on the CPU (nn.Linear,
//   BCEWithLogitsLoss, torch.optim.Adam; 1 and 2 threads each);
// - workload "784-512-256-64": the unrolled stack (784-512-256-64-256-512-784) trained end
//   to end at batch 32, 128 and 256, through diabolo and the fastest peers;
// - one full MNIST epoch (60 000 images) of 784-256-784 from a fresh model, in one worker,
//   with the loss it reaches against NumPy's from the same start;
// - encode throughput at batch 1 and 256, peak memory (WASM memory, process RSS), cold start
//   in Node and Chromium, .wasm sizes.
// Every implementation runs in its own process (peak RSS is per process). Writes
// bench/out/train.json and the chart bench/out/train-chart.{svg,png} (copied to
// docs/img/bench-train.png for docs/benchmarks.md).
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Autoencoder, loadMnist } from '../dist/index.node.js';
import { coreSpec, resolveAutoencoderConfig } from '../dist/model/config.js';
import { CHROMIUM, launch, serve } from './browser.mjs';
import { chartSvg, svgToPng } from './chart.mjs';
import { args, loadFlavor, table } from './harness.mjs';
import { pythonPeers } from './python-peers.mjs';

const opts = args();
const quick = Boolean(opts.quick);
const root = fileURLToPath(new URL('..', import.meta.url));
const out = new URL('out/', import.meta.url);
mkdirSync(out, { recursive: true });
const log = (s) => console.error(`[bench:train] ${s}`);
const dataFile = fileURLToPath(new URL('mnist.f32', out));

const adam = { kind: 'adam' };
const WORKLOADS = {
  '784-256-784': {
    sizes: [784, 256],
    config: { inputSize: 784, layers: [{ units: 256 }], loss: 'bce', optimizer: adam, seed: 1 },
  },
  '784-512-256-64': {
    sizes: [784, 512, 256, 64],
    config: {
      inputSize: 784,
      layers: [{ units: 512 }, { units: 256 }, { units: 64 }],
      loss: 'bce',
      optimizer: adam,
      seed: 1,
    },
  },
};
const LR = 1e-3;
/** Rows per timed epoch and timed epochs (after one untimed); the fastest epoch counts. */
const ROWS = quick ? 6400 : 12800;
const EPOCHS = quick ? 2 : 4;
const STACKED_ROWS = quick ? 3200 : 6400;
const STACKED_EPOCHS = quick ? 1 : 3;
const FULL_EPOCH_ROWS = quick ? 20000 : 60000;

// --- the child processes ------------------------------------------------------------------

/**
 * Peak resident memory of this process. Linux's VmHWM belongs to the process image (a
 * child's getrusage maxrss starts from its parent's peak, which would blur every column).
 */
function peakRss() {
  const hwm = /VmHWM:\s*(\d+) kB/.exec(
    existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '',
  );
  return hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** The first `rows` images of the data file, reading no more of it (peak RSS stays honest). */
function mnistRows(rows) {
  const data = new Float32Array(rows * 784);
  const fd = openSync(dataFile, 'r');
  readSync(fd, new Uint8Array(data.buffer), 0, data.byteLength, 0);
  closeSync(fd);
  return { rows, cols: 784, data };
}

/** Raw WASM of one flavour: the glue's Model and Dataset, no facade. */
async function rawWasm(job) {
  const glue = await loadFlavor(job.flavor, { hooks: false });
  const x = mnistRows(job.rows);
  const ds = new glue.Dataset(x.data, x.rows, x.cols);
  const model = new glue.Model(coreSpec(resolveAutoencoderConfig(WORKLOADS[job.workload].config)));
  model.trainEpoch(ds, job.batch, LR).free();
  let best = Number.POSITIVE_INFINITY;
  let loss = 0;
  for (let e = 0; e < job.epochs; e++) {
    const t = performance.now();
    const report = model.trainEpoch(ds, job.batch, LR);
    best = Math.min(best, (performance.now() - t) / 1000);
    // The epoch's terms by name (glue objects in WASM memory: freed once read).
    const terms = report.terms;
    loss = terms.total;
    terms.free();
    report.free();
  }
  return { samplesPerSecond: job.rows / best, loss, wasmBytes: glue.memoryBytes() };
}

/** The TS facade, inline or in a worker; `fresh` times the first epoch of a new model alone. */
async function facade(job) {
  const x = mnistRows(job.rows);
  const ae = await Autoencoder.create(WORKLOADS[job.workload].config, { backend: job.backend, flavor: job.flavor });
  const dataParallel = { workers: job.workers ?? 1 };
  if (!job.fresh) await ae.fit(x, { epochs: 1, batchSize: job.batch, learningRate: LR, dataParallel });
  const pieces = job.batchesPerCall === undefined ? {} : { batchesPerCall: job.batchesPerCall };
  const r = await ae.fit(x, { epochs: job.epochs, batchSize: job.batch, learningRate: LR, dataParallel, ...pieces });
  if (r.workers !== dataParallel.workers)
    throw new Error(`asked for ${dataParallel.workers} workers, got ${r.workers}`);
  const usage = await ae.memoryUsage();
  const flavor = ae.runtime.flavor;
  await ae.dispose();
  // The fastest epoch by the wall clock (elapsedMs is cumulative): what the caller waits,
  // with every call, copy and turn of the event loop between the core's calls.
  const wall = r.history.map((h, i) => h.elapsedMs - (i > 0 ? (r.history[i - 1]?.elapsedMs ?? 0) : 0));
  const best = job.rows / (Math.min(...wall) / 1000);
  return { samplesPerSecond: best, loss: r.losses.at(-1), wasmBytes: usage.wasmBytes, flavor };
}

async function tfjs(job) {
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(job.backend);
  await tf.ready();
  const { sizes } = WORKLOADS[job.workload];
  const data = tf.tensor2d(mnistRows(job.rows).data, [job.rows, 784]);
  const model = tf.sequential();
  const widths = [...sizes.slice(1), ...sizes.slice(0, -1).reverse()];
  for (const [i, units] of widths.entries()) {
    model.add(tf.layers.dense({ units, activation: 'sigmoid', ...(i === 0 ? { inputShape: [784] } : {}) }));
  }
  model.compile({ optimizer: tf.train.adam(LR), loss: 'binaryCrossentropy' });
  const warm = data.slice([0, 0], [job.batch, 784]);
  await model.fit(warm, warm, { batchSize: job.batch, epochs: 1, verbose: 0 });
  const t = performance.now();
  const h = await model.fit(data, data, { batchSize: job.batch, epochs: 1, verbose: 0, shuffle: true });
  const s = (performance.now() - t) / 1000;
  tf.dispose([data, warm]);
  model.dispose();
  // Keras' binary cross-entropy is a mean over the 784 outputs; ×784 for nats per image.
  return { samplesPerSecond: job.rows / s, loss: h.history.loss[0] * 784 };
}

function brainjs(job) {
  const require = createRequire(import.meta.url);
  const brain = require('brain.js');
  const x = mnistRows(job.rows);
  const set = [];
  for (let i = 0; i < job.rows; i++) {
    const v = Array.from(x.data.subarray(i * 784, (i + 1) * 784));
    set.push({ input: v, output: v });
  }
  const net = new brain.NeuralNetwork({ hiddenLayers: [256], activation: 'sigmoid' });
  net.train(set.slice(0, 8), { iterations: 1 });
  const t = performance.now();
  net.train(set, { iterations: 1, errorThresh: 1e-9 });
  return { samplesPerSecond: job.rows / ((performance.now() - t) / 1000) };
}

async function childMain(job) {
  const run = { wasm: rawWasm, facade, tfjs, brainjs }[job.kind];
  const r = await run(job);
  process.stdout.write(JSON.stringify({ ...r, rssBytes: peakRss() }));
  process.exit(0);
}

// --- the parent -------------------------------------------------------------------------

function nodeChild(job, flags = []) {
  const res = execFileSync(
    process.execPath,
    [...flags, fileURLToPath(import.meta.url), '--child', JSON.stringify(job)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    },
  );
  return JSON.parse(res);
}

function native(workload, rows, batch, epochs) {
  const specFile = fileURLToPath(new URL('spec.json', out));
  writeFileSync(specFile, coreSpec(resolveAutoencoderConfig(WORKLOADS[workload].config)));
  const argv = ['run', '-q', '--release', '-p', 'diabolo-core', '--example', 'train_bench', '--'];
  const res = execFileSync('cargo', [...argv, specFile, dataFile, `${rows}`, `${batch}`, `${LR}`, `${epochs}`], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RUSTFLAGS: '-C target-cpu=native', CARGO_TARGET_DIR: `${root}target/native-bench` },
  });
  return JSON.parse(res);
}

const { numpy, numpyReference, pytorch, torchMissing } = pythonPeers({
  root,
  dataFile,
  lr: LR,
  sizes: (workload) => WORKLOADS[workload].sizes,
});

/** Headless Chromium: training in a worker per flavour, and the cold start of a first visit. */
async function chromiumColumns(relaxedToo) {
  const server = await serve();
  const browser = await launch();
  try {
    const page = async () => {
      const context = await browser.newContext(); // a fresh cache: a first visit
      const p = await context.newPage();
      await p.goto(`${server.url}/bench/train-browser.html`);
      await p.waitForFunction(() => window.ready === true, null, { timeout: 60000 });
      return { p, context };
    };
    const starts = [];
    for (let i = 0; i < 5; i++) {
      const { p, context } = await page();
      starts.push(await p.evaluate(() => window.coldStartMs));
      await context.close();
    }
    const train = {};
    for (const flavor of relaxedToo ? ['simd128', 'relaxed'] : ['simd128']) {
      const { p, context } = await page();
      train[flavor] = await p.evaluate((job) => window.train(job), {
        config: WORKLOADS['784-256-784'].config,
        rows: ROWS,
        batchSize: 128,
        learningRate: LR,
        epochs: EPOCHS,
        flavor,
      });
      await context.close();
    }
    return { coldStartMs: Math.min(...starts), train, version: browser.version() };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Encode throughput (inference) at batch 1 and 256: diabolo inline vs TensorFlow.js wasm. */
async function encodeThroughput() {
  const x = mnistRows(256);
  const ae = await Autoencoder.create(WORKLOADS['784-256-784'].config);
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  const encoder = tf.sequential();
  encoder.add(tf.layers.dense({ units: 256, activation: 'sigmoid', inputShape: [784] }));
  const rows = [];
  for (const batch of [1, 256]) {
    const m = { rows: batch, cols: 784, data: x.data.subarray(0, batch * 784) };
    const t = tf.tensor2d(m.data, [batch, 784]);
    const time = async (f, n) => {
      await f();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await f();
      return (n * batch) / ((performance.now() - t0) / 1000);
    };
    const reps = batch === 1 ? 2000 : 200;
    rows.push({
      batch,
      diabolo: await time(() => ae.encode(m), reps),
      tfjsWasm: await time(async () => {
        const y = encoder.predict(t);
        await y.data();
        y.dispose();
      }, reps),
    });
    t.dispose();
  }
  await ae.dispose();
  return rows;
}

/** Cold start in a fresh Node process: import the package, instantiate WASM, build a model. */
function nodeColdStart() {
  const script = `const t0 = performance.now();
const d = await import(${JSON.stringify(new URL('../dist/index.node.js', import.meta.url).href)});
const ae = await d.Autoencoder.create({ inputSize: 784, hiddenSize: 256 });
process.stdout.write(String(performance.now() - t0));
await ae.dispose();`;
  const runs = [];
  for (let i = 0; i < 5; i++) {
    runs.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })));
  }
  return Math.min(...runs);
}

function wasmSizes() {
  return Object.fromEntries(
    ['scalar', 'simd128', 'relaxed'].map((f) => {
      const file = new URL(`../dist/wasm/diabolo-${f}.wasm`, import.meta.url);
      return [f, { bytes: statSync(file).size, gzip: gzipSync(readFileSync(file), { level: 9 }).length }];
    }),
  );
}

/** The MNIST training images the child processes read (bench/out/mnist.f32). */
function writeMnistFile() {
  const full = loadMnist({ split: 'train', limit: FULL_EPOCH_ROWS });
  writeFileSync(dataFile, Buffer.from(full.data.buffer, full.data.byteOffset, full.data.byteLength));
}

async function main() {
  writeMnistFile();
  const relaxedFlags = ['--experimental-wasm-relaxed-simd'];
  const rows = [];
  const add = (impl, workload, batch, layer, r, note = '') => {
    rows.push({
      impl,
      workload,
      batch,
      samplesPerSec: r.samplesPerSecond,
      loss: r.loss ?? null,
      layer,
      rssBytes: r.rssBytes ?? null,
      wasmBytes: r.wasmBytes ?? null,
      note,
    });
    log(`${workload} batch ${batch}, ${impl}: ${Math.round(r.samplesPerSecond)} samples/s`);
  };
  const W1 = '784-256-784';
  const job = (kind, extra) => ({ kind, workload: W1, batch: 128, rows: ROWS, epochs: EPOCHS, ...extra });

  const nat = native(W1, ROWS, 128, EPOCHS);
  add(`diabolo native Rust (same core, -C target-cpu=native, ${nat.kernel} kernel)`, W1, 128, 'native core', nat);
  for (const flavor of ['relaxed', 'simd128', 'scalar']) {
    const r = nodeChild(job('wasm', { flavor }), flavor === 'relaxed' ? relaxedFlags : []);
    add(`diabolo wasm ${flavor} (raw)`, W1, 128, 'raw wasm', r);
  }
  add(
    'diabolo facade, inline (simd128)',
    W1,
    128,
    'TS facade',
    nodeChild(job('facade', { backend: 'inline', flavor: 'simd128' })),
  );
  // Inline training runs in ~25 ms slices with the event loop let in between (since
  // 2026-11-30); the same model run one call per epoch, as before, in the same run.
  add(
    'diabolo facade, inline, one call per epoch (simd128)',
    W1,
    128,
    'TS facade',
    nodeChild(job('facade', { backend: 'inline', flavor: 'simd128', batchesPerCall: 1e9 })),
  );
  add(
    'diabolo facade, worker (simd128)',
    W1,
    128,
    'worker',
    nodeChild(job('facade', { backend: 'worker', flavor: 'simd128' })),
  );
  add(
    `diabolo facade, ${cpus().length} workers data-parallel (simd128)`,
    W1,
    128,
    'worker',
    nodeChild(job('facade', { backend: 'worker', flavor: 'simd128', workers: cpus().length })),
  );
  add(
    'diabolo facade, worker (relaxed)',
    W1,
    128,
    'worker',
    nodeChild(job('facade', { backend: 'worker', flavor: 'relaxed' }), relaxedFlags),
    'Node 20 with --experimental-wasm-relaxed-simd',
  );
  let browser = null;
  if (!opts['no-browser'] && existsSync(CHROMIUM)) {
    browser = await chromiumColumns(true);
    for (const r of Object.values(browser.train)) {
      add(`diabolo in Chromium ${browser.version.split('.')[0]}, worker (${r.flavor})`, W1, 128, 'browser worker', r);
    }
  } else log('Chromium columns skipped');
  // NumPy, 1 thread, alternating with an independent reference loop (bench/numpy_reference.py),
  // the best of each: the row that every ratio uses is the peer's best round, and the pair
  // says how much a NumPy expert could still gain over it. Then 2 threads.
  log('NumPy peer against the independent reference loop (1 thread, alternating)…');
  let peerBest = null;
  let referenceBest = 0;
  for (let round = 0; round < (quick ? 1 : 5); round++) {
    const r = numpy(W1, ROWS, 128, EPOCHS, 1);
    if (!peerBest || r.samplesPerSecond > peerBest.samplesPerSecond) peerBest = r;
    referenceBest = Math.max(referenceBest, numpyReference(ROWS, 128, EPOCHS).samplesPerSecond);
  }
  const numpyCheck = {
    peer: peerBest.samplesPerSecond,
    reference: referenceBest,
    peerOverReference: peerBest.samplesPerSecond / referenceBest,
  };
  log(
    `NumPy peer ${Math.round(numpyCheck.peer)} samples/s, reference ${Math.round(referenceBest)}: ${numpyCheck.peerOverReference.toFixed(3)}`,
  );
  add('NumPy + OpenBLAS, 1 thread', W1, 128, 'peer', peerBest, `numpy ${peerBest.numpy}, ${peerBest.blas}`);
  const np2 = numpy(W1, ROWS, 128, EPOCHS, 2);
  add('NumPy + OpenBLAS, 2 threads', W1, 128, 'peer', np2, `numpy ${np2.numpy}, ${np2.blas}`);
  const noTorch = torchMissing();
  if (noTorch) log(`PyTorch columns skipped: ${noTorch}`);
  else {
    for (const t of [1, 2]) {
      const r = pytorch(W1, ROWS, 128, EPOCHS, t);
      add(
        `PyTorch ${r.torch.split('+')[0]} CPU, ${t} thread${t > 1 ? 's' : ''}`,
        W1,
        128,
        'peer',
        r,
        `torch ${r.torch}, ${r.kernels}`,
      );
    }
  }
  const tfRows = (backend) => (backend === 'cpu' ? (quick ? 256 : 1024) : quick ? 1024 : 3072);
  for (const backend of ['wasm', 'cpu']) {
    const r = nodeChild(job('tfjs', { backend, rows: tfRows(backend) }));
    add(
      `TensorFlow.js 4.22 ${backend} backend (model.fit)`,
      W1,
      128,
      'peer',
      r,
      backend === 'wasm' ? '1 thread in Node' : '',
    );
  }
  add(
    'brain.js 2.0.0-beta.24 (one sample per update, MSE)',
    W1,
    128,
    'peer',
    nodeChild(job('brainjs', { rows: quick ? 128 : 512 })),
  );

  const W2 = '784-512-256-64';
  for (const batch of [32, 128, 256]) {
    const j = (kind, extra) => ({ kind, workload: W2, batch, rows: STACKED_ROWS, epochs: STACKED_EPOCHS, ...extra });
    add('diabolo native Rust', W2, batch, 'native core', native(W2, STACKED_ROWS, batch, STACKED_EPOCHS));
    add('diabolo wasm relaxed (raw)', W2, batch, 'raw wasm', nodeChild(j('wasm', { flavor: 'relaxed' }), relaxedFlags));
    add(
      'diabolo facade, worker (simd128)',
      W2,
      batch,
      'worker',
      nodeChild(j('facade', { backend: 'worker', flavor: 'simd128' })),
    );
    const dp = j('facade', { backend: 'worker', flavor: 'simd128', workers: cpus().length });
    add(`diabolo facade, ${cpus().length} workers data-parallel (simd128)`, W2, batch, 'worker', nodeChild(dp));
    add('NumPy + OpenBLAS, 1 thread', W2, batch, 'peer', numpy(W2, STACKED_ROWS, batch, STACKED_EPOCHS, 1));
    if (!noTorch) {
      const r = pytorch(W2, STACKED_ROWS, batch, STACKED_EPOCHS, 1);
      add(`PyTorch ${r.torch.split('+')[0]} CPU, 1 thread`, W2, batch, 'peer', r);
    }
    const tf = nodeChild(j('tfjs', { backend: 'wasm', rows: quick ? 512 : 1024 }));
    add('TensorFlow.js 4.22 wasm backend (model.fit)', W2, batch, 'peer', tf);
  }

  log(`one epoch of ${FULL_EPOCH_ROWS} images from a fresh model: diabolo worker vs NumPy…`);
  const fullJob = { kind: 'facade', workload: W1, batch: 128, rows: FULL_EPOCH_ROWS, epochs: 1, fresh: true };
  // A first epoch cannot be repeated on one model: three fresh models each, the fastest
  // counts (the losses are the same every time: same seed, same data).
  const fastest = (run) => {
    const runs = Array.from({ length: quick ? 1 : 3 }, run);
    return runs.reduce((a, b) => (b.samplesPerSecond > a.samplesPerSecond ? b : a));
  };
  const ourEpoch = fastest(() => nodeChild({ ...fullJob, backend: 'worker', flavor: 'simd128' }));
  const npEpoch = fastest(() => numpy(W1, FULL_EPOCH_ROWS, 128, 1, 1, false));
  const torchEpoch = noTorch ? null : fastest(() => pytorch(W1, FULL_EPOCH_ROWS, 128, 1, 1, false));
  const fullEpoch = {
    images: FULL_EPOCH_ROWS,
    diabolo: { seconds: FULL_EPOCH_ROWS / ourEpoch.samplesPerSecond, loss: ourEpoch.loss },
    numpy1t: { seconds: FULL_EPOCH_ROWS / npEpoch.samplesPerSecond, loss: npEpoch.loss },
    ...(torchEpoch
      ? { pytorch1t: { seconds: FULL_EPOCH_ROWS / torchEpoch.samplesPerSecond, loss: torchEpoch.loss } }
      : {}),
  };

  const encode = await encodeThroughput();
  const coldStart = { nodeMs: nodeColdStart(), chromiumMs: browser?.coldStartMs ?? null };
  const sizes = wasmSizes();
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  const speed = (prefix, workload = W1, batch = 128) =>
    rows.find((r) => r.impl.startsWith(prefix) && r.workload === workload && r.batch === batch)?.samplesPerSec;
  const ours = speed('diabolo facade, worker (simd128)');
  const relaxedRaw = speed('diabolo wasm relaxed');
  const numpy1t = speed('NumPy + OpenBLAS, 1 thread');
  const ratios = {
    vsTfjsWasm1t: ours / speed('TensorFlow.js 4.22 wasm'),
    vsTfjsCpu: ours / speed('TensorFlow.js 4.22 cpu'),
    vsBrainjs: ours / speed('brain.js'),
    vsNumpy1t: ours / numpy1t,
    relaxedRawVsNumpy1t: relaxedRaw / numpy1t,
    ...(noTorch
      ? {}
      : {
          vsPytorch1t: ours / speed('PyTorch', W1, 128),
          vsPytorch2t:
            ours / rows.find((r) => r.impl.startsWith('PyTorch') && r.impl.endsWith('2 threads'))?.samplesPerSec,
        }),
  };
  const report = {
    quick,
    workload: '784-256-784 sigmoid, BCE, Adam 1e-3, batch 128, MNIST (ratios: diabolo simd128 in one worker)',
    machine,
    rows,
    ratios,
    numpyCheck,
    fullEpoch,
    encode,
    coldStart,
    wasmSizes: sizes,
    ...(noTorch ? { pytorchSkipped: noTorch } : {}),
  };
  writeFileSync(new URL('train.json', out), `${JSON.stringify(report, null, 2)}\n`);

  const mib = (b) => (b == null ? '' : `${(b / 2 ** 20).toFixed(0)}`);
  console.log(`${machine}${browser ? `; Chromium ${browser.version}` : ''}`);
  for (const [workload, batches] of [
    [W1, [128]],
    [W2, [32, 128, 256]],
  ]) {
    for (const batch of batches) {
      const these = rows.filter((r) => r.workload === workload && r.batch === batch);
      const mine = speed('diabolo facade, worker (simd128)', workload, batch);
      console.log(`\n${workload}, batch ${batch}`);
      console.log(
        table(
          ['implementation', 'samples/s', '60k epoch', 'loss', 'peak RSS MiB', 'WASM MiB', 'diabolo worker ÷ this'],
          these.map((r) => [
            r.impl,
            Math.round(r.samplesPerSec),
            `${(60000 / r.samplesPerSec).toFixed(1)} s`,
            r.loss == null ? '' : r.loss.toFixed(2),
            mib(r.rssBytes),
            mib(r.wasmBytes),
            (mine / r.samplesPerSec).toFixed(2),
          ]),
        ),
      );
    }
  }
  console.log(
    `\nratios (diabolo simd128, one worker): ${Object.entries(ratios)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')}`,
  );
  console.log(
    `NumPy peer (the 1-thread row: its best of ${quick ? 1 : 5} rounds) vs the independent reference loop, alternating: ${Math.round(numpyCheck.peer)} vs ${Math.round(numpyCheck.reference)} samples/s, ${numpyCheck.peerOverReference.toFixed(3)}`,
  );
  console.log(
    `one epoch of ${FULL_EPOCH_ROWS} images, fresh model: diabolo worker ${fullEpoch.diabolo.seconds.toFixed(1)} s, loss ${fullEpoch.diabolo.loss.toFixed(2)}; NumPy 1 thread ${fullEpoch.numpy1t.seconds.toFixed(1)} s, loss ${fullEpoch.numpy1t.loss.toFixed(2)} (diabolo/NumPy loss ${(fullEpoch.diabolo.loss / fullEpoch.numpy1t.loss).toFixed(4)})${fullEpoch.pytorch1t ? `; PyTorch 1 thread ${fullEpoch.pytorch1t.seconds.toFixed(1)} s, loss ${fullEpoch.pytorch1t.loss.toFixed(2)}` : ''}`,
  );
  console.log(
    table(
      ['encode 784→256', 'diabolo samples/s', 'TF.js wasm samples/s', 'ratio'],
      encode.map((e) => [
        `batch ${e.batch}`,
        Math.round(e.diabolo),
        Math.round(e.tfjsWasm),
        (e.diabolo / e.tfjsWasm).toFixed(2),
      ]),
    ),
  );
  console.log(
    `cold start (import + instantiate + build a 784-256 model): Node ${coldStart.nodeMs.toFixed(0)} ms${coldStart.chromiumMs == null ? '' : `, Chromium first visit ${coldStart.chromiumMs.toFixed(0)} ms`}`,
  );
  console.log(
    `.wasm size: ${Object.entries(sizes)
      .map(([f, s]) => `${f} ${(s.bytes / 1024).toFixed(0)} KiB (${(s.gzip / 1024).toFixed(0)} KiB gzipped)`)
      .join(', ')}`,
  );

  const color = (r) => (r.impl.startsWith('diabolo') ? (r.layer === 'browser worker' ? '#2f7ed8' : '#1a9850') : '#999');
  const svg = chartSvg(
    `Training 784-256-784 on MNIST, batch 128 (${cpus().length} cores, same run)`,
    rows
      .filter((r) => r.workload === W1)
      .sort((a, b) => b.samplesPerSec - a.samplesPerSec)
      .map((r) => ({
        label: r.impl.replace(/ \(.*?(one sample|model\.fit|same core).*\)$/, ''),
        value: r.samplesPerSec,
        color: color(r),
      })),
  );
  writeFileSync(new URL('train-chart.svg', out), svg);
  if (existsSync(CHROMIUM)) {
    await svgToPng(svg, new URL('train-chart.png', out));
    if (!quick) copyFileSync(new URL('train-chart.png', out), new URL('../docs/img/bench-train.png', import.meta.url));
    console.log(`chart: bench/out/train-chart.png${quick ? '' : ' (and docs/img/bench-train.png)'}`);
  }
  console.log('written to bench/out/train.json');
}

/**
 * `--inline-ab`: inline training as it runs now (in ~25 ms slices with the event loop let in
 * after each) against one core call per epoch (as before 2026-11-30), and the worker, each in
 * its own process, alternating for `--rounds` rounds (default 5); the best of each, by the
 * wall clock. Writes bench/out/inline-ab.json.
 */
async function inlineAb() {
  writeMnistFile();
  const variants = {
    'inline, 25 ms slices (default)': { backend: 'inline' },
    'inline, one call per epoch': { backend: 'inline', batchesPerCall: 1e9 },
    worker: { backend: 'worker' },
  };
  const best = {};
  const rounds = Number(opts.rounds ?? 5);
  for (let round = 0; round < rounds; round++) {
    for (const [name, v] of Object.entries(variants)) {
      const job = {
        kind: 'facade',
        workload: '784-256-784',
        batch: 128,
        rows: ROWS,
        epochs: EPOCHS,
        flavor: 'simd128',
        ...v,
      };
      const r = nodeChild(job);
      best[name] = Math.max(best[name] ?? 0, r.samplesPerSecond);
      log(`round ${round + 1}, ${name}: ${Math.round(r.samplesPerSecond)} samples/s`);
    }
  }
  const base = best['inline, one call per epoch'];
  console.log(
    table(
      ['784-256-784, batch 128, simd128', 'samples/s (best)', '÷ one call per epoch'],
      Object.entries(best).map(([k, v]) => [k, Math.round(v), (v / base).toFixed(3)]),
    ),
  );
  writeFileSync(new URL('inline-ab.json', out), JSON.stringify({ rounds, rows: ROWS, epochs: EPOCHS, best }, null, 2));
}

if (opts.child) await childMain(JSON.parse(opts.child));
else if (opts['inline-ab']) await inlineAb();
else await main();
