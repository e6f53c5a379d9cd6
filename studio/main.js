// diabolo studio: pick or drop data, choose a variant, train in a Web Worker and watch the
// loss terms, the first layer's filters, reconstructions and the codes; sample a VAE's
// latent plane; cancel, pause, save and load. Plain DOM and canvas, no framework.
import { CodeMap, LossChart } from './charts.js';
import { drawRaster, pca2 } from './draw.js';

// The package's browser build is served as-is under /diabolo (see scripts/studio-assets.mjs):
// its worker bundle and .wasm binaries sit next to it, where it looks for them.
const base = new URL(import.meta.env?.BASE_URL ?? '/', location.href);
const d = await import(/* @vite-ignore */ new URL('diabolo/index.browser.js', base).href);
const {
  Autoencoder,
  TrainingControl,
  DiaboloError,
  shapes,
  parseCsv,
  parseIdx,
  parseNpy,
  imageGrid,
  PALETTE,
  SHAPE_NAMES,
} = d;

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
  load: $('load'),
  status: $('status'),
  logy: $('logy'),
  sampler: $('sampler'),
  z1: $('z1'),
  z2: $('z2'),
  compareVariant: $('compare-variant'),
  compare: $('compare'),
  compareStatus: $('compare-status'),
  compareResults: $('compare-results'),
  compareRecon: $('compare-recon'),
  compareFilters: $('compare-filters'),
};

/**
 * The current data: a matrix in [0, 1], its labels (if any), the names of its classes and the
 * image side (if square).
 */
let data;
let model;
let running;
let history = [];
const lossChart = new LossChart($('loss'), ui.logy);
const codeMap = new CodeMap($('codemap'), $('codemap-legend'), $('codemap-tip'), PALETTE);

function say(text, error = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', error);
}

function explain(e) {
  return e instanceof DiaboloError ? `${e.code}: ${e.message}` : String(e?.message ?? e);
}

function useData(matrix, labels, name, classNames) {
  let max = 0;
  for (const v of matrix.data) max = Math.max(max, v);
  // Byte images (IDX, most CSV exports) are scaled to [0, 1].
  if (max > 1) for (let i = 0; i < matrix.data.length; i++) matrix.data[i] /= max;
  const side = Math.round(Math.sqrt(matrix.cols));
  data = {
    matrix,
    labels,
    names: (c) => classNames?.[c] ?? `class ${c}`,
    side: side * side === matrix.cols ? side : 0,
    name,
  };
  ui.dataInfo.textContent = `${name}: ${matrix.rows} samples × ${matrix.cols} features${data.side ? ` (${side}×${side} images)` : ''}`;
}

function builtIn() {
  const size = ui.dataset.value === 'shapes16' ? 16 : 28;
  const s = shapes({ count: 2000, size, seed: 1 });
  useData(s, s.labels, `built-in shapes ${size}×${size}`, SHAPE_NAMES);
}

async function readFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const name = file.name.toLowerCase();
  if (name.endsWith('.npy')) return { matrix: parseNpy(bytes, file.name) };
  if (name.endsWith('.csv') || name.endsWith('.txt')) {
    return parseCsv(new TextDecoder().decode(bytes), { source: file.name });
  }
  const idx = parseIdx(bytes, file.name);
  const rows = idx.shape[0] ?? 0;
  const cols = idx.shape.slice(1).reduce((a, b) => a * b, 1);
  return { matrix: { rows, cols, data: Float32Array.from(idx.data) } };
}

async function takeFile(file) {
  try {
    const { matrix, labels } = await readFile(file);
    useData(matrix, labels, file.name);
    say(`Loaded ${file.name}.`);
  } catch (e) {
    say(`Could not read ${file.name}: ${explain(e)}`, true);
  }
}

function config(variant = ui.variant.value) {
  const hidden = Number(ui.hidden.value);
  const base = { inputSize: data.matrix.cols, optimizer: { kind: 'adam' }, seed: 1 };
  switch (variant) {
    case 'sparse':
      return { ...base, layers: [{ units: hidden, sparsity: { rho: 0.05, beta: 3 } }] };
    case 'denoising':
      return { ...base, layers: [{ units: hidden }], corruption: { kind: 'mask', nu: 0.3 } };
    case 'contractive':
      return { ...base, layers: [{ units: hidden, contractive: 0.1 }] };
    case 'vae':
      return { ...base, layers: [{ units: hidden, activation: 'relu' }], vae: { latentSize: 2 }, loss: 'bce' };
    default:
      return { ...base, layers: [{ units: hidden }] };
  }
}

