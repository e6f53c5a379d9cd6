// diabolo studio: pick or drop data (or a lecture preset), choose a variant, train in a Web
// Worker and watch the loss terms, the first layer's filters, reconstructions and the codes;
// sample a VAE's latent plane; cancel, pause, save, export ONNX and load; compare variants
// side by side (compare.js). Plain DOM, canvas and SVG, no framework.
import { CodeMap, LossChart } from './charts.js';
import { Comparison } from './compare.js';
import { builtIn, describe, digitsAvailable, fromFile, rowsOf } from './data.js';
import { drawRaster, pca2 } from './draw.js';
import { PRESETS } from './presets.js';
import { build, unitOf, VARIANTS } from './variants.js';

// The package's browser build is served as-is under /diabolo (see scripts/studio-assets.mjs):
// its worker bundle and .wasm binaries sit next to it, where it looks for them.
const base = new URL(import.meta.env?.BASE_URL ?? '/', location.href);
const d = await import(/* @vite-ignore */ new URL('diabolo/index.browser.js', base).href);
// The package's own SVG charts (internal module, shipped in dist/) for the anomaly histograms.
const svg = await import(/* @vite-ignore */ new URL('diabolo/viz/svg.js', base).href);
const { TrainingControl, DiaboloError, Autoencoder, imageGrid, PALETTE } = d;

const $ = (id) => document.getElementById(id);
const ui = {
  runtime: $('runtime'),
  setup: $('setup'),
  dataset: $('dataset'),
  file: $('file'),
  drop: $('drop'),
  dataInfo: $('data-info'),
  variant: $('variant'),
  hidden: $('hidden'),
  epochs: $('epochs'),
  batch: $('batch'),
  lr: $('lr'),
  train: $('train'),
  pause: $('pause'),
  cancel: $('cancel'),
  save: $('save'),
  exportOnnx: $('export-onnx'),
  load: $('load'),
  status: $('status'),
  logy: $('logy'),
  sampler: $('sampler'),
  z1: $('z1'),
  z2: $('z2'),
  compare: $('compare'),
  presets: $('presets'),
  presetNote: $('preset-note'),
};
for (const [key, v] of Object.entries(VARIANTS)) ui.variant.add(new Option(v.label, key));

/**
 * The current data: a matrix in [0, 1], its labels (if any), the names of its classes and the
 * image side (if square); see data.js.
 */
let data;
let model;
let running;
let history = [];
const lossChart = new LossChart($('loss'), ui.logy);
const codeMap = new CodeMap($('codemap'), $('codemap-legend'), $('codemap-tip'), PALETTE);
const comparison = new Comparison(d, svg, $, PALETTE);

function say(text, error = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', error);
}

function explain(e) {
  return e instanceof DiaboloError ? `${e.code}: ${e.message}` : String(e?.message ?? e);
}

function useData(next) {
  data = next;
  ui.dataInfo.textContent = describe(data);
}

async function chooseBuiltIn() {
  try {
    useData(await builtIn(d, ui.dataset.value));
  } catch (e) {
    say(`Could not load the ${ui.dataset.selectedOptions[0]?.text}: ${explain(e)}`, true);
  }
}

async function takeFile(file) {
  try {
    useData(await fromFile(d, file));
    say(`Loaded ${file.name}.`);
  } catch (e) {
    say(`Could not read ${file.name}: ${explain(e)}`, true);
  }
}

/** The sizes and training settings of the form. */
function settings() {
  return {
    hidden: Number(ui.hidden.value),
    epochs: Number(ui.epochs.value),
    batchSize: Number(ui.batch.value),
    learningRate: Number(ui.lr.value),
  };
}

