// The browser studio (studio/, built by Vite into studio/dist) in headless Chromium: load it,
// train a few epochs in its worker, watch the chart, filters, reconstructions and latent
// plane appear, sample a VAE, cancel a run, refuse a bad file — with no console errors.
// Screenshots go to test-artifacts/.
import { existsSync, mkdirSync } from 'node:fs';
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

  it('has no serious or critical axe violations when it opens', async () => {
    const { page, errors } = await open();
    const violations = await axeViolations(page);
    expect(violations, violations.join('\n')).toEqual([]);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
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
    const tip = await page.evaluate(() => {
      const c = document.querySelector('#codemap-tip canvas') as HTMLCanvasElement;
      const px = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let ink = 0;
      for (let i = 0; i < px.length; i += 4) if ((px[i] as number) > 128) ink++;
      return { width: c.width, ink, text: document.querySelector('#codemap-tip span')?.textContent };
    });
    expect(tip.width).toBe(16);
    expect(tip.ink).toBeGreaterThan(0);
    expect(tip.text).toMatch(/^(line|rectangle|circle|triangle), sample \d+$/);
    await page.screenshot({ path: new URL('studio-hover.png', artifacts).pathname, fullPage: true });
    await page.mouse.move(0, 0);
    const violations = await axeViolations(page);
    expect(violations, violations.join('\n')).toEqual([]);
    expect(await page.isEnabled('#save')).toBe(true);
    await page.screenshot({ path: new URL('studio.png', artifacts).pathname, fullPage: true });
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('compares two variants trained on the same data and seed, side by side', async () => {
    const { page, errors } = await open();
    await page.selectOption('#dataset', 'shapes16');
    await page.selectOption('#variant', 'basic');
    await page.selectOption('#compare-variant', 'denoising');
    await page.fill('#hidden', '16');
    await page.fill('#epochs', '3');
    // Keyboard only: focus the button and press Enter.
    await page.focus('#compare');
    await page.keyboard.press('Enter');
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
    // The inputs, then a reconstruction row per variant of the same samples, all the same size.
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLCanvasElement>('#compare-recon canvas')].map((c) => ({
        variant: c.dataset.variant ?? 'inputs',
        samples: c.dataset.samples,
        size: [c.width, c.height],
      })),
    );
    expect(rows.map((r) => r.variant)).toEqual(['inputs', 'basic', 'denoising']);
    expect(new Set(rows.map((r) => r.samples)).size).toBe(1);
    expect(new Set(rows.map((r) => r.size.join('x'))).size).toBe(1);
    // 10 images of 16×16 at scale 2 in one row.
    expect(rows[0]?.size).toEqual([10 * 34 + 2, 34 + 2]);
    expect(await page.locator('#compare-filters canvas[data-variant]').count()).toBe(2);
    await page.mouse.move(0, 0);
    const violations = await axeViolations(page);
    expect(violations, violations.join('\n')).toEqual([]);
    await page.locator('#compare-section').screenshot({ path: new URL('studio-compare.png', artifacts).pathname });
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
