// Unit tests of the report's SVG charts and HTML page (ts/src/viz/svg.ts, report.ts), on the
// sources, with no wasm build: nice ticks, log axes, escaping, empty and non-finite input,
// well-formed markup.
import { describe, expect, it } from 'vitest';
import { base64, reportHtml } from '../../ts/src/viz/report.js';
import {
  escapeXml,
  formatTick,
  histogramChart,
  lineChart,
  logTicks,
  niceTicks,
  scatterChart,
} from '../../ts/src/viz/svg.js';
import { expectInvalid } from './errors.js';

/** Tags balance (every opened element is closed, in order) and the text holds no raw `<` or `&`. */
function wellFormed(svg: string): void {
  const stack: string[] = [];
  const text = svg.replace(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, (_, close, name, _a, self) => {
    if (close) expect(stack.pop(), `</${name}>`).toBe(name);
    else if (!self) stack.push(name);
    return '';
  });
  expect(stack).toEqual([]);
  expect(text).not.toMatch(/<|&(?!(amp|lt|gt|quot|#39);)/);
}

const texts = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]);

describe('ticks', () => {
  it('nice numbers (1, 2, 5 × 10^k apart) covering the data', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.13, 0.87)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(103.2, 186.9)).toEqual([100, 120, 140, 160, 180, 200]);
    for (const [lo, hi] of [
      [-3.7, 12.1],
      [1e-3, 4.2e-3],
      [95, 96],
      [-0.5, -0.1],
    ] as const) {
      const t = niceTicks(lo, hi);
      expect(t[0]).toBeLessThanOrEqual(lo);
      expect(t[t.length - 1]).toBeGreaterThanOrEqual(hi);
      expect(t.length).toBeGreaterThanOrEqual(3);
      expect(t.length).toBeLessThanOrEqual(12);
      const step = (t[1] as number) - (t[0] as number);
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
      expect([1, 2, 5]).toContain(mantissa);
    }
  });
  it('a single value gets a range around it; non-finite ranges are refused', () => {
    expect(niceTicks(3, 3)[0]).toBeLessThan(3);
    expect(niceTicks(0, 0)).toContain(0);
    expectInvalid(() => niceTicks(0, Number.NaN), 'finite');
    expectInvalid(() => niceTicks(2, 1), 'lo ≤ hi');
  });
  it('log ticks: powers of ten over many decades, 1-2-5 over few, covering the data', () => {
    expect(logTicks(0.003, 250)).toEqual([0.001, 0.01, 0.1, 1, 10, 100, 1000]);
    expect(logTicks(0.3, 4)).toEqual([0.2, 0.5, 1, 2, 5]);
    expect(logTicks(110, 180)).toEqual([100, 200]);
    expect(logTicks(100, 100)).toEqual([100, 1000]);
    expectInvalid(() => logTicks(0, 10), 'log axis');
    expectInvalid(() => logTicks(-1, 10), 'log axis');
  });
  it('tick labels are short, without float noise', () => {
    expect(formatTick(0.1 + 0.2)).toBe('0.3');
    expect(formatTick(20000)).toBe('20k');
    expect(formatTick(2e-6)).toBe('2e-6');
    expect(formatTick(-5)).toBe('-5');
  });
});