/** Redraw everything the model shows: filters, reconstructions, the latent plane. */
async function showModel() {
  if (!model || !data) return;
  const side = data.side;
  if (side) {
    const { w } = await model.layerWeights(0);
    drawRaster($('filters'), imageGrid(w, { height: side, width: side, columns: 16, scale: 1, normalize: 'each' }));
    const n = 10;
    const x = { rows: n, cols: data.matrix.cols, data: data.matrix.data.slice(0, n * data.matrix.cols) };
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
  const codes = await model.encode({
    rows: m,
    cols: data.matrix.cols,
    data: data.matrix.data.slice(0, m * data.matrix.cols),
  });
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
  const vae = Boolean(model?.isVariational);
  lossChart.update(series, vae ? 'nats per sample' : 'squared error per sample');
}

function busy(on) {
  for (const el of [
    ui.train,
    ui.compare,
    ui.compareVariant,
    ui.dataset,
    ui.file,
    ui.variant,
    ui.hidden,
    ui.epochs,
    ui.batch,
    ui.lr,
    ui.load,
  ]) {
    el.disabled = on;
  }
  ui.pause.disabled = !on;
  ui.cancel.disabled = !on;
  ui.save.disabled = on || !model;
}

async function train(event) {
  event.preventDefault();
  if (!data) return;
  busy(true);
  history = [];
  drawLoss();
  const controller = new AbortController();
  const control = new TrainingControl();
  running = { controller, control };
  try {
    await model?.dispose();
    model = await Autoencoder.create(config(), { backend: 'worker' });
    ui.runtime.textContent = `WASM core ${model.runtime.coreVersion}, ${model.runtime.flavor} kernels, in a Web Worker`;
    say('Training…');
    await model.fit(data.matrix, {
      epochs: Number(ui.epochs.value),
      batchSize: Math.min(Number(ui.batch.value), data.matrix.rows),
      learningRate: Number(ui.lr.value),
      validationSplit: 0.1,
      signal: controller.signal,
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
    say(
      e instanceof DiaboloError && e.code === 'E_ABORTED' ? 'Cancelled; the model keeps its last weights.' : explain(e),
      e?.code !== 'E_ABORTED',
    );
  } finally {
    running = undefined;
    busy(false);
  }
}

ui.setup.addEventListener('submit', train);
ui.dataset.addEventListener('change', builtIn);
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
  const bytes = await model.save();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  a.download = 'model.diabolo';
  a.click();
  URL.revokeObjectURL(a.href);
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
    ui.save.disabled = false;
    say(`Loaded ${f.name}.`);
    await showModel();
  } catch (e) {
    say(`Could not load ${f.name}: ${explain(e)}`, true);
  }
});
for (const z of [ui.z1, ui.z2]) z.addEventListener('input', () => showSample().catch((e) => say(explain(e), true)));

// ---- Comparison: the variant chosen above and a second one, same data, sizes, epochs and seed.

const SHORT = { basic: 'basic', sparse: 'sparse', denoising: 'denoising', contractive: 'contractive', vae: 'VAE' };
const compareChart = new LossChart($('compare-loss'), $('compare-logy'));
for (const o of ui.variant.options) ui.compareVariant.add(new Option(o.text, o.value));
ui.compareVariant.value = 'denoising';

function compareSay(text, error = false) {
  ui.compareStatus.textContent = text;
  ui.compareStatus.classList.toggle('error', error);
}

/** A captioned canvas in one of the comparison's rows. */
function row(host, caption, label, raster, variant) {
  const figure = document.createElement('figure');
  const cap = document.createElement('figcaption');
  cap.textContent = caption;
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  if (variant) canvas.dataset.variant = variant;
  drawRaster(canvas, raster);
  figure.append(cap, canvas);
  host.append(figure);
  return canvas;
}

