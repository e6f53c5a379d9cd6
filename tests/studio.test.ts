// The browser studio (studio/, built by Vite into studio/dist) in headless Chromium: load it,
// train a few epochs in its worker, watch the chart, filters, reconstructions and latent
// plane appear, sample a VAE, cancel a run, refuse a bad file — with no console errors.
// Screenshots go to test-artifacts/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launch, serve } from '../bench/browser.mjs';

const built = existsSync(new URL('../studio/dist/index.html', import.meta.url));
const available = existsSync(CHROMIUM) && built;
if (!available) console.warn('studio tests skipped: needs Chromium and a built studio (npm run build)');
const artifacts = new URL('../test-artifacts/', import.meta.url);
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

describe.runIf(available)('the studio in headless Chromium', () => {
  let server: { url: string; close: () => Promise<void> };
  let browser: Awaited<ReturnType<typeof launch>>;
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await serve();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open() {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.url}/studio/dist/index.html`);
    await page.waitForFunction(() => (window as unknown as { studioReady?: boolean }).studioReady === true);
    return { page, errors };
  }

  type Page = Awaited<ReturnType<typeof open>>['page'];
  /** axe-core's serious and critical violations on the page as it is, as "rule: target" lines. */
  async function axeViolations(page: Page) {
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axePath });
    return page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: () => Promise<{ violations: Violation[] }> } }).axe;
      type Violation = { id: string; impact: string; nodes: { target: string[] }[] };
      const { violations } = await axe.run();
      return violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}`));
    });
  }

  /** No serious axe violation on the page as it is (pointer parked), no console error; then close it. */
  async function finish(page: Page, errors: string[]) {
    await page.mouse.move(0, 0);
    const violations = await axeViolations(page);
    expect(violations, violations.join('\n')).toEqual([]);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  }

  /** What a code map's hover tip shows: its image's width, its light pixels, its caption. */
  async function tipShown(tip: ReturnType<Page['locator']>) {
    return tip.evaluate((t) => {
      const c = t.querySelector('canvas') as HTMLCanvasElement;
      const px = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let ink = 0;
      for (let i = 0; i < px.length; i += 4) if ((px[i] as number) > 128) ink++;
      return { width: c.width, ink, text: t.querySelector('span')?.textContent };
    });
  }

  /** The canvases of one image-row view: whose row, which samples, their size and error. */
  async function canvases(page: Page, host: string) {
    return page.evaluate(
      (h) =>
        [...document.querySelectorAll<HTMLCanvasElement>(`${h} canvas`)].map((c) => ({
          variant: c.dataset.variant ?? 'inputs',
          samples: c.dataset.samples,
          error: c.dataset.error,
          size: [c.width, c.height],
        })),
      host,
    );
  }

  it('has no serious or critical axe violations when it opens', async () => {
    const { page, errors } = await open();
    await finish(page, errors);
  });

  it('trains a sparse autoencoder and shows the loss, filters, reconstructions and codes', async () => {
    const { page, errors } = await open();
    await page.selectOption('#dataset', 'shapes16');
    await page.selectOption('#variant', 'sparse');
    await page.fill('#hidden', '32');
    await page.fill('#epochs', '12');
    await page.click('#train');
    await page.waitForSelector('#loss[data-points="12"]', { timeout: 60_000 });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Done'));
    // The loss chart (uPlot): its legend names the series and reads out the last epoch.
    const legend = await page.locator('#loss .u-legend .u-series').allTextContents();
    expect(legend.some((t) => t.startsWith('sparsity'))).toBe(true);
    expect(legend.some((t) => t.startsWith('validation'))).toBe(true);
    expect(legend.find((t) => t.startsWith('epoch'))).toContain('12');
    expect(await page.getAttribute('#loss', 'aria-label')).toMatch(/epoch across, squared error per sample up/);
    expect(await page.locator('#loss canvas').count()).toBeGreaterThan(0);
    const sizes = await page.evaluate(() =>
      ['filters', 'recon'].map((id) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        return [c.width, c.height];
      }),
    );
    // 32 filters of 16×16 in rows of 16; 2 × 10 images at scale 2.
    expect(sizes).toEqual([
      [16 * 18 + 2, 2 * 18 + 2],
      [10 * 34 + 2, 2 * 34 + 2],
    ]);
    // The code map: 600 points, axes named, a legend of the four shapes.
    expect(await page.locator('#codemap circle.pt').count()).toBe(600);
    const axisText = await page.locator('#codemap text').allTextContents();
    expect(axisText).toEqual(expect.arrayContaining(['principal component 1', 'principal component 2']));
    expect(await page.locator('#codemap-legend li').allTextContents()).toEqual([
      'line',
      'rectangle',
      'circle',
      'triangle',
    ]);
    // Hovering a point shows its input image.
    // Points overlap: move the pointer onto the first one whatever lies above it.
    await page.hover('#codemap circle.pt >> nth=0', { force: true });
    await page.waitForSelector('#codemap-tip:not([hidden])');
    const tip = await tipShown(page.locator('#codemap-tip'));
    expect(tip.width).toBe(16);
    expect(tip.ink).toBeGreaterThan(0);
    expect(tip.text).toMatch(/^(line|rectangle|circle|triangle), sample \d+$/);
    await page.screenshot({ path: new URL('studio-hover.png', artifacts).pathname, fullPage: true });
    await page.mouse.move(0, 0);
    expect(await page.isEnabled('#save')).toBe(true);
    await page.screenshot({ path: new URL('studio.png', artifacts).pathname, fullPage: true });
    await finish(page, errors);
  });

  it('compares two variants trained on the same data and seed, side by side', async () => {
    const { page, errors } = await open();
    await page.selectOption('#dataset', 'shapes16');
    await page.fill('#hidden', '16');
    await page.fill('#epochs', '3');
    // basic and denoising are checked when the page opens; this run adds nothing.
    expect(await page.locator('#compare-variants input:checked').evaluateAll((b) => b.map((x) => x.value))).toEqual([
      'basic',
      'denoising',
    ]);
    await page.click('#compare');
    await page.waitForFunction(
      () => document.getElementById('compare-status')?.textContent?.startsWith('Compared'),
      null,
      {
        timeout: 90_000,
      },
    );
    expect(await page.getAttribute('#compare-loss', 'data-points')).toBe('3');
    // One series per variant in the legend, each reading out a value at the last epoch.
    const legend = await page.locator('#compare-loss .u-legend .u-series').allTextContents();
    for (const name of ['basic', 'denoising']) {
      const entry = legend.find((t) => t.startsWith(name));
      expect(entry, legend.join(' | ')).toBeDefined();
      expect(entry).toMatch(/\d\.\d+/);
    }
    expect(await page.getAttribute('#compare-loss', 'aria-label')).toMatch(/squared error per sample/);
    // The inputs, then a reconstruction row per variant of the same held-out samples, all the same size.
    const rows = await canvases(page, '#compare-recon');
    expect(rows.map((r) => r.variant)).toEqual(['inputs', 'basic', 'denoising']);
    expect(new Set(rows.map((r) => r.samples)).size).toBe(1);
    expect(new Set(rows.map((r) => r.size.join('x'))).size).toBe(1);
    // 10 images of 16×16 at scale 2 in one row.
    expect(rows[0]?.size).toEqual([10 * 34 + 2, 34 + 2]);
    expect(await page.locator('#compare-cards canvas.filters[data-variant]').count()).toBe(2);
    await finish(page, errors);
  });

  it('runs a lecture preset on the 8×8 digits: three variants with code maps, a denoising test and anomaly scores', async () => {
    const { page, errors } = await open();
    expect(await page.isDisabled('#dataset option[value="digits8"]')).toBe(false);
    await page.click('button[data-preset="overcomplete"]');
    await page.waitForFunction(
      () => document.getElementById('compare-status')?.textContent?.startsWith('Compared'),
      null,
      {
        timeout: 120_000,
      },
    );
    // The preset loaded the digits and set an overcomplete layer: 128 codes for 64 pixels.
    expect(await page.textContent('#data-info')).toContain("scikit-learn's 8×8 digits: 1797 samples × 64 features");
    expect(await page.inputValue('#hidden')).toBe('128');
    expect(await page.textContent('#preset-note')).toMatch(/^Overcomplete/);
    const names = ['basic', 'sparse', 'denoising'];
    const held = 179; // the last tenth of 1 797 rows
    expect(await page.textContent('#compare-status')).toContain(`${held} rows held out`);
    // A card per variant, side by side: its code map (one point per held-out row) and its filters.
    const cards = page.locator('#compare-cards article.card');
    expect(await cards.evaluateAll((c) => c.map((x) => (x as HTMLElement).dataset.variant))).toEqual(names);
    for (let i = 0; i < names.length; i++) {
      expect(await cards.nth(i).locator('circle.pt').count()).toBe(held);
      expect(await cards.nth(i).locator('canvas.filters').count()).toBe(1);
    }
    expect(await page.locator('#compare-legend li').allTextContents()).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i)),
    );
    // Hovering a point of the second map shows that held-out digit (8×8, with ink) and its class.
    await cards.nth(1).locator('circle.pt >> nth=5').hover({ force: true });
    const tip = cards.nth(1).locator('.tip');
    await tip.waitFor({ state: 'visible' });
    const shown = await tipShown(tip);
    expect(shown.width).toBe(8);
    expect(shown.ink).toBeGreaterThan(0);
    expect(shown.text).toMatch(/^\d, sample \d+$/);
    // The denoising view: clean, corrupted, then each variant's reconstruction of the corrupted
    // inputs with its squared error to the clean ones. The denoising variant, trained for exactly
    // this, is closer to the clean images than the plain one (seeded: the same numbers every run).
    const denoise = await canvases(page, '#compare-denoise');
    expect(denoise.map((r) => r.variant)).toEqual(['inputs', 'inputs', ...names]);
    // 10 images of 8×8 at scale 4.
    expect(denoise[0]?.size).toEqual([10 * 34 + 2, 34 + 2]);
    const err = Object.fromEntries(denoise.filter((r) => r.error).map((r) => [r.variant, Number(r.error)]));
    expect(err.denoising).toBeLessThan(err.basic as number);
    // An anomaly histogram per variant: noise images score above the held-out digits' 99th percentile.
    const anomaly = page.locator('#compare-anomaly figure');
    expect(await anomaly.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      const fig = anomaly.nth(i);
      expect(await fig.locator('svg .legend text').allTextContents()).toEqual(['held-out', 'noise']);
      expect(await fig.locator('svg .axis-label').allTextContents()).toEqual([
        'squared error per image',
        'number of images',
      ]);
      expect(Number(await fig.getAttribute('data-flagged'))).toBeGreaterThan(0.9 * held);
    }
    await page.mouse.move(0, 0);
    await page.locator('#compare-section').screenshot({ path: new URL('studio-compare.png', artifacts).pathname });
    await finish(page, errors);
  });

  it('is usable from the keyboard alone: choose the digits, train, save and export ONNX', async () => {
    const { page, errors } = await open();
    // Tab through the page until `selector` has the focus (or fail: it is not reachable).
    async function tabTo(selector: string) {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
      }
      throw new Error(`${selector} is not reachable with Tab`);
    }
    async function typeInto(selector: string, text: string) {
      await tabTo(selector);
      await page.keyboard.press('Control+A');
      await page.keyboard.type(text);
    }
    await tabTo('#dataset');
    // Shapes 28×28 → shapes 16×16 → digits.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.getElementById('data-info')?.textContent?.includes('8×8 digits'));
    await typeInto('#hidden', '24');
    await typeInto('#epochs', '4');
    await tabTo('#train');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Done'), null, {
      timeout: 60_000,
    });
    expect(await page.getAttribute('#loss', 'data-points')).toBe('4');
    const saved = page.waitForEvent('download');
    await tabTo('#save');
    await page.keyboard.press('Enter');
    const file = await saved;
    expect(file.suggestedFilename()).toBe('model.diabolo');
    const model = readFileSync((await file.path()) as string);
    expect(model.subarray(0, 8).toString('latin1')).toBe('DIABOLO\0');
    const exported = page.waitForEvent('download');
    await tabTo('#export-onnx');
    await page.keyboard.press('Enter');
    const onnxFile = await exported;
    expect(onnxFile.suggestedFilename()).toBe('model.onnx');
    const onnx = readFileSync((await onnxFile.path()) as string);
    // ModelProto field 1 (ir_version, a varint) comes first: IR version 10.
    expect([...onnx.subarray(0, 2)]).toEqual([0x08, 10]);
    // The graph names the model's input and outputs.
    for (const name of ['x', 'code', 'reconstruction']) expect(onnx.includes(Buffer.from(name))).toBe(true);
    expect(await page.textContent('#status')).toContain('Exported model.onnx');
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('samples a VAE from its 2-D latent plane with the sliders', async () => {
    const { page, errors } = await open();
    await page.selectOption('#dataset', 'shapes16');
    await page.selectOption('#variant', 'vae');
    await page.fill('#epochs', '3');
    await page.click('#train');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Done'), null, {
      timeout: 60_000,
    });
    expect(await page.isVisible('#sampler')).toBe(true);
    expect(await page.locator('#codemap text').allTextContents()).toEqual(expect.arrayContaining(['code 1', 'code 2']));
    expect(await page.getAttribute('#loss', 'aria-label')).toContain('nats per sample');
    const before = await page.evaluate(() => (document.getElementById('sample') as HTMLCanvasElement).toDataURL());
    await page.fill('#z1', '2.5');
    await page.dispatchEvent('#z1', 'input');
    await page.waitForFunction(
      (old) => (document.getElementById('sample') as HTMLCanvasElement).toDataURL() !== old,
      before,
    );
    await page.screenshot({ path: new URL('studio-vae.png', artifacts).pathname, fullPage: true });
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('cancels a long run and refuses a damaged file with a message naming it', async () => {
    const { page, errors } = await open();
    await page.fill('#epochs', '500');
    await page.click('#train');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Epoch'));
    await page.click('#cancel');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Cancelled'));
    expect(await page.isEnabled('#train')).toBe(true);
    await page.setInputFiles('#file', {
      name: 'broken.npy',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not numpy'),
    });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('broken.npy'));
    const status = await page.textContent('#status');
    expect(status).toContain('Could not read broken.npy: E_FORMAT');
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });
});
