// Small dense linear algebra for the tests, independent of the package: covariance, a
// Jacobi eigensolver for symmetric matrices, Gram–Schmidt, principal angles.

/** Row-major n×n symmetric matrix → eigenvalues (descending) and eigenvectors (columns). */
export function symmetricEigen(a: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (m[p * n + q] as number) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((m[q * n + q] as number) - (m[p * n + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p] as number;
          const mkq = m[k * n + q] as number;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k] as number;
          const mqk = m[q * n + k] as number;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (m[j * n + j] as number) - (m[i * n + i] as number),
  );
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src] as number;
  });
  return { values: order.map((i) => m[i * n + i] as number), vectors };
}

/** Subtract each column's mean (in place) and return the means. */
export function centre(data: Float32Array, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + (data[i * cols + j] as number);
  for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) / rows;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) data[i * cols + j] = (data[i * cols + j] as number) - (mean[j] as number);
  return mean;
}

/** Xᵀ X / rows. */
export function covariance(data: Float32Array, rows: number, cols: number): Float64Array {
  const c = new Float64Array(cols * cols);
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < cols; p++) {
      const xp = data[i * cols + p] as number;
      for (let q = p; q < cols; q++)
        c[p * cols + q] = (c[p * cols + q] as number) + xp * (data[i * cols + q] as number);
    }
  }
  for (let p = 0; p < cols; p++) {
    for (let q = p; q < cols; q++) {
      const v = (c[p * cols + q] as number) / rows;
      c[p * cols + q] = v;
      c[q * cols + p] = v;
    }
  }
  return c;
}

/** Orthonormal basis (columns, n×k) of the span of k column vectors given as an n×k matrix. */
export function orthonormalize(cols: Float64Array, n: number, k: number): Float64Array {
  const q = Float64Array.from(cols);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += (q[r * k + i] as number) * (q[r * k + j] as number);
      for (let r = 0; r < n; r++) q[r * k + j] = (q[r * k + j] as number) - dot * (q[r * k + i] as number);
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += (q[r * k + j] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < n; r++) q[r * k + j] = (q[r * k + j] as number) / norm;
  }
  return q;
}

/** Principal angles (radians, largest first) between the spans of two orthonormal n×k bases. */
export function principalAngles(a: Float64Array, b: Float64Array, n: number, k: number): number[] {
  // Singular values of AᵀB are the cosines: eigenvalues of (AᵀB)ᵀ(AᵀB).
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += (a[r * k + i] as number) * (b[r * k + j] as number);
      m[i * k + j] = s;
    }
  }
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let r = 0; r < k; r++) s += (m[r * k + i] as number) * (m[r * k + j] as number);
      g[i * k + j] = s;
    }
  }
  return symmetricEigen(g, k)
    .values.map((v) => Math.acos(Math.min(1, Math.sqrt(Math.max(0, v)))))
    .sort((x, y) => y - x);
}
