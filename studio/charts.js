// The studio's two charts: the loss per epoch (uPlot: axes, legend with a hover read-out,
// log scale when the losses span more than a decade, fed with setData as epochs arrive) and
// the code map (an SVG scatter with axes, a class legend and the input image on hover).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Evenly spaced hues, dark enough to read on white. */
export function seriesColours(n) {
  return Array.from({ length: n }, (_, i) => `hsl(${Math.round((360 * i) / Math.max(1, n))} 70% 38%)`);
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** About `count` round tick values between `lo` and `hi` (steps of 1, 2 or 5 × 10ⁿ). */
export function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/**
 * The loss chart: one uPlot per run (its series are known at the first epoch), then setData
 * on each epoch. The y axis turns logarithmic when the values span more than a decade, unless
 * the user set the "log scale" box; flipping the scale is the only other time it is rebuilt.
 */
export class LossChart {
  constructor(host, logBox) {
    this.host = host;
    this.logBox = logBox;
    this.userLog = undefined;
    this.plot = undefined;
    this.key = '';
    logBox.addEventListener('change', () => {
      this.userLog = logBox.checked;
      this.rebuild();
    });
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(host);
  }

  size() {
    return { width: Math.max(280, this.host.clientWidth), height: 260 };
  }

  /** `series`: `[{ name, values }]`, one value per epoch; `unit`: the y axis's label. */
  update(series, unit) {
    this.series = series;
    this.unit = unit;
    const positive = series.flatMap((s) => s.values).filter((v) => v > 0);
    const span = positive.length ? Math.max(...positive) / Math.min(...positive) : 1;
    const log = this.userLog ?? span > 10;
    this.logBox.checked = log;
    const key = `${series.map((s) => s.name).join()}|${unit}|${log}`;
    const epochs = Math.max(0, ...series.map((s) => s.values.length));
    this.host.dataset.points = String(epochs);
    if (series.length === 0 || epochs === 0) {
      this.plot?.destroy();
      this.plot = undefined;
      this.key = '';
      return;
    }
    if (key !== this.key) return this.rebuild();
    this.plot.setData(this.data());
    this.showLatest();
  }

  data() {
    const epochs = Math.max(0, ...this.series.map((s) => s.values.length));
    const x = Array.from({ length: epochs }, (_, i) => i + 1);
    // Zero or missing values cannot sit on a log axis: they are left out (a gap).
    return [x, ...this.series.map((s) => x.map((_, i) => (s.values[i] > 0 ? s.values[i] : null)))];
  }

  /** The legend shows the last epoch's values unless the cursor is on the chart. */
  showLatest() {
    const n = this.plot.data[0].length;
    if (n && !(this.plot.cursor.left >= 0)) this.plot.setLegend({ idx: n - 1 });
  }

  rebuild() {
    if (!this.series?.length) return;
    this.plot?.destroy();
    const log = this.logBox.checked;
    const colours = seriesColours(this.series.length);
    const fmt = (v) => (v == null ? '–' : v.toPrecision(4));
    const opts = {
      ...this.size(),
      scales: { x: { time: false }, y: log ? { distr: 3, log: 10 } : { auto: true } },
      axes: [
        { label: 'epoch', stroke: '#333', grid: { stroke: '#eee' }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] },
        { label: this.unit, stroke: '#333', grid: { stroke: '#eee' }, size: 64, values: (_, vs) => vs.map(fmtTick) },
      ],
      series: [
        { label: 'epoch', value: (_, v) => (v == null ? '–' : String(v)) },
        ...this.series.map((s, i) => ({
          label: s.name,
          stroke: colours[i],
          width: 2,
          dash: s.name === 'validation' ? [6, 4] : undefined,
          points: { show: true, size: 5 },
          value: (_, v) => fmt(v),
        })),
      ],
      legend: { live: true },
      hooks: { setCursor: [(u) => u.cursor.left < 0 && this.showLatest()] },
    };
    this.plot = new uPlot(opts, this.data(), this.host);
    // uPlot draws the axes on its canvas: their names go in the label for screen readers (and tests).
    this.host.setAttribute(
      'aria-label',
      `Loss chart: epoch across, ${this.unit} up${log ? ' on a log scale' : ''}; hover for the values`,
    );
    this.key = `${this.series.map((s) => s.name).join()}|${this.unit}|${log}`;
    this.showLatest();
  }
}

function fmtTick(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e4 || a < 1e-3) ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

/**
 * The code map: an SVG scatter (fixed viewBox, scaled to the box), axes with ticks and labels,
 * a legend of the classes and, on hover, the input image of the nearest point in a tooltip.
 */
export class CodeMap {
  constructor(host, legend, tip, palette, label = 'Codes in two dimensions, coloured by class') {
    this.host = host;
    this.legend = legend;
    this.tip = tip;
    this.palette = palette.map(([r, g, b]) => `rgb(${r} ${g} ${b})`);
    this.size = 400;
    this.pad = { left: 56, right: 12, top: 12, bottom: 44 };
    this.el = svg('svg', {
      viewBox: `0 0 ${this.size} ${this.size}`,
      role: 'img',
      'aria-label': label,
    });
    host.replaceChildren(this.el);
    this.el.addEventListener('pointermove', (e) => this.hover(e));
    this.el.addEventListener('pointerleave', () => this.hide());
  }

