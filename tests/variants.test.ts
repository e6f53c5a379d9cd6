// The variants of the lecture on real data (scikit-learn's 8×8 digits, MNIST subsets),
// each against what the lecture says it should do.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Autoencoder,
  Classifier,
  loadDigits,
  loadMnist,
  type Matrix,
  pretrainStack,
  SKLEARN_DIGITS,
} from '../dist/index.node.js';
import { centre, covariance, orthonormalize, principalAngles, symmetricEigen } from './helpers/linalg.js';

// Installed python3-sklearn, or the copy scripts/fetch-data.sh extracted from its .deb.
const digits = loadDigits(
  existsSync(SKLEARN_DIGITS)
    ? SKLEARN_DIGITS
    : fileURLToPath(new URL('../.cache/sklearn-digits.csv.gz', import.meta.url)),
);
const TRAIN = 1400;
function rows(m: Matrix, start: number, end: number): Matrix {
  return { rows: end - start, cols: m.cols, data: m.data.slice(start * m.cols, end * m.cols) };
}
const train = rows(digits, 0, TRAIN);
const test = rows(digits, TRAIN, digits.rows);

function meanSquaredError(a: Float32Array, b: Float32Array, samples: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return s / samples;
}

/** Masking noise drawn in the test, independent of the package's generator. */
function mask(m: Matrix, nu: number, seed: number): Matrix {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return { ...m, data: m.data.map((v) => (next() < nu ? 0 : v)) };
}

describe('basic autoencoder: linear, undercomplete, on centred digits = PCA', () => {
  it('spans the top-4 principal subspace (largest principal angle < 1°) with PCA’s error (±1%)', async () => {
    const data = Float32Array.from(digits.data);
    centre(data, digits.rows, 64);
    const x = { rows: digits.rows, cols: 64, data };
    const k = 4;
    // PCA, computed here independently of the package.
    const { values, vectors } = symmetricEigen(covariance(data, x.rows, 64), 64);
    const pcaError = values.slice(k).reduce((a, b) => a + b, 0); // per sample, summed over features
    const pca = new Float64Array(64 * k);
    for (let r = 0; r < 64; r++) for (let j = 0; j < k; j++) pca[r * k + j] = vectors[r * 64 + j] as number;

    const ae = await Autoencoder.create({
      inputSize: 64,
      layers: [{ units: k, activation: 'linear' }],
      outputActivation: 'linear',
      optimizer: { kind: 'adam' },
      seed: 3,
    });
    await ae.fit(x, {
      epochs: 300,
      batchSize: 64,
      learningRate: 0.01,
      schedule: { kind: 'cosine', minLearningRate: 1e-5 },
    });
    // The decoder's columns span the learned subspace.
    const { w } = await ae.layerWeights(0, true); // 64 × k
    const basis = orthonormalize(Float64Array.from(w.data), 64, k);
    const angles = principalAngles(basis, pca, 64, k).map((a) => (a * 180) / Math.PI);
    const aeError = (await ae.evaluate(x)).reconstruction;
    console.log(
      `linear AE vs PCA: largest angle ${angles[0]?.toFixed(3)}°, error ${aeError.toFixed(4)} vs ${pcaError.toFixed(4)}`,
    );
    expect(angles[0]).toBeLessThan(1);
    expect(Math.abs(aeError - pcaError) / pcaError).toBeLessThan(0.01);
    await ae.dispose();
  });
});

describe('sparse autoencoder', () => {
  it('drives mean hidden activations to within 20% of ρ; a plain AE does not', async () => {
    const rho = 0.05;
    const base = { inputSize: 64, hiddenSize: 32, optimizer: { kind: 'adam' as const }, seed: 5 };
    const fit = { epochs: 60, batchSize: 32, learningRate: 0.01 };
    const sparse = await Autoencoder.create({ ...base, sparsity: { rho, beta: 3 }, l2: 1e-4 });
    const plain = await Autoencoder.create(base);
    await sparse.fit(train, fit);
    await plain.fit(train, fit);
    const meanCode = async (ae: Autoencoder) => {
      const c = await ae.encode(test);
      return c.data.reduce((a, b) => a + b, 0) / c.data.length;
    };
    const [s, p] = [await meanCode(sparse), await meanCode(plain)];
    console.log(`mean activation: sparse ${s.toFixed(4)}, plain ${p.toFixed(4)} (ρ = ${rho})`);
    expect(Math.abs(s - rho) / rho).toBeLessThan(0.2);
    expect(Math.abs(p - rho) / rho).toBeGreaterThan(0.2);
    await Promise.all([sparse.dispose(), plain.dispose()]);
  });
});

