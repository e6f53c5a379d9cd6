// The built package in a real browser: headless Chromium (Debian's, driven by
// playwright-core) loads dist/index.browser.js from a localhost page, trains in a module
// Web Worker, and must match Node bit for bit while the page stays responsive.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launch, serve } from '../bench/browser.mjs';
import { Autoencoder, shapes } from '../dist/index.node.js';

const config = { inputSize: 100, hiddenSize: 24, optimizer: { kind: 'adam' as const }, seed: 99 };
const fit = { epochs: 150, batchSize: 16, learningRate: 0.01 };
const html = readFileSync(new URL('./fixtures/browser-train.html', import.meta.url), 'utf8');
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.runIf(available)('in headless Chromium', () => {
  let server: { url: string; close: () => Promise<void> };
  let browser: Awaited<ReturnType<typeof launch>>;
  beforeAll(async () => {
    server = await serve({ '/train.html': html });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A page that trains through `window.train(args)`; console errors are collected. */
  async function trainInPage(args: object) {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.url}/train.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const r = (await page.evaluate(
      (a) => (window as unknown as { train: (a: unknown) => Promise<unknown> }).train(a),
      args,
    )) as {
      before: number;
      after: number;
      ms: number;
      frames: number;
      longTaskMs: number;
      weights: number[];
      runtime: { backend: string; flavor: string };
      losses: number[];
    };
    await page.close();
    expect(errors, errors.join('\n')).toEqual([]);
    return r;
  }

  it('trains in a worker, keeps the page responsive, and equals Node bit for bit', async () => {
    const r = await trainInPage({ config, fit, flavor: 'simd128' });
    expect(r.runtime).toMatchObject({ backend: 'worker', flavor: 'simd128' });
    expect(r.after).toBeLessThan(r.before / 5);
    // The main thread kept painting: at least one frame per 50 ms of training, and no
    // long task ate more than a tenth of the time.
    console.log(
      `browser: ${r.ms.toFixed(0)} ms of training, ${r.frames} frames, ${r.longTaskMs.toFixed(0)} ms of long tasks`,
    );
    expect(r.frames).toBeGreaterThan(r.ms / 50);
    expect(r.longTaskMs).toBeLessThan(0.1 * r.ms + 100);

    const node = await Autoencoder.create(config, { flavor: 'simd128' });
    const result = await node.fit(shapes({ count: 600, size: 10, seed: 3 }), fit);
    expect(r.losses).toEqual(result.losses);
    expect(r.weights).toEqual(Array.from(await node.getWeights()));
    await node.dispose();
  });

  it('inline training on the page thread: a timer aborts it within ~50 ms while the page keeps painting', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.url}/train.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const r = (await page.evaluate(
      (a) => (window as unknown as { inlineAbort: (a: unknown) => Promise<unknown> }).inlineAbort(a),
      {
        config: { inputSize: 256, hiddenSize: 64, seed: 4 },
        fit: { epochs: 300, batchSize: 16 },
        abortAfterMs: 300,
        data: { count: 2000, size: 16, seed: 2 },
      },
    )) as { code: string; epochs: number; trainedMs: number; stoppedAfterMs: number; frames: number; after: number };
    await page.close();
    console.log(
      `inline in Chromium: aborted after ${r.trainedMs.toFixed(0)} ms (${r.epochs} of 300 epochs), stopped ${r.stoppedAfterMs.toFixed(1)} ms after the timer, ${r.frames} frames`,
    );
    expect(errors, errors.join('\n')).toEqual([]);
    expect(r.code).toBe('E_ABORTED');
    expect(r.epochs).toBeLessThan(300);
    // One slice (~25 ms) or one minibatch; the bound leaves room for a loaded machine.
    expect(r.stoppedAfterMs).toBeLessThan(250);
    // The page painted while its own thread trained (one frame per ~100 ms at least).
    expect(r.frames).toBeGreaterThan(r.trainedMs / 100);
    expect(Number.isFinite(r.after)).toBe(true);
  });

  // The same binary gives the same bits in both V8 embeddings, flavour by flavour: Node runs
  // tests/fixtures/train-and-dump.mjs (relaxed SIMD needs its flag on Node 20), the page
  // trains the same model on the same data in a worker.
  for (const flavor of ['scalar', 'simd128', 'relaxed'] as const) {
    it(`${flavor}: Chromium and Node give the same weights bit for bit`, async () => {
      const dump = fileURLToPath(new URL('./fixtures/train-and-dump.mjs', import.meta.url));
      const flags = flavor === 'relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
      const node = JSON.parse(execFileSync(process.execPath, [...flags, dump, flavor], { encoding: 'utf8' })) as {
        runtime: { flavor: string };
        losses: number[];
        weights: number[];
      };
      const page = await trainInPage({
        config: { inputSize: 100, hiddenSize: 16, seed: 77 },
        fit: { epochs: 3, batchSize: 16, learningRate: 0.5 },
        flavor,
        data: { count: 300, size: 10, seed: 3 },
      });
      expect(node.runtime.flavor).toBe(flavor);
      expect(page.runtime.flavor).toBe(flavor);
      expect(page.losses).toEqual(node.losses);
      expect(page.weights).toEqual(node.weights);
    });
  }

  it('saves and loads model files in the page: the same bytes as Node, and a flipped bit is refused', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/train.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const small = { inputSize: 12, hiddenSize: 3, optimizer: { kind: 'adam' as const }, seed: 5 };
    const r = (await page.evaluate(
      (a) => (window as unknown as { modelFile: (a: unknown) => Promise<unknown> }).modelFile(a),
      small,
    )) as { file: number[]; same: boolean; refused: string };
    await page.close();
    expect(errors, errors.join('\n')).toEqual([]);
    const node = await Autoencoder.create(small, { flavor: 'scalar' });
    expect(r.file).toEqual(Array.from(await node.save()));
    await node.dispose();
    expect(r.same).toBe(true);
    expect(r.refused).toMatch(/^E_FORMAT: not a readable diabolo model file: checksum mismatch: the file is damaged/);
  });

  it('exports safetensors and the PyTorch files in the page, as Node does, and reads them back in a worker', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/train.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const config = { inputSize: 12, layers: [{ units: 4 }, { units: 2 }], tiedWeights: true, seed: 5 };
    const r = (await page.evaluate(
      (a) => (window as unknown as { safetensors: (a: unknown) => Promise<unknown> }).safetensors(a),
      config,
    )) as { bytes: number[]; same: boolean; files: string[]; modelPy: string };
    await page.close();
    expect(errors, errors.join('\n')).toEqual([]);
    const node = await Autoencoder.create(config, { flavor: 'scalar' });
    expect(r.bytes).toEqual(Array.from(await node.toSafetensors()));
    expect(r.modelPy).toBe((await node.toPyTorch())['model.py']);
    await node.dispose();
    expect(r.same).toBe(true);
    expect(r.files).toEqual(['model.safetensors', 'model.py', 'train.py']);
  });

  // Shared memory needs a cross-origin isolated page; without it training falls back to one
  // engine and says why.
  for (const isolated of [true, false]) {
    it(`data-parallel training in ${isolated ? 'a cross-origin isolated' : 'an ordinary'} page`, async () => {
      const site = await serve({ '/train.html': html }, { isolated });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${site.url}/train.html`);
        await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
        const r = (await page.evaluate(
          (a) => (window as unknown as { parallel: (a: unknown) => Promise<unknown> }).parallel(a),
          {
            config: { inputSize: 100, layers: [{ units: 24 }], optimizer: { kind: 'adam' }, seed: 8 },
            fit: { epochs: 5, batchSize: 40, learningRate: 0.01 },
            workers: 2,
            data: { count: 400, size: 10, seed: 5 },
          },
        )) as {
          isolated: boolean;
          one: number[];
          many: number[];
          workers: number;
          fallback: string | null;
          classifier: { one: number[]; many: number[]; workers: number };
        };
        await page.close();
        expect(errors, errors.join('\n')).toEqual([]);
        expect(r.isolated).toBe(isolated);
        expect(r.workers).toBe(isolated ? 2 : 1);
        expect(r.fallback).toBe(
          isolated ? null : 'the page is not cross-origin isolated (COOP/COEP headers), so memory cannot be shared',
        );
        r.many.forEach((l, i) => {
          expect(Math.abs(l - (r.one[i] as number)) / l).toBeLessThan(1e-5);
        });
        // Classifier.fit too: the same workers, the same losses as one worker.
        expect(r.classifier.workers).toBe(r.workers);
        expect(r.classifier.many).toHaveLength(5);
        r.classifier.many.forEach((l, i) => {
          expect(Math.abs(l - (r.classifier.one[i] as number)) / l).toBeLessThan(1e-5);
        });
      } finally {
        await site.close();
      }
    });
  }
});