describe('charts', () => {
  const series = [
    {
      name: 'layer 1',
      points: [
        [1, 120],
        [2, 95],
        [3, 90],
      ] as [number, number][],
    },
    {
      name: 'layer 2',
      points: [
        [1, 0.8],
        [2, 0.3],
        [3, 0.25],
      ] as [number, number][],
    },
  ];
  it('a line chart has a title, both axis labels, ticks and a legend per series', () => {
    const svg = lineChart({ title: 'Loss', xLabel: 'epoch', yLabel: 'loss (nats)', series });
    wellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(texts(svg, 'chart-title')).toEqual(['Loss']);
    expect(texts(svg, 'axis-label x')).toEqual(['epoch']);
    expect(texts(svg, 'axis-label y')).toEqual(['loss (nats)']);
    expect(texts(svg, 'tick x')).toEqual(['1', '1.5', '2', '2.5', '3']);
    expect(svg).toContain('layer 1');
    expect(svg).toContain('layer 2');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });
  it('log scale spans the decades of the data', () => {
    const svg = lineChart({ title: 'Loss', xLabel: 'epoch', yLabel: 'loss', series, logY: true });
    wellFormed(svg);
    expect(texts(svg, 'tick y')).toEqual(['0.1', '1', '10', '100', '1000']);
    expectInvalid(
      () => lineChart({ title: 't', xLabel: 'x', yLabel: 'y', logY: true, series: [{ name: 'a', points: [[1, 0]] }] }),
      'y > 0',
    );
  });
  it('text is escaped everywhere', () => {
    const evil = '<script>alert("x")</script> & \'q\'';
    const svg = lineChart({
      title: evil,
      xLabel: evil,
      yLabel: evil,
      series: [{ name: evil, points: [[0, 1]] }, ...series],
    });
    wellFormed(svg);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
    expect(escapeXml('a<b>&"\'')).toBe('a&lt;b&gt;&amp;&quot;&#39;');
  });
  it('no data gives an explicit empty chart; NaN and Infinity give a clear error', () => {
    for (const svg of [
      lineChart({ title: 'Empty', xLabel: 'x', yLabel: 'y', series: [] }),
      lineChart({ title: 'Empty', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [] }] }),
      histogramChart({ title: 'Empty', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', values: [] }] }),
      scatterChart({ title: 'Empty', xLabel: 'x', yLabel: 'y', x: [], y: [], labels: [] }),
    ]) {
      wellFormed(svg);
      expect(svg).toContain('no data');
      expect(texts(svg, 'chart-title')).toEqual(['Empty']);
    }
    expectInvalid(
      () => lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[1, Number.NaN]] }] }),
      'NaN',
    );
    expectInvalid(
      () =>
        histogramChart({
          title: 't',
          xLabel: 'x',
          yLabel: 'y',
          series: [{ name: 'a', values: [1, Number.POSITIVE_INFINITY] }],
        }),
      'Infinity',
    );
    expectInvalid(
      () => scatterChart({ title: 't', xLabel: 'x', yLabel: 'y', x: [Number.NaN], y: [1], labels: [0] }),
      'NaN',
    );
    expectInvalid(() => histogramChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [], bins: 0 }), 'bins');
  });
  it('a histogram counts every value on shared bins and draws its labelled markers', () => {
    const a = Float32Array.from({ length: 100 }, (_, i) => 100 + (i % 20));
    const svg = histogramChart({
      title: 'Scores',
      xLabel: 'error (nats)',
      yLabel: 'images',
      bins: 10,
      series: [
        { name: 'test', values: a },
        { name: 'noise', values: [300, 310, 320] },
      ],
      markers: [{ value: 150, label: 'threshold 150' }],
    });
    wellFormed(svg);
    expect(texts(svg, 'axis-label x')).toEqual(['error (nats)']);
    expect(svg).toContain('threshold 150');
    expect(svg.match(/class="marker"/g)).toHaveLength(1);
    const ticks = texts(svg, 'tick x').map(Number);
    expect(ticks[0]).toBeLessThanOrEqual(100);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(320);
    expect(texts(svg, 'tick y').map(Number)[0]).toBe(0);
  });
  it('a scatter plot groups points by class with a legend of class names', () => {
    const svg = scatterChart({
      title: 'Latent map',
      xLabel: 'z1',
      yLabel: 'z2',
      x: [0, 1, 2, 3],
      y: [1, -1, 0.5, 2],
      labels: [0, 1, 1, 2],
      classNames: ['line', 'rectangle', 'circle'],
    });
    wellFormed(svg);
    expect(svg.match(/<circle/g)).toHaveLength(4);
    for (const name of ['line', 'rectangle', 'circle']) expect(svg).toContain(`>${name}</text>`);
    expect(() => scatterChart({ title: 't', xLabel: 'x', yLabel: 'y', x: [1], y: [], labels: [0] })).toThrow(
      /one of each/,
    );
  });
});

describe('report page', () => {
  it('base64 matches the standard encoding', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
  it('inlines charts and pictures, escapes text, references nothing external', () => {
    const html = reportHtml({
      title: 'Report <1>',
      intro: ['a & b'],
      numbers: [['accuracy', '93.3', '%']],
      figures: [
        {
          id: 'loss',
          title: 'Loss',
          caption: 'per epoch',
          svg: lineChart({ title: 'L', xLabel: 'x', yLabel: 'y', series: [] }),
        },
        {
          id: 'pic',
          title: 'Picture',
          caption: 'grey',
          png: Uint8Array.of(1, 2, 3),
          width: 1,
          height: 1,
          alt: 'a "pic"',
          file: 'p.png',
        },
      ],
    });
    expect(html).toContain('<title>Report &lt;1&gt;</title>');
    expect(html).toContain('<p>a &amp; b</p>');
    expect(html).toContain('src="data:image/png;base64,AQID"');
    expect(html).toContain('alt="a &quot;pic&quot;"');
    expect(html.match(/<figure /g)).toHaveLength(2);
    expect(html.match(/<figcaption>/g)).toHaveLength(2);
    expect(html).not.toMatch(/\b(src|href)="(?!data:|#)/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg")/);
  });
});
