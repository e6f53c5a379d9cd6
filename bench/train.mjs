// npm run bench:train [-- --quick]
// Training throughput of the issue's workload — a 784-256-784 autoencoder, sigmoid units,
// cross-entropy, Adam (lr 1e-3), batch 128, MNIST images in [0, 1] — through diabolo (native
// Rust core, raw WASM per build, the TS facade inline and in a worker: cost per layer) and
// the peers a user would otherwise pick, all measured in this run on this machine:
// TensorFlow.js (cpu and wasm backends, model.fit), brain.js (NeuralNetwork, one sample per
// update, MSE) and a hand-written NumPy/OpenBLAS loop (1 and 2 threads).
// Writes bench/out/train.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { relaxedSimd } from 'wasm-feature-detect';
import { Autoencoder, loadMnist } from '../dist/index.node.js';
import { coreSpec, resolveAutoencoderConfig } from '../dist/model/config.js';
import { args, loadFlavor, table } from './harness.mjs';

const opts = args();
const quick = Boolean(opts.quick);
const root = fileURLToPath(new URL('..', import.meta.url));
const out = new URL('out/', import.meta.url);
mkdirSync(out, { recursive: true });
const log = (s) => console.error(`[bench:train] ${s}`);

const CONFIG = { inputSize: 784, layers: [{ units: 256 }], loss: 'bce', optimizer: { kind: 'adam' }, seed: 1 };
const SPEC = coreSpec(resolveAutoencoderConfig(CONFIG));
const BATCH = 128;
const LR = 1e-3;
const ROWS = quick ? 6400 : 12800;
/** Timed epochs; the fastest counts (this machine is shared and noisy). */
const EPOCHS = quick ? 2 : 5;

/** Child mode: raw WASM of one flavour (relaxed needs a Node flag on Node 20). */
async function rawWasm(flavor) {
  const glue = await loadFlavor(flavor);
  const x = loadMnist({ limit: ROWS });
  const ds = new glue.Dataset(x.data, x.rows, x.cols);
  const model = new glue.Model(SPEC);
  model.trainEpoch(ds, BATCH, LR);
  let best = Number.POSITIVE_INFINITY;
  let loss = 0;
  for (let e = 0; e < EPOCHS; e++) {
    const t = performance.now();
    loss = model.trainEpoch(ds, BATCH, LR)[5];
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  process.stdout.write(JSON.stringify({ samplesPerSecond: ROWS / best, loss }));
}

function child(flavor, flags = []) {
  const script = fileURLToPath(import.meta.url);
  const res = execFileSync(process.execPath, [...flags, script, '--child', flavor, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(res);
}

async function facade(backend, x) {
  const ae = await Autoencoder.create(CONFIG, { backend });
  await ae.fit(x, { epochs: 1, batchSize: BATCH, learningRate: LR });
  const r = await ae.fit(x, { epochs: EPOCHS, batchSize: BATCH, learningRate: LR });
  await ae.dispose();
  // The fastest epoch, as reported in progress (the engine's own timing of the call).
  const best = Math.max(...r.history.map((h) => h.samplesPerSecond));
  return { samplesPerSecond: best, loss: r.losses.at(-1), flavor: ae.runtime.flavor };
}

function native(dataFile) {
  const specFile = fileURLToPath(new URL('spec.json', out));
  writeFileSync(specFile, SPEC);
  const res = execFileSync(
    'cargo',
    [
      'run',
      '-q',
      '--release',
      '-p',
      'diabolo-core',
      '--example',
      'train_bench',
      '--',
      specFile,
      dataFile,
      `${ROWS}`,
      `${BATCH}`,
      `${LR}`,
      `${EPOCHS}`,
    ],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, RUSTFLAGS: '-C target-cpu=native', CARGO_TARGET_DIR: `${root}target/native-bench` },
    },
  );
  return JSON.parse(res);
}

function numpy(dataFile, threads) {
  const python = `${root}.cache/bench-venv/bin/python`;
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines here for old OpenBLAS builds)
  // slow a current one: unset both for this command only.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: `${threads}` };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const res = execFileSync(
    python,
    [`${root}bench/numpy_ae.py`, dataFile, `${ROWS}`, `${BATCH}`, `${LR}`, `${EPOCHS}`],
    {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(res);
}

async function tfjs(backend, x) {
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backend);
  await tf.ready();
  const rows = backend === 'cpu' ? (quick ? 256 : 1024) : quick ? 1024 : 3072;
  const data = tf.tensor2d(x.data.subarray(0, rows * 784), [rows, 784]);
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 256, activation: 'sigmoid', inputShape: [784] }));
  model.add(tf.layers.dense({ units: 784, activation: 'sigmoid' }));
  model.compile({ optimizer: tf.train.adam(LR), loss: 'binaryCrossentropy' });
  const warm = data.slice([0, 0], [BATCH, 784]);
  await model.fit(warm, warm, { batchSize: BATCH, epochs: 1, verbose: 0 });
  const t = performance.now();
  const h = await model.fit(data, data, { batchSize: BATCH, epochs: 1, verbose: 0, shuffle: true });
  const s = (performance.now() - t) / 1000;
  tf.dispose([data, warm]);
  model.dispose();
  // Keras' binary cross-entropy is a mean over the 784 outputs; ×784 for nats per image.
  return { samplesPerSecond: rows / s, loss: h.history.loss[0] * 784, samples: rows };
}