describe('denoising autoencoder', () => {
  it('reconstructs clean digits from 30%-masked ones better than a plain AE of the same size', async () => {
    const base = { inputSize: 64, hiddenSize: 48, optimizer: { kind: 'adam' as const }, seed: 7 };
    const fit = { epochs: 60, batchSize: 32, learningRate: 0.005 };
    const denoising = await Autoencoder.create({ ...base, corruption: { kind: 'mask', nu: 0.3 } });
    const plain = await Autoencoder.create(base);
    await denoising.fit(train, fit);
    await plain.fit(train, fit);
    const noisy = mask(test, 0.3, 11);
    const err = async (ae: Autoencoder) => meanSquaredError((await ae.reconstruct(noisy)).data, test.data, test.rows);
    const [d, p] = [await err(denoising), await err(plain)];
    console.log(`masked-digit reconstruction error: denoising ${d.toFixed(3)}, plain ${p.toFixed(3)}`);
    expect(d).toBeLessThan(p);
    await Promise.all([denoising.dispose(), plain.dispose()]);
  });
});

describe('stacked denoising autoencoder with cross-entropy at every stage (Vincent et al. 2010)', () => {
  const stage = (units: number, activation: 'sigmoid' | 'relu' = 'sigmoid') => ({
    units,
    activation,
    corruption: { kind: 'mask' as const, nu: 0.25 },
    tiedWeights: true,
    loss: 'bce' as const,
    optimizer: { kind: 'adam' as const },
  });

  it('reconstructs sigmoid codes from logits above the first stage, and trains each stage on two workers', async () => {
    const { autoencoder, stages } = await pretrainStack(train, {
      inputSize: 64,
      stages: [stage(48), stage(32), stage(16)],
      fit: { epochs: 8, batchSize: 32, learningRate: 3e-3, dataParallel: { workers: 2 } },
    });
    for (const h of stages) {
      expect(h.losses.at(-1)).toBeLessThan(h.losses[0] as number);
      // The codes of the stage below reach the replicas too: no stage falls back to one worker.
      expect(h.workers).toBe(2);
      expect(h.dataParallelFallback).toBeUndefined();
    }
    const e = await autoencoder.evaluate(test);
    expect(Number.isFinite(e.reconstruction)).toBe(true);
    await autoencoder.dispose();
  });

  it('refuses cross-entropy on codes that are not in (0, 1), naming the stage', async () => {
    await expect(
      pretrainStack(train, { inputSize: 64, stages: [stage(48, 'relu'), stage(32)], fit: { epochs: 1 } }),
    ).rejects.toThrow(/stages\[1\]\.loss = "bce".*relu codes of stage 0.*sigmoid/);
  });
});

describe('contractive autoencoder', () => {
  it('has a much smaller encoder Jacobian than a plain AE at comparable reconstruction error', async () => {
    const base = { inputSize: 64, hiddenSize: 32, optimizer: { kind: 'adam' as const }, seed: 9 };
    const fit = { epochs: 60, batchSize: 32, learningRate: 0.005 };
    const contractive = await Autoencoder.create({ ...base, contractive: 0.02 });
    const plain = await Autoencoder.create(base);
    await contractive.fit(train, fit);
    await plain.fit(train, fit);
    const [jc, jp] = [await contractive.jacobianNorm(test), await plain.jacobianNorm(test)];
    const [ec, ep] = [(await contractive.evaluate(test)).reconstruction, (await plain.evaluate(test)).reconstruction];
    console.log(
      `‖J‖²: contractive ${jc.toFixed(3)}, plain ${jp.toFixed(3)}; error ${ec.toFixed(3)} vs ${ep.toFixed(3)}`,
    );
    expect(jc).toBeLessThan(0.5 * jp);
    expect(ec).toBeLessThan(1.5 * ep);
    await Promise.all([contractive.dispose(), plain.dispose()]);
  });
});

describe('variational autoencoder', () => {
  it('improves its test ELBO, samples finite images in range, interpolates between codes', async () => {
    const vae = await Autoencoder.create({
      inputSize: 64,
      layers: [{ units: 64, activation: 'tanh' }],
      vae: { latentSize: 8 },
      loss: 'bce',
      optimizer: { kind: 'adam' },
      seed: 13,
    });
    const before = (await vae.evaluate(test)).elbo as number;
    const result = await vae.fit(train, { epochs: 60, batchSize: 32, learningRate: 0.003, klWarmupEpochs: 5 });
    const after = (await vae.evaluate(test)).elbo as number;
    const iwae = await vae.iwaeBound(test, 20);
    console.log(`test ELBO ${before.toFixed(2)} → ${after.toFixed(2)} nats; IWAE(20) ${iwae.toFixed(2)}`);
    expect(after).toBeGreaterThan(before + 5);
    expect(iwae).toBeGreaterThanOrEqual(after - 0.5);
    expect(result.history[0]?.terms.kl).toBeGreaterThan(0);
    const samples = await vae.sample(16, 3);
    expect(samples.data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    // A 0 and a 1 from the test set: the path's ends decode near their own inputs.
    const first = (digit: number) =>
      test.data.subarray(
        64 * digits.labels.subarray(TRAIN).indexOf(digit),
        64 * (digits.labels.subarray(TRAIN).indexOf(digit) + 1),
      );
    const [a, b] = [first(0), first(1)];
    const path = await vae.interpolate(a, b, 5);
    const ends = await vae.reconstruct([a, b]);
    expect(Array.from(path.data.subarray(0, 64))).toEqual(Array.from(ends.data.subarray(0, 64)));
    expect(Array.from(path.data.subarray(4 * 64))).toEqual(Array.from(ends.data.subarray(64)));
    const dist = (u: ArrayLike<number>, v: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < 64; i++) s += ((u[i] as number) - (v[i] as number)) ** 2;
      return s;
    };
    const [start, end] = [path.data.subarray(0, 64), path.data.subarray(4 * 64)];
    expect(dist(start, a)).toBeLessThan(dist(end, a));
    expect(dist(end, b)).toBeLessThan(dist(start, b));
    await vae.dispose();
  });
});