function drawCompareLoss(runs) {
  const units = runs.map((r) => (r.variant === 'vae' ? 'nats per sample' : 'squared error per sample'));
  const same = units[0] === units[1];
  const series = runs.map((r, i) => ({
    name: same ? r.name : `${r.name} (${units[i]})`,
    values: r.history.map((h) => h.loss),
  }));
  compareChart.update(series, same ? units[0] : 'units differ: see legend');
}

/** Train both variants concurrently, each in its own worker, then show them side by side. */
async function compare() {
  if (!data) return;
  const variants = [ui.variant.value, ui.compareVariant.value];
  const names = variants.map((v, i) => (variants[0] === variants[1] ? `${SHORT[v]} ${'AB'[i]}` : SHORT[v]));
  const runs = variants.map((variant, i) => ({ variant, name: names[i], history: [], at: '' }));
  const controller = new AbortController();
  running = { controller, control: new TrainingControl() };
  busy(true);
  ui.pause.disabled = true;
  ui.compareResults.hidden = false;
  ui.compareRecon.replaceChildren();
  ui.compareFilters.replaceChildren();
  compareChart.update([], '');
  const progress = () =>
    compareSay(`Training both… ${runs.map((r) => `${r.name}: ${r.at || 'starting'}`).join(' · ')}`);
  const epochs = Number(ui.epochs.value);
  const models = [];
  try {
    progress();
    const results = await Promise.allSettled(
      runs.map(async (r) => {
        const m = await Autoencoder.create(config(r.variant), { backend: 'worker' });
        models.push(m);
        r.model = m;
        await m
          .fit(data.matrix, {
            epochs,
            batchSize: Math.min(Number(ui.batch.value), data.matrix.rows),
            learningRate: Number(ui.lr.value),
            signal: controller.signal,
            batchesPerCall: 8,
            onBatchEnd: (p) => {
              r.at = `epoch ${p.epoch}/${p.epochs}`;
              progress();
            },
            onEpochEnd: (p) => {
              r.history.push(p);
              drawCompareLoss(runs);
            },
          })
          .catch((e) => {
            controller.abort('the other run failed');
            throw e;
          });
        r.at = 'done';
        progress();
      }),
    );
    const rejected = results.filter((x) => x.status === 'rejected').map((x) => x.reason);
    const failed = rejected.find((e) => e?.code !== 'E_ABORTED') ?? rejected[0];
    if (failed) throw failed;
    await showComparison(runs);
    compareSay(
      `Compared ${runs.map((r) => `${r.name} (final loss ${r.history.at(-1)?.loss.toFixed(4)})`).join(' and ')} after ${epochs} epochs, seed 1.`,
    );
  } catch (e) {
    const aborted = e instanceof DiaboloError && e.code === 'E_ABORTED';
    compareSay(aborted ? 'Comparison cancelled.' : explain(e), !aborted);
  } finally {
    await Promise.all(models.map((m) => m.dispose()));
    running = undefined;
    busy(false);
  }
}

async function showComparison(runs) {
  const side = data.side;
  if (!side) {
    ui.compareRecon.textContent = 'The data are not square images: only the loss curves are compared.';
    return;
  }
  const n = 10;
  const cols = data.matrix.cols;
  // The same inputs for both: the last n rows of the data.
  const start = data.matrix.rows - n;
  const x = { rows: n, cols, data: data.matrix.data.slice(start * cols, (start + n) * cols) };
  const grid = (m, columns) => imageGrid(m, { height: side, width: side, columns, scale: 2 });
  const which = `samples ${start + 1}–${start + n}`;
  row(ui.compareRecon, 'Inputs', `Inputs, ${which}`, grid(x, n)).dataset.samples = which;
  for (const r of runs) {
    const rec = await r.model.reconstruct(x);
    row(ui.compareRecon, r.name, `${r.name}: reconstructions of ${which}`, grid(rec, n), r.name).dataset.samples =
      which;
  }
  for (const r of runs) {
    const { w } = await r.model.layerWeights(0);
    const raster = imageGrid(w, { height: side, width: side, columns: 16, scale: 1, normalize: 'each' });
    row(ui.compareFilters, r.name, `${r.name}: first-layer filters`, raster, r.name);
  }
}

ui.compare.addEventListener('click', () => compare());

builtIn();
ui.runtime.textContent = 'Ready: choose data and a variant, then Train.';
window.studioReady = true;
