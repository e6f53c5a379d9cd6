// Principal components for the benchmarks, in plain JavaScript (independent of the package):
// covariance of a sample, then the top-k eigenvectors by subspace iteration with
// Rayleigh–Ritz (Gram–Schmidt between steps).

/** Column means of a row-major `rows × cols` Float32Array. */
export function means(data, rows, cols) {
  const m = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m[j] += data[i * cols + j];
  for (let j = 0; j < cols; j++) m[j] /= rows;
  return m;
}

function covariance(data, rows, cols, mean) {
  const c = new Float64Array(cols * cols);
  const x = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) x[j] = data[i * cols + j] - mean[j];
    for (let p = 0; p < cols; p++) {
      const xp = x[p];
      if (xp === 0) continue;
      const row = p * cols;
      for (let q = p; q < cols; q++) c[row + q] += xp * x[q];
    }
  }
  for (let p = 0; p < cols; p++) {
    for (let q = p; q < cols; q++) {
      c[p * cols + q] /= rows;
      c[q * cols + p] = c[p * cols + q];
    }
  }
  return c;
}

function orthonormalize(q, n, k) {
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += q[r * k + i] * q[r * k + j];
      for (let r = 0; r < n; r++) q[r * k + j] -= dot * q[r * k + i];
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += q[r * k + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < n; r++) q[r * k + j] /= norm;
  }
}

/** Top-`k` principal directions (n × k, orthonormal columns) of `rows` samples. */
export function principalSubspace(data, rows, cols, k, iterations = 150) {
  const mean = means(data, rows, cols);
  const c = covariance(data, rows, cols, mean);
  let q = new Float64Array(cols * k);
  let s = 12345;
  for (let i = 0; i < q.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    q[i] = s / 2 ** 32 - 0.5;
  }
  orthonormalize(q, cols, k);
  const next = new Float64Array(cols * k);
  for (let it = 0; it < iterations; it++) {
    next.fill(0);
    for (let r = 0; r < cols; r++) {
      for (let p = 0; p < cols; p++) {
        const crp = c[r * cols + p];
        if (crp === 0) continue;
        for (let j = 0; j < k; j++) next[r * k + j] += crp * q[p * k + j];
      }
    }
    orthonormalize(next, cols, k);
    q = Float64Array.from(next);
  }
  return { mean, basis: q };
}

/** Mean over samples of ‖x − μ − QQᵀ(x − μ)‖², the squared error of a k-dimensional PCA code. */
export function pcaSquaredError(data, rows, cols, { mean, basis }, k) {
  let total = 0;
  const x = new Float64Array(cols);
  const code = new Float64Array(k);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) x[j] = data[i * cols + j] - mean[j];
    code.fill(0);
    for (let r = 0; r < cols; r++) for (let j = 0; j < k; j++) code[j] += basis[r * k + j] * x[r];
    for (let r = 0; r < cols; r++) {
      let rec = 0;
      for (let j = 0; j < k; j++) rec += basis[r * k + j] * code[j];
      total += (x[r] - rec) ** 2;
    }
  }
  return total / rows;
}
