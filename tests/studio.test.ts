// The browser studio (studio/, built by Vite into studio/dist) in headless Chromium: load it,
// train a few epochs in its worker, watch the chart, filters, reconstructions and latent
// plane appear, sample a VAE, cancel a run, refuse a bad file — with no console errors.
// Screenshots go to test-artifacts/.
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launch, serve } from '../bench/browser.mjs';

const built = existsSync(new URL('../studio/dist/index.html', import.meta.url));
const available = existsSync(CHROMIUM) && built;
if (!available) console.warn('studio tests skipped: needs Chromium and a built studio (npm run build)');
const artifacts = new URL('../test-artifacts/', import.meta.url);

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

  it('trains a sparse autoencoder and shows the loss, filters, reconstructions and codes', async () => {
    const { page, errors } = await open();
    await page.selectOption('#dataset', 'shapes16');
    await page.selectOption('#variant', 'sparse');
    await page.fill('#hidden', '32');
    await page.fill('#epochs', '12');
    await page.click('#train');
    await page.waitForSelector('#loss[data-points="12"]', { timeout: 60_000 });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Done'));
    const legend = await page.locator('#legend li').allTextContents();
    expect(legend.some((t) => t.startsWith('sparsity:'))).toBe(true);
    expect(legend.some((t) => t.startsWith('validation:'))).toBe(true);
    const sizes = await page.evaluate(() =>
      ['filters', 'recon', 'latent'].map((id) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        return [c.width, c.height];
      }),
    );
    // 32 filters of 16×16 in rows of 16; 2 × 10 images at scale 2; the 280-px scatter.
    expect(sizes).toEqual([
      [16 * 18 + 2, 2 * 18 + 2],
      [10 * 34 + 2, 2 * 34 + 2],
      [280, 280],
    ]);
    expect(await page.isEnabled('#save')).toBe(true);
    await page.screenshot({ path: new URL('studio.png', artifacts).pathname, fullPage: true });
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
