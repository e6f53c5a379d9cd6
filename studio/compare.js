// The comparison view: two or more variants trained on the same rows, with the same sizes,
// epochs and seed, each in its own Web Worker at the same time; then shown side by side on
// the same held-out rows: loss curves, reconstructions, a denoising test on masked inputs,
// code maps, first-layer filters and anomaly-score histograms against noise images.
import { CodeMap, LossChart } from './charts.js';
import { masked, noise, rowsOf } from './data.js';
import { drawRaster, pca2 } from './draw.js';
import { build, unitOf, VARIANTS } from './variants.js';

/** Rows held out of training: the last tenth of the data, at most this many. */
const HELD_OUT = 200;
/** Images per row of the reconstruction and denoising views. */
const SHOWN = 10;
/** Fraction of pixels zeroed for the denoising view (the denoising variant's own ν). */
const MASK = 0.3;

export class Comparison {
  /**
   * `d`: the diabolo module; `svg`: its chart module (dist/viz/svg.js); `el(id)`: the page's
   * elements; `palette`: the class colours.
   */
  constructor(d, svg, el, palette) {
    this.d = d;
    this.svg = svg;
    this.el = el;
    this.palette = palette;
    this.chart = new LossChart(el('compare-loss'), el('compare-logy'));
    this.boxes = [];
    for (const [key, v] of Object.entries(VARIANTS)) {
      const label = document.createElement('label');
      label.className = 'check';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'compare-variant';
      box.value = key;
      box.checked = key === 'basic' || key === 'denoising';
      label.append(box, ` ${v.label}`);
      el('compare-variants').append(label);
      this.boxes.push(box);
    }
  }

  /** The checked variants, in menu order. */
  get chosen() {
    return this.boxes.filter((b) => b.checked).map((b) => b.value);
  }

  set chosen(keys) {
    for (const b of this.boxes) b.checked = keys.includes(b.value);
  }

  say(text, error = false) {
    const s = this.el('compare-status');
    s.textContent = text;
    s.classList.toggle('error', error);
  }

  /**
   * Train `variants` on `data` with `settings` ({ hidden, epochs, batchSize, learningRate }),
   * stopping all of them when `signal` aborts or one fails; then show them. Resolves when
   * shown (or when the failure is reported).
   */
  async run(data, variants, settings, signal) {
    if (variants.length < 2) {
      this.say(`Choose at least two variants to compare (${variants.length} chosen).`, true);
      return;
    }
    const { rows } = data.matrix;
    const held = Math.min(HELD_OUT, Math.floor(rows / 10));
    if (held < 1) {
      this.say(`The data have ${rows} rows: at least 10 are needed to hold some out.`, true);
      return;
    }
    const train = rowsOf(data.matrix, 0, rows - held);
    const test = rowsOf(data.matrix, rows - held, held);
    const counts = new Map();
    const runs = variants.map((variant) => {
      const short = VARIANTS[variant].short;
      const n = (counts.get(short) ?? 0) + 1;
      counts.set(short, n);
      return { variant, name: n > 1 ? `${short} ${n}` : short, history: [], at: 'starting' };
    });
    this.el('compare-results').hidden = false;
    for (const id of ['compare-recon', 'compare-denoise', 'compare-cards', 'compare-anomaly']) {
      this.el(id).replaceChildren();
    }
    this.chart.update([], '');
    const progress = () => this.say(`Training… ${runs.map((r) => `${r.name}: ${r.at}`).join(' · ')}`);
    const stop = new AbortController();
    const abort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', abort);
    const fit = { ...settings, batchSize: Math.min(settings.batchSize, train.rows), signal: stop.signal };
    try {
      progress();
      const results = await Promise.allSettled(runs.map((r) => this.train(r, train, fit, progress, runs, stop)));
      const rejected = results.filter((x) => x.status === 'rejected').map((x) => x.reason);
      const failed = rejected.find((e) => e?.code !== 'E_ABORTED') ?? rejected[0];
      if (failed) throw failed;
      await this.show(runs, data, test);
      const finals = runs.map((r) => `${r.name} ${r.history.at(-1)?.loss.toFixed(4)}`).join(', ');
      this.say(
        `Compared ${runs.length} variants after ${settings.epochs} epochs on ${train.rows} rows, seed 1 (final loss: ${finals}); ${held} rows held out for the views below.`,
      );
    } catch (e) {
      const aborted = e?.code === 'E_ABORTED';
      this.say(aborted ? 'Comparison cancelled.' : `${e?.code ? `${e.code}: ` : ''}${e?.message ?? e}`, !aborted);
    } finally {
      signal.removeEventListener('abort', abort);
      await Promise.all(runs.map((r) => r.model?.dispose()));
    }
  }