/** Redraw everything the model shows: filters, reconstructions, the latent plane. */
async function showModel() {
  if (!model || !data) return;
  const side = data.side;
  if (side) {
    const { w } = await model.layerWeights(0);
    drawRaster($('filters'), imageGrid(w, { height: side, width: side, columns: 16, scale: 1, normalize: 'each' }));
    const n = 10;
    const x = rowsOf(data.matrix, 0, n);
    const rec = await model.reconstruct(x);
    const both = new Float32Array(2 * x.data.length);
    both.set(x.data);
    both.set(rec.data, x.data.length);
    drawRaster(
      $('recon'),
      imageGrid({ rows: 2 * n, cols: x.cols, data: both }, { height: side, width: side, columns: n, scale: 2 }),
    );
  }
  const m = Math.min(600, data.matrix.rows);
  const codes = await model.encode(rowsOf(data.matrix, 0, m));
  const points = codes.cols === 2 ? codes : pca2(codes);
  const inputs = { data: data.matrix.data, cols: data.matrix.cols, side: data.side };
  const axis = codes.cols === 2 ? 'code' : 'principal component';
  codeMap.render(points, data.labels?.subarray(0, m), data.names, inputs, axis);
  ui.sampler.hidden = !(model.isVariational && model.codeSize === 2 && side);
  if (!ui.sampler.hidden) await showSample();
}

async function showSample() {
  const z = { rows: 1, cols: 2, data: Float32Array.from([Number(ui.z1.value), Number(ui.z2.value)]) };
  const x = await model.decode(z);
  drawRaster(
    $('sample'),
    imageGrid(x, { height: data.side, width: data.side, columns: 1, scale: Math.floor(112 / data.side) }),
  );
}

function drawLoss() {
  const names = ['reconstruction', 'sparsity', 'contractive', 'kl', 'l2', 'total'];
  const series = names
    .map((name) => ({ name, values: history.map((h) => h.terms[name]) }))
    .filter((s) => s.values.some((v) => v > 0));
  if (history.some((h) => h.validationLoss !== undefined)) {
    series.push({ name: 'validation', values: history.map((h) => h.validationLoss) });
  }
  lossChart.update(series, unitOf(ui.variant.value));
}

const CONTROLS = ['train', 'compare', 'dataset', 'file', 'variant', 'hidden', 'epochs', 'batch', 'lr', 'load'];

function busy(on) {
  for (const key of CONTROLS) ui[key].disabled = on;
  for (const b of ui.presets.querySelectorAll('button')) b.disabled = on;
  for (const b of comparison.boxes) b.disabled = on;
  ui.pause.disabled = !on;
  ui.cancel.disabled = !on;
  ui.save.disabled = on || !model;
  ui.exportOnnx.disabled = on || !model;
}

/** Run `work(signal, control)` with the controls locked, cancellable by the Cancel button. */
async function exclusive(work) {
  const controller = new AbortController();
  const control = new TrainingControl();
  running = { controller, control };
  busy(true);
  try {
    await work(controller.signal, control);
  } finally {
    running = undefined;
    busy(false);
  }
}

async function train() {
  if (!data) return;
  history = [];
  drawLoss();
  await exclusive(async (signal, control) => {
    try {
      await model?.dispose();
      model = undefined;
      const s = settings();
      const fit = { ...s, batchSize: Math.min(s.batchSize, data.matrix.rows), signal };
      say('Preparing…');
      model = await build(d, ui.variant.value, data.matrix, s.hidden, fit, (stage, p) =>
        say(`Pretraining layer ${stage}: epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toFixed(4)}`),
      );
      ui.runtime.textContent = `WASM core ${model.runtime.coreVersion}, ${model.runtime.flavor} kernels, in a Web Worker`;
      say('Training…');
      await model.fit(data.matrix, {
        epochs: s.epochs,
        batchSize: fit.batchSize,
        learningRate: s.learningRate,
        validationSplit: 0.1,
        signal,
        control,
        batchesPerCall: 8,
        onBatchEnd: (p) =>
          say(`Epoch ${p.epoch}/${p.epochs}, minibatch ${p.batch}/${p.batches}: loss ${p.loss.toFixed(4)}`),
        onEpochEnd: (p) => {
          history.push(p);
          drawLoss();
          showModel().catch((e) => say(explain(e), true));
        },
      });
      say(`Done: ${history.length} epochs, final loss ${history.at(-1)?.loss.toFixed(4)}.`);
      await showModel();
    } catch (e) {
      const aborted = e instanceof DiaboloError && e.code === 'E_ABORTED';
      say(aborted ? 'Cancelled; the model keeps its last weights.' : explain(e), !aborted);
    }
  });
}

