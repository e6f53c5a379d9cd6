// Canvas drawing for the studio: rasters made by the package's viz helpers, a line chart of
// loss series, and a two-component PCA for codes wider than two.

/** Put a `{ width, height, data: RGBA }` raster on a canvas (resized to fit it). */
export function drawRaster(canvas, r) {
  canvas.width = r.width;
  canvas.height = r.height;
  canvas.getContext('2d').putImageData(new ImageData(r.data, r.width, r.height), 0, 0);
}

/** Evenly spaced hues. */
export function seriesColours(n) {
  return Array.from({ length: n }, (_, i) => `hsl(${Math.round((360 * i) / Math.max(1, n))} 70% 40%)`);
}

/** Lines over epochs, on a log scale when the values span more than a factor of 20. */
export function drawLines(canvas, series, colours) {
  const g = canvas.getContext('2d');
  const { width, height } = canvas;
  const pad = { left: 56, right: 12, top: 12, bottom: 28 };
  g.fillStyle = '#fff';
  g.fillRect(0, 0, width, height);
  const values = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const epochs = Math.max(1, ...series.map((s) => s.values.length));
  if (values.length === 0) return;
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const log = hi / lo > 20;
  const f = (v) => (log ? Math.log10(v) : v);
  const [a, b] = [f(lo), f(hi) === f(lo) ? f(lo) + 1 : f(hi)];
  const x = (i) => pad.left + (epochs === 1 ? 0 : (i / (epochs - 1)) * (width - pad.left - pad.right));
  const y = (v) => pad.top + (1 - (f(v) - a) / (b - a)) * (height - pad.top - pad.bottom);
  g.strokeStyle = '#ccc';
  g.fillStyle = '#444';
  g.font = '11px sans-serif';
  for (const t of [0, 0.5, 1]) {
    const v = log ? 10 ** (a + t * (b - a)) : a + t * (b - a);
    g.beginPath();
    g.moveTo(pad.left, y(v));
    g.lineTo(width - pad.right, y(v));
    g.stroke();
    g.fillText(v.toPrecision(3), 4, y(v) + 4);
  }
  g.fillText(`epoch 1 … ${epochs}${log ? ' (log scale)' : ''}`, pad.left, height - 8);
  series.forEach((s, k) => {
    g.strokeStyle = colours[k];
    g.lineWidth = 2;
    g.beginPath();
    s.values.forEach((v, i) => {
      if (!(v > 0)) return;
      if (i === 0) g.moveTo(x(i), y(v));
      else g.lineTo(x(i), y(v));
    });
    g.stroke();
  });
}

/** The codes projected on their two principal components (power iteration, deflation). */
export function pca2(codes) {
  const { rows: n, cols: k, data } = codes;
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mean[j] += data[i * k + j] / n;
  const cov = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const dp = data[i * k + p] - mean[p];
      for (let q = 0; q < k; q++) cov[p * k + q] += (dp * (data[i * k + q] - mean[q])) / n;
    }
  }
  const components = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: k }, (_, j) => 1 + j / k);
    for (let it = 0; it < 100; it++) {
      const w = new Float64Array(k);
      for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) w[p] += cov[p * k + q] * v[q];
      for (const u of components) {
        const dot = w.reduce((s, x, j) => s + x * u[j], 0);
        for (let j = 0; j < k; j++) w[j] -= dot * u[j];
      }
      const norm = Math.hypot(...w) || 1;
      v = w.map((x) => x / norm);
    }
    components.push(v);
  }
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += (data[i * k + j] - mean[j]) * components[c][j];
      out[2 * i + c] = s;
    }
  }
  return { rows: n, cols: 2, data: out };
}
