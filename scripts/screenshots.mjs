// The README's screenshots, retaken in headless Chromium (bench/browser.mjs): one function per
// shot, each writing docs/img/<name>.png. `node scripts/screenshots.mjs` takes them all;
// `--only report` (or a comma-separated list) takes some.
//   report: the top of the demo's report/index.html, opened from file:// (run `npm run demo`,
//           or `node dist/cli/demo.js` after a build, first; `--report DIR` reads another folder).
//   studio-compare: the studio's "overcomplete" lecture preset (basic, sparse and denoising on
//           the 8×8 digits), its comparison section once trained (needs `npm run build`).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { launch, serve } from '../bench/browser.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'docs/img');
const { values } = parseArgs({
  options: { only: { type: 'string' }, report: { type: 'string', default: 'report' } },
});

/** Width of every shot: the report's column (1100 px) with its margins, as on a laptop. */
const WIDTH = 1200;

const SHOTS = {
  /**
   * The report's title, intro, table of numbers and first two figures (a chart, a picture):
   * what a reader sees first, and a PNG of under 300 kB (the figures below are alike).
   */
  async report(browser) {
    const html = resolve(root, values.report, 'index.html');
    if (!existsSync(html)) throw new Error(`no report at ${html}: run \`node dist/cli/demo.js\` first`);
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    // Down to the end of the first picture (the reconstructions), so the shot ends on a whole figure.
    const height = await page.evaluate(() => {
      const figure = document.getElementById('reconstructions');
      const end = figure ? figure.getBoundingClientRect().bottom + window.scrollY + 24 : 1800;
      return Math.ceil(Math.min(document.documentElement.scrollHeight, end));
    });
    const file = join(out, 'report.png');
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: WIDTH, height } });
    await page.close();
    return file;
  },
  /** The comparison view after one click on a lecture preset: every view of it, in one picture. */
  async 'studio-compare'(browser) {
    const server = await serve();
    try {
      const page = await browser.newPage({ viewport: { width: WIDTH, height: 1000 } });
      await page.goto(`${server.url}/studio/dist/index.html`);
      await page.waitForFunction(() => window.studioReady === true);
      await page.click('button[data-preset="overcomplete"]');
      await page.waitForFunction(
        () => /^(Compared|Comparison)/.test(document.getElementById('compare-status')?.textContent ?? ''),
        null,
        { timeout: 180_000 },
      );
      const status = await page.textContent('#compare-status');
      if (!status?.startsWith('Compared')) throw new Error(`the comparison did not finish: ${status}`);
      await page.mouse.move(0, 0);
      const file = join(out, 'studio-compare.png');
      await page.locator('#compare-section').screenshot({ path: file });
      await page.close();
      return file;
    } finally {
      await server.close();
    }
  },
};

const names = values.only ? values.only.split(',') : Object.keys(SHOTS);
const unknown = names.filter((n) => !(n in SHOTS));
if (unknown.length > 0) {
  console.error(`unknown shot ${unknown.join(', ')}: expected ${Object.keys(SHOTS).join(', ')}`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const browser = await launch();
try {
  for (const name of names) {
    const file = await SHOTS[name](browser);
    console.log(`${name}: ${file} (${Math.round(statSync(file).size / 1024)} kB)`);
  }
} finally {
  await browser.close();
}