async function compare() {
  if (!data) return;
  await exclusive((signal) => comparison.run(data, comparison.chosen, settings(), signal));
}

/** Offer `bytes` as a file download named `name`. */
function download(bytes, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Set the form to a preset, load its data and run it. */
async function runPreset(p) {
  const digits = p.data === 'digits8' && !ui.dataset.querySelector('option[value="digits8"]').disabled;
  ui.dataset.value = p.data === 'digits8' && !digits ? 'shapes16' : p.data;
  await chooseBuiltIn();
  ui.hidden.value = String(p.hidden);
  ui.epochs.value = String(p.epochs);
  ui.batch.value = String(p.batch);
  ui.lr.value = String(p.lr);
  ui.presetNote.textContent = `${p.title}. ${p.look}`;
  if (p.compare) {
    comparison.chosen = p.compare;
    await compare();
    $('compare-section').scrollIntoView({ block: 'start' });
  } else {
    ui.variant.value = p.train;
    await train();
  }
}

for (const p of PRESETS) {
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.preset = p.id;
  b.textContent = p.title;
  b.addEventListener('click', () => runPreset(p).catch((e) => say(explain(e), true)));
  ui.presets.append(b);
}

ui.setup.addEventListener('submit', (e) => {
  e.preventDefault();
  train();
});
ui.dataset.addEventListener('change', chooseBuiltIn);
ui.file.addEventListener('change', () => ui.file.files?.[0] && takeFile(ui.file.files[0]));
ui.drop.addEventListener('dragover', (e) => e.preventDefault());
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  const f = e.dataTransfer?.files?.[0];
  if (f) takeFile(f);
});
ui.pause.addEventListener('click', () => {
  if (!running) return;
  const { control } = running;
  if (control.paused) control.resume();
  else control.pause();
  ui.pause.textContent = control.paused ? 'Resume' : 'Pause';
  ui.pause.setAttribute('aria-pressed', String(control.paused));
  if (control.paused) say('Paused between minibatches.');
});
ui.cancel.addEventListener('click', () => running?.controller.abort('cancelled in the studio'));
ui.save.addEventListener('click', async () => {
  try {
    download(await model.save(), 'model.diabolo');
    say('Saved model.diabolo (load it here or with Autoencoder.load).');
  } catch (e) {
    say(`Could not save: ${explain(e)}`, true);
  }
});
ui.exportOnnx.addEventListener('click', async () => {
  try {
    download(await model.toOnnx(), 'model.onnx');
    say('Exported model.onnx (input x, outputs code and reconstruction; opset 21).');
  } catch (e) {
    say(`Could not export ONNX: ${explain(e)}`, true);
  }
});
ui.load.addEventListener('change', async () => {
  const f = ui.load.files?.[0];
  if (!f) return;
  try {
    const loaded = await Autoencoder.load(new Uint8Array(await f.arrayBuffer()), { backend: 'worker' });
    if (data && loaded.config.inputSize !== data.matrix.cols) {
      await loaded.dispose();
      throw new Error(`${f.name} expects ${loaded.config.inputSize} features; the data has ${data.matrix.cols}`);
    }
    await model?.dispose();
    model = loaded;
    busy(false);
    say(`Loaded ${f.name}.`);
    await showModel();
  } catch (e) {
    say(`Could not load ${f.name}: ${explain(e)}`, true);
  }
});
for (const z of [ui.z1, ui.z2]) z.addEventListener('input', () => showSample().catch((e) => say(explain(e), true)));
ui.compare.addEventListener('click', () => compare());

if (!(await digitsAvailable())) {
  const o = ui.dataset.querySelector('option[value="digits8"]');
  o.disabled = true;
  o.text += ' (not in this build: run scripts/fetch-data.sh, then npm run build:studio)';
}
await chooseBuiltIn();
ui.runtime.textContent = 'Ready: choose a lecture section, or data and a variant, then Train.';
window.studioReady = true;