function brainjs(x) {
  const require = createRequire(import.meta.url);
  const brain = require('brain.js');
  const rows = quick ? 128 : 512;
  const set = [];
  for (let i = 0; i < rows; i++) {
    const v = Array.from(x.data.subarray(i * 784, (i + 1) * 784));
    set.push({ input: v, output: v });
  }
  const net = new brain.NeuralNetwork({ hiddenLayers: [256], activation: 'sigmoid' });
  net.train(set.slice(0, 8), { iterations: 1 });
  const t = performance.now();
  net.train(set, { iterations: 1, errorThresh: 1e-9 });
  const s = (performance.now() - t) / 1000;
  return { samplesPerSecond: rows / s, samples: rows };
}

/** Encode throughput (inference) at batch 1 and 256: diabolo inline vs TensorFlow.js wasm. */
async function encodeThroughput(x) {
  const ae = await Autoencoder.create(CONFIG);
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
function coldStart() {
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
      const file = new URL(`../dist/wasm/${f}/diabolo_bg.wasm`, import.meta.url);
      return [f, { bytes: statSync(file).size, gzip: gzipSync(readFileSync(file), { level: 9 }).length }];
    }),
  );
}

async function main() {
  const x = loadMnist({ limit: ROWS });
  const dataFile = fileURLToPath(new URL('mnist.f32', out));
  writeFileSync(dataFile, Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength));
  const relaxedFlags = (await relaxedSimd()) ? [] : ['--experimental-wasm-relaxed-simd'];
  const rows = [];
  const add = (impl, layer, r, note = '') => {
    rows.push({ impl, layer, ...r, note });
    log(`${impl}: ${Math.round(r.samplesPerSecond)} samples/s`);
  };
  add('diabolo native Rust (same core, -C target-cpu=native)', 'native core', native(dataFile));
  add('diabolo wasm relaxed (raw)', 'raw wasm', child('relaxed', relaxedFlags));
  add('diabolo wasm simd128 (raw)', 'raw wasm', child('simd128'));
  add('diabolo wasm scalar (raw)', 'raw wasm', child('scalar'));
  const inline = await facade('inline', x);
  add(`diabolo facade, inline (${inline.flavor})`, 'TS facade', inline);
  const worker = await facade('worker', x);
  add(`diabolo facade, worker (${worker.flavor})`, 'worker', worker);
  for (const t of [1, 2]) {
    const r = numpy(dataFile, t);
    add(`NumPy + OpenBLAS, ${t} thread${t > 1 ? 's' : ''}`, 'peer', r, `numpy ${r.numpy}, ${r.blas}`);
  }
  add('TensorFlow.js 4.22 wasm backend (model.fit)', 'peer', await tfjs('wasm', x), '1 thread in Node');
  add('TensorFlow.js 4.22 cpu backend (model.fit)', 'peer', await tfjs('cpu', x));
  add('brain.js 2.0.0-beta.24 (one sample per update, MSE)', 'peer', brainjs(x));

  const encode = await encodeThroughput(x);
  const startMs = coldStart();
  const sizes = wasmSizes();
  const ours = rows.find((r) => r.impl.startsWith('diabolo facade, inline')).samplesPerSecond;
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  const report = {
    quick,
    workload: '784-256-784 sigmoid, BCE, Adam 1e-3, batch 128, MNIST',
    rows: ROWS,
    epochs: EPOCHS,
    machine,
    results: rows,
  };
  writeFileSync(new URL('train.json', out), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`workload: ${report.workload}; ${machine}`);
  console.log(
    table(
      ['implementation', 'samples/s', 'one 60k epoch', 'diabolo inline ÷ this'],
      rows.map((r) => [
        r.impl,
        Math.round(r.samplesPerSecond),
        `${(60000 / r.samplesPerSecond).toFixed(1)} s`,
        (ours / r.samplesPerSecond).toFixed(2),
      ]),
    ),
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
    `cold start (import + instantiate + build a 784-256 model, fresh Node process): ${startMs.toFixed(0)} ms`,
  );
  console.log(
    `.wasm size: ${Object.entries(sizes)
      .map(([f, s]) => `${f} ${(s.bytes / 1024).toFixed(0)} KiB (${(s.gzip / 1024).toFixed(0)} KiB gzipped)`)
      .join(', ')}`,
  );
  console.log('written to bench/out/train.json');
}

if (opts.child) await rawWasm(opts.child);
else await main();
