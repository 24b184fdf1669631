import { describe, expect, it } from 'vitest';
import { decadeRange, escapeXml, formatMs, ninesOf, renderLatencyChart } from '../../bench/latency-chart';
import { CURVE_QUANTILES } from '../../bench/stats';
import { curve } from './bench-results';

describe('ninesOf', () => {
  it('puts p0, p90, p99 and p99.9 one step apart, and p100 with p99.9', () => {
    expect([0, 0.9, 0.99, 0.999, 1].map((q) => Number(ninesOf(q).toFixed(6)))).toEqual([0, 1, 2, 3, 3]);
  });
});

describe('decadeRange', () => {
  it('covers every positive value with whole decades', () => {
    expect(decadeRange([0.0005, 3, 250])).toEqual({ lo: -4, hi: 3 });
  });

  it('spans at least one decade, and ignores zeros and non-finite values', () => {
    expect(decadeRange([10, 10, 0, Number.NaN])).toEqual({ lo: 1, hi: 2 });
    expect(decadeRange([])).toEqual({ lo: -1, hi: 0 });
  });
});

describe('formatMs', () => {
  it('labels the axis in µs, ms and s', () => {
    expect([0.001, 0.01, 1, 100, 1000].map(formatMs)).toEqual(['1 µs', '10 µs', '1 ms', '100 ms', '1 s']);
  });
});

describe('renderLatencyChart', () => {
  const series = [
    { name: 'receiver', valuesMs: curve(5, 40) },
    { name: 'bare <baseline> & co', valuesMs: curve(1, 10), dashed: true },
  ];

  it('draws one line per series, with one point per quantile up to p99.9, and a legend entry each', () => {
    const svg = renderLatencyChart(series, { title: 'Latency' });

    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => (m[1] as string).split(' '));
    expect(lines).toHaveLength(2);
    const drawn = CURVE_QUANTILES.filter((q) => q <= 0.999).length;
    expect(lines.map((points) => points.length)).toEqual([drawn, drawn]);
    expect(svg).toContain('>receiver</text>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('draws a higher latency higher up, and a later percentile further right', () => {
    const svg = renderLatencyChart([{ name: 'one', valuesMs: curve(1, 100) }], { title: 't' });

    const points = (/<polyline [^>]*points="([^"]+)"/.exec(svg)?.[1] ?? '').split(' ').map((p) => p.split(',').map(Number));
    const first = points[0] as number[];
    const last = points.at(-1) as number[];
    expect(last[0]).toBeGreaterThan(first[0] as number);
    expect(last[1]).toBeLessThan(first[1] as number);
  });

  it('dashes the baselines only', () => {
    const svg = renderLatencyChart(series, { title: 'Latency' });

    const polylines = svg.match(/<polyline [^>]*>/g) ?? [];
    expect(polylines.map((p) => p.includes('stroke-dasharray'))).toEqual([false, true]);
  });

  it('escapes names and the title, so a name cannot break the SVG', () => {
    const svg = renderLatencyChart(series, { title: 'a < b & "c"' });

    expect(svg).toContain('bare &lt;baseline&gt; &amp; co');
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg).not.toContain('<baseline>');
  });

  it('throws on a series whose values do not match the quantiles', () => {
    expect(() => renderLatencyChart([{ name: 'short', valuesMs: [1, 2, 3] }], { title: 't' })).toThrow(RangeError);
  });

  it('leaves out a series without values', () => {
    const svg = renderLatencyChart([{ name: 'empty', valuesMs: [] }, ...series], { title: 't' });

    expect(svg).not.toContain('>empty<');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });
});
