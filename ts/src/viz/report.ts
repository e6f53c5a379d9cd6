// The demo's report as one self-contained HTML page: inline CSS, charts as inline SVG,
// pictures as `data:` PNG URLs. No script, no external request: it opens from file://.
// Pure (no Node API): the PNG bytes are encoded by the caller. Internal.
import { escapeXml } from './svg.js';

/** A figure of the report: an SVG chart or a PNG picture, with a title and a caption. */
export type ReportFigure = {
  /** Anchor of the figure (letters, digits, dashes). */
  id: string;
  title: string;
  caption: string;
} & (
  | { svg: string }
  | {
      png: Uint8Array;
      width: number;
      height: number;
      /** Text alternative of the picture. */
      alt: string;
      /** The PNG file written next to the report, linked from the caption. */
      file?: string;
    }
);

/** What {@link reportHtml} lays out. */
export interface Report {
  title: string;
  /** Paragraphs under the title (plain text). */
  intro: readonly string[];
  /** The numbers of the run: quantity, value, unit or remark. */
  numbers: ReadonlyArray<readonly [string, string, string]>;
  figures: readonly ReportFigure[];
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 of `bytes` (with padding), without Buffer or btoa. */
export function base64(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i] as number, bytes[i + 1] ?? 0, bytes[i + 2] ?? 0];
    const n = (a << 16) | (b << 8) | c;
    out.push(
      B64[(n >> 18) & 63] as string,
      B64[(n >> 12) & 63] as string,
      i + 1 < bytes.length ? (B64[(n >> 6) & 63] as string) : '=',
      i + 2 < bytes.length ? (B64[n & 63] as string) : '=',
    );
  }
  return out.join('');
}

const CSS = `
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; }
td.value { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 2em 0; padding: 1em; border: 1px solid #e3e3e3; border-radius: 6px; }
figure h2 { font-size: 1.15em; margin: 0 0 0.6em; }
figure svg, figure img { max-width: 100%; height: auto; display: block; }
figure img { image-rendering: pixelated; }
figcaption { color: #444; margin-top: 0.6em; }
`;

/** The report page. */
export function reportHtml(r: Report): string {
  const figures = r.figures.map((f) => {
    const id = f.id.replace(/[^A-Za-z0-9-]/g, '-');
    const content =
      'svg' in f
        ? f.svg
        : `<img src="data:image/png;base64,${base64(f.png)}" width="${f.width}" height="${f.height}" alt="${escapeXml(f.alt)}">`;
    const file = 'svg' in f || f.file === undefined ? '' : ` (PNG file: <code>${escapeXml(f.file)}</code>)`;
    return `<figure id="${id}">
<h2>${escapeXml(f.title)}</h2>
${content}
<figcaption><strong>${escapeXml(f.title)}.</strong> ${escapeXml(f.caption)}${file}</figcaption>
</figure>`;
  });
  const rows = r.numbers.map(
    ([k, v, u]) =>
      `<tr><th scope="row">${escapeXml(k)}</th><td class="value">${escapeXml(v)}</td><td>${escapeXml(u)}</td></tr>`,
  );
  const nav = r.figures.map((f) => `<a href="#${f.id.replace(/[^A-Za-z0-9-]/g, '-')}">${escapeXml(f.title)}</a>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(r.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeXml(r.title)}</h1>
${r.intro.map((p) => `<p>${escapeXml(p)}</p>`).join('\n')}
<nav>${nav.join(' ')}</nav>
<h2>Numbers</h2>
<table>
<thead><tr><th scope="col">Quantity</th><th scope="col">Value</th><th scope="col">Unit / remark</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${figures.join('\n')}
</body>
</html>
`;
}
