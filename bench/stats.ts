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

/** Times one call, in nanoseconds. */
export async function timeCall(call: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await call();
  return elapsedNs(start);
}

/** One measured case: latency in microseconds and its p50/p99 over a baseline's p50 (1 for the baseline itself). */
export interface LatencyCase {
  name: string;
  latencyUs: LatencySummary;
  p50OverBaselineP50: number;
  p99OverBaselineP50: number;
}

/** A case from samples in nanoseconds, compared with `baseline` (itself when none is given). */
export function latencyCase(name: string, samplesNs: readonly number[], baseline?: LatencyCase): LatencyCase {
  const latencyUs = summarizeLatency(samplesNs.map((ns) => ns / 1000));
  const baseP50 = baseline?.latencyUs.p50 ?? latencyUs.p50;
  return { name, latencyUs, p50OverBaselineP50: latencyUs.p50 / baseP50, p99OverBaselineP50: latencyUs.p99 / baseP50 };
}