  /**
   * `points`: `{ rows, cols: 2, data }`; `labels` per row or undefined; `names(label)`;
   * `inputs`: `{ data, cols, side }` (the rows behind the points); `axis`: the axes' name.
   */
  render(points, labels, names, inputs, axis) {
    this.points = points;
    this.labels = labels;
    this.names = names;
    this.inputs = inputs;
    const { size, pad } = this;
    const n = points.rows;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      const [x, y] = [points.data[2 * i], points.data[2 * i + 1]];
      [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
    }
    if (!(x1 > x0)) [x0, x1] = [x0 - 1, x0 + 1];
    if (!(y1 > y0)) [y0, y1] = [y0 - 1, y0 + 1];
    const mx = (x1 - x0) * 0.04;
    const my = (y1 - y0) * 0.04;
    [x0, x1, y0, y1] = [x0 - mx, x1 + mx, y0 - my, y1 + my];
    const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * (size - pad.left - pad.right);
    const sy = (y) => size - pad.bottom - ((y - y0) / (y1 - y0)) * (size - pad.top - pad.bottom);
    this.screen = new Float32Array(2 * n);
    const g = svg('g', { class: 'axes', 'font-size': 12, fill: '#333' });
    g.append(
      svg('rect', {
        x: pad.left,
        y: pad.top,
        width: size - pad.left - pad.right,
        height: size - pad.top - pad.bottom,
        fill: '#fff',
        stroke: '#999',
      }),
    );
    for (const t of ticks(x0, x1)) {
      g.append(svg('line', { x1: sx(t), x2: sx(t), y1: pad.top, y2: size - pad.bottom, stroke: '#eee' }));
      g.append(svg('text', { x: sx(t), y: size - pad.bottom + 16, 'text-anchor': 'middle' }, fmtTick(t)));
    }
    for (const t of ticks(y0, y1)) {
      g.append(svg('line', { x1: pad.left, x2: size - pad.right, y1: sy(t), y2: sy(t), stroke: '#eee' }));
      g.append(svg('text', { x: pad.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, fmtTick(t)));
    }
    g.append(
      svg('text', { x: (pad.left + size - pad.right) / 2, y: size - 8, 'text-anchor': 'middle' }, `${axis} 1`),
      svg(
        'text',
        {
          x: 0,
          y: 0,
          'text-anchor': 'middle',
          transform: `translate(14 ${(pad.top + size - pad.bottom) / 2}) rotate(-90)`,
        },
        `${axis} 2`,
      ),
    );
    const dots = svg('g', { class: 'points' });
    for (let i = 0; i < n; i++) {
      const [px, py] = [sx(points.data[2 * i]), sy(points.data[2 * i + 1])];
      this.screen[2 * i] = px;
      this.screen[2 * i + 1] = py;
      const colour = this.palette[(labels?.[i] ?? 0) % this.palette.length];
      dots.append(svg('circle', { class: 'pt', cx: px.toFixed(1), cy: py.toFixed(1), r: 3, fill: colour }));
    }
    this.ring = svg('circle', { r: 6, fill: 'none', stroke: '#000', 'stroke-width': 2, visibility: 'hidden' });
    this.el.replaceChildren(g, dots, this.ring);
    this.host.dataset.points = String(n);
    const classes = labels ? [...new Set(labels)].sort((a, b) => a - b) : [];
    this.legend.hidden = classes.length === 0;
    this.legend.replaceChildren(
      ...classes.map((c) => {
        const li = document.createElement('li');
        li.style.setProperty('--colour', this.palette[c % this.palette.length]);
        li.textContent = names(c);
        return li;
      }),
    );
    this.hide();
  }

  /** The point nearest the pointer, within 12 units of the viewBox. */
  hover(e) {
    if (!this.screen) return;
    const box = this.el.getBoundingClientRect();
    const k = this.size / box.width;
    const [x, y] = [(e.clientX - box.left) * k, (e.clientY - box.top) * k];
    let best = -1;
    let bestD = 144;
    for (let i = 0; i < this.points.rows; i++) {
      const d = (this.screen[2 * i] - x) ** 2 + (this.screen[2 * i + 1] - y) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    if (best < 0) return this.hide();
    this.show(best, this.screen[2 * best] / k, this.screen[2 * best + 1] / k);
  }

  show(i, left, top) {
    const [px, py] = [this.screen[2 * i], this.screen[2 * i + 1]];
    this.ring.setAttribute('cx', px.toFixed(1));
    this.ring.setAttribute('cy', py.toFixed(1));
    this.ring.setAttribute('visibility', 'visible');
    const canvas = this.tip.querySelector('canvas');
    const { data, cols, side } = this.inputs;
    canvas.hidden = !side;
    if (side) {
      canvas.width = side;
      canvas.height = side;
      const rgba = new Uint8ClampedArray(4 * side * side);
      for (let j = 0; j < cols; j++) {
        const v = Math.round(255 * Math.min(1, Math.max(0, data[i * cols + j])));
        rgba.set([v, v, v, 255], 4 * j);
      }
      canvas.getContext('2d').putImageData(new ImageData(rgba, side, side), 0, 0);
    }
    const name = this.labels ? `${this.names(this.labels[i])}, ` : '';
    this.tip.querySelector('span').textContent = `${name}sample ${i + 1}`;
    this.tip.dataset.index = String(i);
    this.tip.hidden = false;
    const flip = left > this.host.clientWidth / 2;
    this.tip.style.left = flip ? '' : `${left + 12}px`;
    this.tip.style.right = flip ? `${this.host.clientWidth - left + 12}px` : '';
    this.tip.style.top = `${Math.max(0, top - 40)}px`;
  }

  hide() {
    this.tip.hidden = true;
    this.ring?.setAttribute('visibility', 'hidden');
  }
}
