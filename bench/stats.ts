/** Small order statistics for the bench. Every figure it reports is relative, so nothing here knows about time units. */

/** The q-quantile (0..1) by nearest rank; throws on an empty sample, because a missing figure must not read as 0. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('percentile needs at least one value');
  if (!(q >= 0 && q <= 1)) throw new RangeError('percentile q must be between 0 and 1');
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: p99 of 1000 samples is the 990th smallest, an observed value rather than an interpolation.
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** The median (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** p50 / p99 / min / max of a latency sample, in whatever unit the samples carry. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

/** Summarises a latency sample. */
export function summarizeLatency(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** Nanoseconds from a process.hrtime.bigint() start mark until now, as a number (exact well past any bench run). */
export function elapsedNs(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs);
}

/** The quantiles a latency curve is drawn at: every percent, then the tail in finer steps. */
export const CURVE_QUANTILES: readonly number[] = [...Array.from({ length: 100 }, (_, i) => i / 100), 0.995, 0.999, 1];

/** The sample's value at each of CURVE_QUANTILES (nearest rank): a distribution small enough to keep in results.json. */
export function latencyCurve(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError('latencyCurve needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  return CURVE_QUANTILES.map((q) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number);
}

/**
 * Runs every named call once per round, the first call of each round rotating, and returns each call's durations in
 * ms. On a shared machine a slow spell then lands on subject and baseline alike, whichever runs first.
 */
export async function timeRoundRobin<K extends string>(
  rounds: number,
  calls: Record<K, () => Promise<unknown>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(calls) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length] as K;
      const start = performance.now();
      await calls[name]();
      samples[name].push(performance.now() - start);
    }
  }
  return samples;
}

/** Times one call, in nanoseconds. */
export async function timeCall(call: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await call();
  return elapsedNs(start);
}

/** One measured case: latency in microseconds, its p50 and p99 over a baseline's (1 for the baseline itself). */
export interface LatencyCase {
  name: string;
  latencyUs: LatencySummary;
  p50OverBaselineP50: number;
  p99OverBaselineP99: number;
  /** Latency at CURVE_QUANTILES, µs, for the chart. */
  curveUs: number[];
}

/** A case from samples in nanoseconds, compared with `baseline` (itself when none is given). */
export function latencyCase(name: string, samplesNs: readonly number[], baseline?: LatencyCase): LatencyCase {
  const samplesUs = samplesNs.map((ns) => ns / 1000);
  const latencyUs = summarizeLatency(samplesUs);
  const base = baseline?.latencyUs ?? latencyUs;
  return {
    name,
    latencyUs,
    p50OverBaselineP50: latencyUs.p50 / base.p50,
    p99OverBaselineP99: latencyUs.p99 / base.p99,
    curveUs: latencyCurve(samplesUs),
  };
}