  /** One run: build (a stacked one pretrains here), then fit; the first failure stops the others. */
  async train(r, train, fit, progress, runs, stop) {
    try {
      r.model = await build(this.d, r.variant, train, fit.hidden, fit, (stage, p) => {
        r.at = `pretraining layer ${stage}, epoch ${p.epoch}/${p.epochs}`;
        progress();
      });
      if (fit.signal.aborted) throw fit.signal.reason;
      await r.model.fit(train, {
        epochs: fit.epochs,
        batchSize: fit.batchSize,
        learningRate: fit.learningRate,
        signal: fit.signal,
        batchesPerCall: 8,
        onBatchEnd: (p) => {
          r.at = `epoch ${p.epoch}/${p.epochs}`;
          progress();
        },
        onEpochEnd: (p) => {
          r.history.push(p);
          this.drawLoss(runs);
        },
      });
      r.at = 'done';
      progress();
    } catch (e) {
      if (!stop.signal.aborted) stop.abort(e);
      throw e;
    }
  }

  drawLoss(runs) {
    const units = runs.map((r) => unitOf(r.variant));
    const same = units.every((u) => u === units[0]);
    const series = runs.map((r, i) => ({
      name: same ? r.name : `${r.name} (${units[i]})`,
      values: r.history.map((h) => h.loss),
    }));
    this.chart.update(series, same ? units[0] : 'units differ: see legend');
  }

  /** Every view, for the trained runs, on the held-out rows `test`. */
  async show(runs, data, test) {
    const side = data.side;
    const x = rowsOf(test, 0, Math.min(SHOWN, test.rows));
    const which = `held-out samples 1–${x.rows}`;
    if (side) {
      // Small images (the 8×8 digits) get more screen pixels per image pixel.
      const scale = Math.max(2, Math.floor(32 / side));
      const grid = (m) => this.d.imageGrid(m, { height: side, width: side, columns: x.rows, scale });
      this.row('compare-recon', 'Inputs', `Inputs, ${which}`, grid(x), { samples: which });
      for (const r of runs) {
        const rec = await r.model.reconstruct(x);
        const label = `${r.name}: reconstructions of ${which}`;
        this.row('compare-recon', r.name, label, grid(rec), { samples: which, variant: r.name });
      }
      const dirty = masked(x, MASK);
      this.row('compare-denoise', 'Clean', `Clean inputs, ${which}`, grid(x), { samples: which });
      this.row('compare-denoise', 'Corrupted', `The same with ${100 * MASK}% of pixels zeroed`, grid(dirty), {
        samples: which,
      });
      for (const r of runs) {
        const rec = await r.model.reconstruct(dirty);
        const err = squaredError(rec, x);
        const caption = `${r.name} (error to clean ${err.toPrecision(3)})`;
        const label = `${r.name}: reconstructions of the corrupted inputs, squared error to the clean ones ${err.toPrecision(3)} per image`;
        this.row('compare-denoise', caption, label, grid(rec), { samples: which, variant: r.name, error: err });
      }
    } else {
      this.el('compare-recon').textContent = 'The data are not square images: the image views are left out.';
    }
    for (const r of runs) await this.card(r, data, test);
    await this.anomalies(runs, test);
  }