describe('stacked autoencoder + softmax fine-tuning on MNIST', () => {
  const mnist = loadMnist({ split: 'train', limit: 6000 });
  const mnistTest = loadMnist({ split: 'test', limit: 2000 });
  const stackFit = { epochs: 4, batchSize: 64, learningRate: 0.003 };

  it('beats softmax on raw pixels, and with 1% of the labels beats the same network from random init', async () => {
    const stages = [
      { units: 200, sparsity: { rho: 0.1, beta: 3 }, l2: 3e-4, optimizer: { kind: 'adam' as const } },
      { units: 100, sparsity: { rho: 0.1, beta: 3 }, l2: 3e-4, optimizer: { kind: 'adam' as const } },
    ];
    const { autoencoder: deep, stages: history } = await pretrainStack(mnist, {
      inputSize: 784,
      stages,
      fit: stackFit,
      fineTune: { optimizer: { kind: 'adam' }, seed: 2 },
    });
    expect(history).toHaveLength(2);
    expect(history[0]?.losses.at(-1)).toBeLessThan(history[0]?.losses[0] as number);

    // Full labels: fine-tuned stacked network vs softmax regression on raw pixels.
    const tuned = await deep.toClassifier({ classes: 10, seed: 4 });
    await tuned.fit(mnist, mnist.labels, { epochs: 2, batchSize: 64, learningRate: 0.003, trainBody: false });
    await tuned.fit(mnist, mnist.labels, { epochs: 6, batchSize: 64, learningRate: 0.002 });
    const raw = await Classifier.create({ inputSize: 784, classes: 10, seed: 4 });
    await raw.fit(mnist, mnist.labels, { epochs: 8, batchSize: 64, learningRate: 0.003 });
    const [accTuned, accRaw] = [
      (await tuned.evaluate(mnistTest, mnistTest.labels)).accuracy,
      (await raw.evaluate(mnistTest, mnistTest.labels)).accuracy,
    ];

    // 1% of the labels (60 images): pretrained vs the same architecture from random init.
    const few = rows(mnist, 0, 60);
    const fewLabels = mnist.labels.subarray(0, 60);
    const fewFit = { epochs: 40, batchSize: 20, learningRate: 0.002 };
    const pre = await deep.toClassifier({ classes: 10, seed: 6 });
    await pre.fit(few, fewLabels, { ...fewFit, trainBody: false });
    await pre.fit(few, fewLabels, fewFit);
    const scratch = await Autoencoder.create({
      inputSize: 784,
      layers: [{ units: 200 }, { units: 100 }],
      seed: 6,
    });
    const fresh = await scratch.toClassifier({ classes: 10, seed: 6 });
    await fresh.fit(few, fewLabels, fewFit);
    const [accPre, accFresh] = [
      (await pre.evaluate(mnistTest, mnistTest.labels)).accuracy,
      (await fresh.evaluate(mnistTest, mnistTest.labels)).accuracy,
    ];
    console.log(
      `MNIST test accuracy: stacked+fine-tuned ${accTuned.toFixed(4)} vs softmax on pixels ${accRaw.toFixed(4)}; ` +
        `60 labels: pretrained ${accPre.toFixed(4)} vs random init ${accFresh.toFixed(4)}`,
    );
    expect(accTuned).toBeGreaterThan(accRaw);
    expect(accPre).toBeGreaterThan(accFresh);
    for (const m of [tuned, raw, pre, fresh, scratch, deep]) await m.dispose();
  });
});

describe('save, load and resume', () => {
  it('save → load gives identical outputs; resuming from a checkpoint equals training straight through', async () => {
    const config = {
      inputSize: 64,
      layers: [{ units: 24, sparsity: { rho: 0.1, beta: 1 } }, { units: 8 }],
      corruption: { kind: 'mask' as const, nu: 0.2 },
      optimizer: { kind: 'adam' as const },
      seed: 21,
    };
    const fit = { epochs: 3, batchSize: 50, learningRate: 0.01 };
    const straight = await Autoencoder.create(config);
    await straight.fit(train, { ...fit, epochs: 6 });

    const first = await Autoencoder.create(config);
    await first.fit(train, fit);
    const file = await first.save();
    const resumed = await Autoencoder.load(file, { backend: 'worker' });
    expect(resumed.config).toEqual(first.config);
    expect(Array.from((await resumed.encode(test)).data)).toEqual(Array.from((await first.encode(test)).data));
    await resumed.fit(train, fit);
    expect(await resumed.getWeights()).toEqual(await straight.getWeights());
    for (const m of [straight, first, resumed]) await m.dispose();
  });
});
