// The chart of bench:train: horizontal bars of samples/s on a log scale, as SVG, and its PNG
// (rendered by headless Chromium).
import { fileURLToPath } from 'node:url';
import { launch } from './browser.mjs';

/** Horizontal bars of samples/s on a log scale, as SVG. */
export function chartSvg(title, bars) {
  const rowH = 26;
  const left = 390;
  const width = 980;
  const plotW = width - left - 90;
  const top = 56;
  const height = top + bars.length * rowH + 40;
  const lo = 1;
  const hi = 5; // 10 … 10^5 samples/s
  const xOf = (v) => left + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotW;
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const x = xOf(10 ** e);
    parts.push(
      `<line x1="${x}" y1="${top - 8}" x2="${x}" y2="${height - 34}" stroke="#ddd"/>`,
      `<text x="${x}" y="${height - 18}" text-anchor="middle" fill="#555">10${e === 1 ? '' : `^${e}`}</text>`.replace(
        /10\^(\d)/,
        (_, d) => `10<tspan dy="-6" font-size="10">${d}</tspan>`,
      ),
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const x = xOf(b.value);
    parts.push(
      `<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${Math.max(1, x - left)}" height="${rowH - 8}" fill="${b.color}"/>`,
      `<text x="${x + 6}" y="${y + 16}" fill="#333">${Math.round(b.value).toLocaleString('en-US')}</text>`,
    );
  });
  parts.push(
    `<text x="${left + plotW / 2}" y="${height - 2}" text-anchor="middle" fill="#555">samples per second (log scale)</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

/** The SVG as a PNG file, rendered by headless Chromium. */
export async function svgToPng(svg, file) {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: fileURLToPath(file) });
  } finally {
    await browser.close();
  }
}
