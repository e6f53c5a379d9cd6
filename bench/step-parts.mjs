// node bench/step-parts.mjs [--flavor relaxed] [--batch 256] [--replicas 2]
// Where a data-parallel minibatch spends its time, per replica, for the deep autoencoder of
// bench:papers (784-1000-500-250-30 unrolled, untied, Adam) and the 784-512-784 model of
// bench:workers: the gradient of one shard, the copy of that gradient into shared memory, the
// copy of the other shards back into WASM memory, and the summed optimiser step. Everything
// runs on this thread, alone (no contention), through the raw WASM glue with the same calls
// the replicas make (see ts/src/core/replicas.ts).
//
// It answers whether a sharded optimiser step pays (each of n replicas sums and steps 1/n of
// the parameters, then publishes its updated share and gathers the others'): it halves the
// sum and step at n = 2, but the gathered parameters are copied as many bytes as the
// gradients it saves from copying, and it needs a second barrier. The table prints the
// measured parts and that projection. Writes bench/out/step-parts.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadMnist } from '../dist/index.node.js';
import { coreSpec, resolveAutoencoderConfig } from '../dist/model/config.js';
import { args, bestSeconds, relaxedSimdOrRelaunch, table } from './harness.mjs';

const opts = args();
const flavor = opts.flavor ?? 'relaxed';
if (flavor === 'relaxed') await relaxedSimdOrRelaunch();
const batch = Number(opts.batch ?? 256);
const replicas = Number(opts.replicas ?? 2);
if (!(Number.isInteger(batch) && batch > 0)) throw new Error(`--batch: expected a positive integer, got ${opts.batch}`);
if (!(Number.isInteger(replicas) && replicas >= 2))
  throw new Error(`--replicas: expected an integer ≥ 2, got ${opts.replicas}`);

const MODELS = {
  'deep AE 784-1000-500-250-30 (bench:papers)': {
    inputSize: 784,
    loss: 'bce',
    layers: [{ units: 1000 }, { units: 500 }, { units: 250 }, { units: 30, activation: 'linear' }],
    optimizer: { kind: 'adam' },
    seed: 1,
  },
  '784-512-784 (bench:workers)': {
    inputSize: 784,
    loss: 'bce',
    layers: [{ units: 512 }],
    optimizer: { kind: 'adam' },
    seed: 1,
  },
};

// The glue of the shipped build, instantiated here so that its memory can be read.
const dist = new URL('../dist/wasm/', import.meta.url);
const { default: createGlue } = await import(new URL('glue.js', dist).href);
const glue = createGlue();
const { memory: wasmMemory } = await glue.instantiate(
  await WebAssembly.compile(readFileSync(new URL(`diabolo-${flavor}.wasm`, dist))),
);
const x = loadMnist({ split: 'train', limit: batch * 8 });
const data = new glue.Dataset(x.data, x.rows, x.cols);
const rows = [];
const report = {
  flavor,
  batch,
  replicas,
  machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`,
  models: {},
};
for (const [name, config] of Object.entries(MODELS)) {
  const model = new glue.Model(coreSpec(resolveAutoencoderConfig(config)));
  model.beginEpoch(data);
  model.shardGradients(data, batch, 0, 0, replicas).free();
  const spans = model.gradientSpans();
  let size = 0;
  for (let s = 1; s < spans.length; s += 2) size += spans[s];
  const slots = new Float32Array(new SharedArrayBuffer(replicas * size * 4));
  const mine = slots.subarray(0, size);
  const memory = () => wasmMemory.buffer;
  const ms = (f) => 1000 * bestSeconds(f, { trials: 5, minSeconds: 0.3 });
  const gradient = ms((reps) => {
    for (let i = 0; i < reps; i++) model.shardGradients(data, batch, i % 8, 0, replicas).free();
  });
  const publish = ms((reps) => {
    for (let i = 0; i < reps; i++) {
      const buf = memory();
      for (let s = 0, at = 0; s < spans.length; s += 2) {
        mine.set(new Float32Array(buf, spans[s], spans[s + 1]), at);
        at += spans[s + 1];
      }
    }
  });
  const at = model.incomingPointer(replicas);
  const gather = ms((reps) => {
    for (let i = 0; i < reps; i++) {
      const incoming = new Float32Array(memory(), at, replicas * size);
      for (let k = 1; k < replicas; k++) incoming.set(slots.subarray(k * size, (k + 1) * size), k * size);
    }
  });
  // A tiny rate: the step's cost does not depend on it, and the weights stay sane.
  const step = ms((reps) => {
    for (let i = 0; i < reps; i++) model.applyIncoming(0, 1e-9, false);
  });
  model.free();
  const perStep = gradient + publish + gather + step;
  // Sharded: the sum and step over 1/n of the parameters; the gradient copies shrink to the
  // shares the others step ((n − 1)/n out, (n − 1)/n in), and the parameters come back the
  // same way ((1/n) out, (n − 1)/n in): the same bytes in all at n = 2.
  const sharded = gradient + publish + gather + step / replicas;
  report.models[name] = { parameters: size, gradient, publish, gather, step, perStep, shardedProjection: sharded };
  rows.push([
    name,
    size.toLocaleString('en'),
    gradient.toFixed(2),
    publish.toFixed(2),
    gather.toFixed(2),
    step.toFixed(2),
    `${((100 * (perStep - sharded)) / perStep).toFixed(1)}%`,
  ]);
}
data.free();
console.log(`${flavor}, batch ${batch} split over ${replicas} replicas; ${report.machine}`);
console.log(
  table(
    [
      'model',
      'parameters',
      'shard gradient (ms)',
      'publish (ms)',
      'gather (ms)',
      'sum + step (ms)',
      'sharded step saves at most',
    ],
    rows,
  ),
);
console.log('(the saving excludes the second barrier a sharded step needs; one replica, no contention)');
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(new URL('out/step-parts.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
