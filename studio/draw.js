// Canvas drawing for the studio: rasters made by the package's viz helpers, and a
// two-component PCA for codes wider than two.

/** Put a `{ width, height, data: RGBA }` raster on a canvas (resized to fit it). */
export function drawRaster(canvas, r) {
  canvas.width = r.width;
  canvas.height = r.height;
  canvas.getContext('2d').putImageData(new ImageData(r.data, r.width, r.height), 0, 0);
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
