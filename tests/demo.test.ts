// The main job (`npm run demo`) end to end on the built-in shapes (the fallback when MNIST is
// absent; the MNIST run is the README's first command): it must finish, report what it
// learned and write every picture of the report, each with its title, and the HTML report,
// which must open from file:// in headless Chromium with every figure and no error or request.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launch } from '../bench/browser.mjs';

const report = mkdtempSync(join(tmpdir(), 'diabolo-demo-'));
afterAll(() => rmSync(report, { recursive: true, force: true }));
const chromium = existsSync(CHROMIUM);
if (!chromium) console.warn(`report's browser check skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** The report's figures: id, and whether it is a chart (SVG) rather than a picture (PNG). */
const FIGURES: [string, 'svg' | 'img'][] = [
  ['pretraining-loss', 'svg'],
  ['reconstructions', 'img'],
  ['filters', 'img'],
  ['denoising', 'img'],
  ['fine-tuning-loss', 'svg'],
  ['anomaly-scores', 'svg'],
  ['vae-loss', 'svg'],
  ['vae-samples', 'img'],
  ['vae-latent-map', 'svg'],
  ['vae-latent-traversal', 'img'],
];

describe('npm run demo', () => {
  it('trains, fine-tunes, flags anomalies, samples a VAE and writes the report', () => {
    const demo = fileURLToPath(new URL('../dist/cli/demo.js', import.meta.url));
    const r = spawnSync(process.execPath, [demo], {
      encoding: 'utf8',
      env: { ...process.env, DIABOLO_DEMO_DATA: 'shapes', DIABOLO_REPORT: report },
    });
    expect(r.status, r.stderr).toBe(0);
    const accuracy = /test accuracy: ([\d.]+)% \(softmax on frozen codes\) → ([\d.]+)% \(fine-tuned\)/.exec(r.stdout);
    expect(accuracy, r.stdout).not.toBeNull();
    // Four classes of shapes: chance is 25%; fine-tuning must help.
    expect(Number(accuracy?.[2])).toBeGreaterThan(Math.max(60, Number(accuracy?.[1])));
    expect(r.stdout).toMatch(/50\/50 random-noise images flagged/);
    expect(r.stdout).toContain('pixels in [0, 1]: true');
    const pictures = [
      'reconstructions.png',
      'filters.png',
      'denoising.png',
      'anomaly-scores.png',
      'vae-samples.png',
      'vae-latent-map.png',
      'vae-latent-traversal.png',
    ];
    for (const name of pictures) {
      const png = PNG.sync.read(readFileSync(join(report, name)));
      expect(png.width * png.height, name).toBeGreaterThan(100 * 50);
      // Titled: white paper above the picture, with dark text in the title strip.
      const dark = (i: number) => (png.data[i] as number) < 100;
      expect(Array.from(png.data.subarray(0, 3)), name).toEqual([255, 255, 255]);
      const strip = Array.from({ length: png.width * 30 }, (_, p) => dark(p * 4));
      expect(strip.some(Boolean), name).toBe(true);
    }
    // The HTML report: self-contained (nothing but data: URLs and in-page anchors), with the
    // numbers the demo printed.
    const html = readFileSync(join(report, 'index.html'), 'utf8');
    const external = [
      ...html.matchAll(
        /\b(?:src|href|xlink:href)\s*=\s*(?!["']?(?:data:|#))\S{0,40}|url\(|@import|<script|<link|<iframe|<object|https?:\/\/\S{0,40}/gi,
      ),
    ]
      .map((m) => m[0])
      .filter((m) => m !== 'http://www.w3.org/2000/svg"');
    expect(external).toEqual([]);
    expect(html).toContain(`<td class="value">${accuracy?.[2]}</td>`);
    for (const [id] of FIGURES) expect(html).toContain(`<figure id="${id}">`);
  }, 180_000);

  it.runIf(chromium)(
    'the report opens from file:// in Chromium: every figure titled, charts with axes, images decoded',
    async () => {
      const browser = await launch();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
        page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
        page.on('request', (r) => {
          const url = r.url();
          if (!url.startsWith('data:') && url !== pathToFileURL(join(report, 'index.html')).href) {
            problems.push(`request: ${url}`);
          }
        });
        await page.goto(pathToFileURL(join(report, 'index.html')).href, { waitUntil: 'load' });
        const figures = await page.evaluate(() =>
          [...document.querySelectorAll('figure')].map((f) => ({
            id: f.id,
            caption: f.querySelector('figcaption')?.textContent?.trim() ?? '',
            heading: f.querySelector('h2')?.textContent?.trim() ?? '',
            svgs: [...f.querySelectorAll('svg')].map((s) => ({
              title: s.querySelector('.chart-title')?.textContent ?? '',
              x: s.querySelector('.axis-label.x')?.textContent ?? '',
              y: s.querySelector('.axis-label.y')?.textContent ?? '',
              ticks: s.querySelectorAll('.tick').length,
              width: s.getBoundingClientRect().width,
            })),
            images: [...f.querySelectorAll('img')].map((i) => ({
              complete: i.complete,
              width: i.naturalWidth,
              alt: i.alt,
            })),
          })),
        );
        expect(problems, problems.join('\n')).toEqual([]);
        expect(figures.map((f) => f.id)).toEqual(FIGURES.map(([id]) => id));
        for (const [[id, kind], f] of FIGURES.map((e, i) => [e, figures[i]] as const)) {
          expect(f?.caption.length, id).toBeGreaterThan(20);
          expect(f?.heading, id).not.toBe('');
          if (kind === 'svg') {
            expect(f?.svgs, id).toHaveLength(1);
            const svg = f?.svgs[0];
            expect(svg?.title, id).not.toBe('');
            expect(svg?.x, id).not.toBe('');
            expect(svg?.y, id).not.toBe('');
            expect(svg?.ticks, id).toBeGreaterThanOrEqual(6);
            expect(svg?.width, id).toBeGreaterThan(200);
          } else {
            expect(f?.images, id).toHaveLength(1);
            expect(f?.images[0]?.complete, id).toBe(true);
            expect(f?.images[0]?.width, id).toBeGreaterThan(0);
            expect(f?.images[0]?.alt, id).not.toBe('');
          }
        }
        // The multi-series charts carry a legend.
        const legends = await page.evaluate(() =>
          Object.fromEntries(
            [...document.querySelectorAll('figure')].map((f) => [f.id, f.querySelectorAll('.legend text').length]),
          ),
        );
        expect(legends).toMatchObject({
          'pretraining-loss': 2,
          'fine-tuning-loss': 2,
          'vae-loss': 2,
          'anomaly-scores': 2,
          'vae-latent-map': 4,
        });
        expect(await page.locator('table td.value').count()).toBeGreaterThanOrEqual(8);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
