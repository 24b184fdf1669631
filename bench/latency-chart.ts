/**
 * A latency-distribution chart as a hand-built SVG string (no charting dependency): one line per series, latency on a
 * log scale against the percentile on a "nines" scale (p0, p90, p99, p99.9 equally spaced), as HdrHistogram plots do,
 * so the tail is as readable as the median.
 */
import { CURVE_QUANTILES } from './stats';

export interface ChartSeries {
  name: string;
  /** Latency in ms at each of `quantiles`. */
  valuesMs: readonly number[];
  /** Drawn dashed: a baseline rather than a subject. */
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  /** @default CURVE_QUANTILES */
  quantiles?: readonly number[];
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const MAX_NINES = 3;
const DRAWN_UP_TO = 0.999;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };
const LEGEND_ROW = 18;

/** x of quantile q on the nines scale: 0 at p0, 1 at p90, 2 at p99, 3 at p99.9 (and above). */
export function ninesOf(q: number): number {
  if (q >= 1) return MAX_NINES;
  return Math.min(MAX_NINES, -Math.log10(1 - q));
}

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** The decades [10^lo, 10^hi] covering every positive value (ms). */
export function decadeRange(values: readonly number[]): { lo: number; hi: number } {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return { lo: -1, hi: 0 };
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  return { lo, hi: hi === lo ? lo + 1 : hi };
}

/** The SVG document of the chart. Series with no values are left out; a value of 0 is drawn at the bottom axis. */
export function renderLatencyChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const quantiles = options.quantiles ?? CURVE_QUANTILES;
  const drawn = series.filter((s) => s.valuesMs.length > 0);
  for (const s of drawn) {
    if (s.valuesMs.length !== quantiles.length)
      throw new RangeError(`series ${s.name} has ${s.valuesMs.length} values for ${quantiles.length} quantiles`);
  }
  const width = options.width ?? 760;
  const plotHeight = (options.height ?? 420) - MARGIN.top - MARGIN.bottom;
  const height = MARGIN.top + plotHeight + MARGIN.bottom + LEGEND_ROW * drawn.length + 10;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const { lo, hi } = decadeRange(drawn.flatMap((s) => s.valuesMs.filter((_, k) => (quantiles[k] as number) <= DRAWN_UP_TO)));
  const x = (q: number) => MARGIN.left + (ninesOf(q) / MAX_NINES) * plotWidth;
  const y = (ms: number) => {
    const decades = ms > 0 ? Math.min(hi, Math.max(lo, Math.log10(ms))) : lo;
    return MARGIN.top + plotHeight - ((decades - lo) / (hi - lo)) * plotHeight;
  };
  const n = (v: number) => v.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (let d = lo; d <= hi; d++) {
    const ms = 10 ** d;
    parts.push(
      `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${n(y(ms))}" y2="${n(y(ms))}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${n(y(ms) + 4)}" text-anchor="end">${escapeXml(formatMs(ms))}</text>`,
    );
  }
  for (const [q, label] of [
    [0, 'p0'],
    [0.5, 'p50'],
    [0.9, 'p90'],
    [0.99, 'p99'],
    [0.999, 'p99.9'],
  ] as const) {
    parts.push(
      `<line x1="${n(x(q))}" x2="${n(x(q))}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#ddd"/>`,
      `<text x="${n(x(q))}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${label}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 34}" text-anchor="middle">percentile</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">latency (log scale)</text>`,
  );
  drawn.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    // Up to p99.9, the right edge: the max would only draw a vertical line there.
    const points = s.valuesMs
      .flatMap((v, k) => ((quantiles[k] as number) <= DRAWN_UP_TO ? [`${n(x(quantiles[k] as number))},${n(y(v))}`] : []))
      .join(' ');
    const legendY = MARGIN.top + plotHeight + 50 + LEGEND_ROW * i;
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points}"/>`,
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + 30}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${MARGIN.left + 38}" y="${legendY + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** An axis label: 1 µs, 10 µs ... 1 ms, 10 ms, 1 s. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  if (ms >= 1) return `${ms} ms`;
  return `${Math.round(ms * 1e6) / 1000} µs`;
}