  /** A captioned canvas in one of the image rows. */
  row(host, caption, label, raster, dataset) {
    const figure = document.createElement('figure');
    const cap = document.createElement('figcaption');
    cap.textContent = caption;
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', label);
    Object.assign(canvas.dataset, dataset);
    drawRaster(canvas, raster);
    figure.append(cap, canvas);
    this.el(host).append(figure);
  }

  /** A variant's card: its code map (with the image on hover) and its first-layer filters. */
  async card(r, data, test) {
    const card = document.createElement('article');
    card.className = 'card';
    card.dataset.variant = r.name;
    const title = document.createElement('h4');
    title.textContent = r.name;
    const map = document.createElement('div');
    map.className = 'codemap';
    const host = document.createElement('div');
    host.className = 'map';
    const tip = document.createElement('div');
    tip.className = 'tip';
    tip.setAttribute('role', 'tooltip');
    tip.hidden = true;
    const tipImage = document.createElement('canvas');
    tipImage.setAttribute('role', 'img');
    tipImage.setAttribute('aria-label', `${r.name}: input image of the point under the pointer`);
    tip.append(tipImage, document.createElement('span'));
    map.append(host, tip);
    card.append(title, map);
    this.el('compare-cards').append(card);
    const codes = await r.model.encode(test);
    const points = codes.cols === 2 ? codes : pca2(codes);
    const axis = codes.cols === 2 ? 'code' : 'principal component';
    const labels = data.labels?.subarray(data.matrix.rows - test.rows);
    const view = new CodeMap(
      host,
      this.el('compare-legend'),
      tip,
      this.palette,
      `${r.name}: codes of the held-out rows`,
    );
    view.render(points, labels, data.names, { data: test.data, cols: test.cols, side: data.side }, axis);
    if (data.side) {
      const { w } = await r.model.layerWeights(0);
      // At most 64 filters: enough to see their kind, small enough to sit in a card.
      const shown = Math.min(64, w.rows);
      const canvas = document.createElement('canvas');
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${r.name}: first-layer filters`);
      canvas.className = 'filters';
      canvas.dataset.variant = r.name;
      const grid = { height: data.side, width: data.side, columns: 8, scale: 1, normalize: 'each' };
      drawRaster(canvas, this.d.imageGrid(rowsOf(w, 0, shown), grid));
      const caption = document.createElement('p');
      caption.className = 'note';
      caption.textContent = `First-layer filters (${shown} shown)`;
      card.append(caption, canvas);
    }
  }

  /**
   * Per variant: reconstruction errors of the held-out rows and of as many noise images,
   * with a threshold at the 99th percentile of the held-out errors.
   */
  async anomalies(runs, test) {
    const foreign = noise(test.rows, test.cols);
    for (const r of runs) {
      // The package's own rule, as a user of the API would set it.
      const threshold = await r.model.calibrateThreshold(test, { method: 'percentile', percentile: 99 });
      const normal = (await r.model.reconstructionErrors(test)).perSample;
      const { scores: odd, anomalous } = await r.model.detectAnomalies(foreign, threshold);
      const flagged = anomalous.filter(Boolean).length;
      const figure = document.createElement('figure');
      figure.className = 'card';
      figure.dataset.variant = r.name;
      figure.dataset.flagged = String(flagged);
      figure.innerHTML = this.svg.histogramChart({
        title: `${r.name}: reconstruction error`,
        xLabel: unitOf(r.variant).replace(' per sample', ' per image'),
        yLabel: 'number of images',
        width: 360,
        height: 240,
        bins: 30,
        series: [
          { name: 'held-out', values: normal },
          { name: 'noise', values: odd, colour: '#d62728' },
        ],
        markers: [{ value: threshold, label: '99th pct' }],
      });
      const caption = document.createElement('figcaption');
      caption.textContent = `${flagged} of ${odd.length} noise images above the threshold (${threshold.toPrecision(3)}).`;
      figure.append(caption);
      this.el('compare-anomaly').append(figure);
    }
  }
}

/** Squared error between two matrices of the same shape, summed over the columns, per row. */
function squaredError(a, b) {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return s / a.rows;
}
