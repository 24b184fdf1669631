/**
 * bench-output/report.md: every goal with its ratio, baseline and verdict, then the figures behind them, the memory
 * table and the latency chart (an SVG file next to it). Pure: `npm run bench` passes it the sections' results.
 */

import { CALLBACK_STEPS, type FloorCall } from './callback-steps';
import type { DeployedBundlesResult } from './deployed-bundles';
import type { Goal } from './goals';
import { ms, us } from './goals';
import type { CallbackLatency, SignInResult } from './h5-oauth-throughput';
import type { HandlerRssResult } from './handler-rss';
import type { ChartSeries } from './latency-chart';
import type { ReceiverLatencyResult } from './receiver-latency';
import type { LatencySummary } from './stats';
import type { TokenReaderLatencyResult } from './token-reader-latency';

export interface ReportInput {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  sectionMs: Record<string, number>;
  totalMs: number;
  goals: Goal[];
  receiver?: ReceiverLatencyResult | undefined;
  tokenReader?: TokenReaderLatencyResult | undefined;
  h5OAuth?: SignInResult | undefined;
  rss?: HandlerRssResult | undefined;
  /** Sections that threw, by name, with their message. */
  failures: Record<string, string>;
  /** File name of the chart, relative to the report. */
  chartFile: string;
}

const MIB = 1024 * 1024;

/** A Markdown table; cells are escaped so a `|` in a name cannot break the row. */
export function markdownTable(header: string[], rows: string[][]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '-' : `${ratio.toFixed(2)}×`;
}

const VERDICT_MARK: Record<Goal['verdict'], string> = { met: '**met**', missed: '**MISSED**', 'not measured': 'not measured' };

/** The goals table: one row per goal. */
export function goalsTable(goals: readonly Goal[]): string {
  return markdownTable(
    ['goal', 'ratio', 'limit', 'verdict', 'measured (subject vs baseline)', 'baseline'],
    goals.map((g) => [
      g.name,
      formatRatio(g.ratio),
      `${g.direction === 'at most' ? '≤' : '≥'} ${g.limit}×`,
      VERDICT_MARK[g.verdict],
      g.note ? `${g.figures} (${g.note})` : g.figures,
      g.baseline,
    ]),
  );
}

/** The whole report. */
export function renderReport(input: ReportInput): string {
  const met = input.goals.filter((g) => g.verdict === 'met').length;
  const sections = Object.entries(input.sectionMs)
    .map(([name, value]) => `${name} ${(value / 1000).toFixed(1)} s`)
    .join(', ');
  const out: string[] = [
    '# Benchmark report',
    '',
    `${input.date}, Node ${input.node}, ${input.cpus} × ${input.cpuModel}. Every ratio divides a subject by a baseline measured in the same`,
    'run against the same local servers, interleaved, so a slow spell on the shared machine lands on both; absolute times',
    'are only comparable within this run.',
    '',
    `Run time ${(input.totalMs / 1000).toFixed(1)} s (${sections}).`,
    '',
    `## Goals: ${met} of ${input.goals.length} met`,
    '',
    goalsTable(input.goals),
    '',
  ];
  const failures = Object.entries(input.failures);
  if (failures.length > 0) {
    out.push('Sections that failed:', '', ...failures.map(([name, message]) => `- ${name}: ${message}`), '');
  }
  out.push('## Latency distributions', '', `![latency distributions](${input.chartFile})`, '');
  if (input.receiver) out.push(receiverSection(input.receiver), '');
  if (input.tokenReader) out.push(readerSection(input.tokenReader), '');
  if (input.h5OAuth) out.push(callbackSection(input.h5OAuth), '');
  if (input.rss) out.push(rssSection(input.rss), '');
  return `${out.join('\n').trimEnd()}\n`;
}

function row(name: string, s: LatencySummary, format: (v: number) => string = ms): string[] {
  return [name, String(s.count), format(s.p50), format(s.p99), format(s.max)];
}

function receiverSection(r: ReceiverLatencyResult): string {
  return [
    '### Push receiver (HTTP in → ticket stored → success)',
    '',
    markdownTable(
      ['call', 'count', 'p50', 'p99', 'max'],
      [row('receiver', r.receiverMs), row('bare conditional PutItem', r.putItemMs), row('bare KMS Encrypt', r.kmsEncryptMs)],
    ),
    '',
    `p99: ${ms(r.receiverMs.p99)} over ${ms(r.floorP99Ms)} = ${formatRatio(r.receiverP99OverFloorP99)}; p50: ${formatRatio(r.receiverP50OverFloorP50)} of the floor's p50s.`,
  ].join('\n');
}

function readerSection(r: TokenReaderLatencyResult): string {
  return [
    '### Component token reader',
    '',
    markdownTable(
      ['case', 'count', 'p50', 'p99', 'max', 'p50 / base p50', 'p99 / base p99'],
      r.cases.map((c) => [...row(c.name, c.latencyUs, us), formatRatio(c.p50OverBaselineP50), formatRatio(c.p99OverBaselineP99)]),
    ),
    '',
    `Inside the baseline: GetItem p50 ${us(r.baselineParts.getItemUs.p50)}, p99 ${us(r.baselineParts.getItemUs.p99)}; ` +
      `KMS Decrypt p50 ${us(r.baselineParts.kmsDecryptUs.p50)}, p99 ${us(r.baselineParts.kmsDecryptUs.p99)}. ` +
      `KMS Decrypt calls: ${r.kmsDecryptCalls.misses} during misses, ${r.kmsDecryptCalls.hits} during hits.`,
  ].join('\n');
}

function callbackSection(r: SignInResult): string {
  return [
    '### H5 callback, step by step',
    '',
    'Each call inside the callback timed on its own; calls that overlap (the login-code write runs beside the seal and',
    "the user write; with snsapi_userinfo the seal runs beside the profile read) each count in full, and 'outside the",
    "calls' is the callback's time outside every call (HTTP, the local gateway, handler code). The bare columns are the",
    "same calls made bare on raw clients, interleaved with the callbacks. Every local server runs in the bench's one",
    'process, so calls made side by side here take turns on one thread: against AWS they overlap for real.',
    '',
    ...[r, r.userinfo].flatMap((scope) => [callbackTable(scope), '']),
    `Throughput: ${r.signInsPerSec.toFixed(1)} full snsapi_base sign-ins/s, ${r.concurrency} at a time (${r.signIns} sign-ins, flow p50 ${ms(r.flowMs.p50)}, p99 ${ms(r.flowMs.p99)}; ${r.snsCalls} code exchanges).`,
  ].join('\n');
}

function callbackTable(r: CallbackLatency): string {
  return [
    `${r.scope}, ${r.sequentialSignIns} sign-ins one at a time: callback p99 over the sum of the bare p99s ${formatRatio(r.callbackP99OverFloorP99Sum)}, p50 over the sum of the bare p50s ${formatRatio(r.callbackP50OverFloorP50Sum)}.`,
    '',
    markdownTable(
      ['step', 'count', 'p50', 'p99', 'max', 'bare p50', 'bare p99'],
      [
        [...row('whole callback', r.callbackMs), ms(r.floorP50SumMs), ms(r.floorP99SumMs)],
        ...CALLBACK_STEPS.map((step) => {
          const bare = r.floorMs[step as FloorCall];
          return [...row(step, r.stepsMs[step]), bare ? ms(bare.p50) : '-', bare ? ms(bare.p99) : '-'];
        }),
      ],
    ),
  ].join('\n');
}

function rssSection(r: HandlerRssResult): string {
  const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
  return [
    `### Memory: peak RSS over ${r.invocationsPerHandler} local invocations per handler`,
    '',
    'Each handler bundled as deployed and run in a fresh Node process of its own against the local parts; RSS after',
    "loading the module and the process's peak (resourceUsage maxRSS) after all invocations.",
    '',
    markdownTable(
      ['handler', 'invocations', 'RSS after load', 'peak RSS', 'heap used at end', 'memorySize', 'peak / memorySize', 'outcomes'],
      r.handlers.map((h) => [
        h.name,
        String(h.invocations),
        mib(h.rssAfterLoadBytes),
        h.error ? `failed: ${h.error}` : mib(h.peakRssBytes),
        mib(h.heapUsedBytes),
        `${h.memorySizeMiB} MiB`,
        h.error ? '-' : `${(h.peakOverMemorySize * 100).toFixed(0)} %`,
        Object.entries(h.outcomes)
          .map(([outcome, n]) => `${outcome.replace(/"/g, '')} ${n}`)
          .join(', '),
      ]),
    ),
    '',
    memoryJustification(r),
  ].join('\n');
}

/** The RSS result with each handler's memory size as the synthesized template gives it, where the template names it. */
export function withDeployedMemorySizes(rss: HandlerRssResult, deployed: Pick<DeployedBundlesResult, 'bundles'>): HandlerRssResult {
  return {
    ...rss,
    handlers: rss.handlers.map((h) => {
      const memorySizeMiB = deployed.bundles.find((b) => b.handler === h.name)?.memorySizeMiB ?? h.memorySizeMiB;
      return { ...h, memorySizeMiB, peakOverMemorySize: h.peakRssBytes / MIB / memorySizeMiB };
    }),
  };
}

/** Why the construct's memory size fits what was measured, from the numbers. */
export function memoryJustification(r: HandlerRssResult): string {
  const measured = r.handlers.filter((h) => !h.error && h.peakRssBytes > 0);
  if (measured.length === 0) return 'No handler was measured, so nothing can be said about the memory size.';
  const peak = measured.reduce((a, b) => (b.peakRssBytes > a.peakRssBytes ? b : a));
  const size = peak.memorySizeMiB;
  const peakMiB = peak.peakRssBytes / MIB;
  // The same 20 % headroom asked of the size in use.
  const halfFits = peakMiB < (size / 2) * 0.8;
  return [
    `The highest peak is ${peakMiB.toFixed(0)} MiB (${peak.name}), ${(peak.peakOverMemorySize * 100).toFixed(0)} % of the ${size} MiB every function gets.`,
    peakMiB > size * 0.8
      ? `That leaves under 20 % headroom: the memory size should go up.`
      : halfFits
        ? `${size / 2} MiB would hold that peak too, with 20 % room, but Lambda gives CPU in proportion to memory, and the cold module load and the SDK's signing are CPU-bound, so ${size} MiB is kept for latency, not for room.`
        : `${size / 2} MiB would not hold that peak with room for a larger push or a busier container, and Lambda gives CPU in proportion to memory (cold load and SigV4 signing are CPU-bound): ${size} MiB stays.`,
  ].join(' ');
}

/** The chart's series: the subjects' distributions, with the reader's bare baseline dashed. */
export function chartSeries(input: Pick<ReportInput, 'receiver' | 'tokenReader' | 'h5OAuth'>): ChartSeries[] {
  const series: ChartSeries[] = [];
  if (input.receiver) series.push({ name: 'push receiver (HTTP → stored → success)', valuesMs: input.receiver.receiverCurveMs });
  if (input.h5OAuth) {
    series.push({ name: 'H5 callback (snsapi_base)', valuesMs: input.h5OAuth.callbackCurveMs });
    series.push({ name: 'H5 callback (snsapi_userinfo)', valuesMs: input.h5OAuth.userinfo.callbackCurveMs });
  }
  const [base, miss, hit] = input.tokenReader?.cases ?? [];
  const toMs = (curveUs: number[]) => curveUs.map((v) => v / 1000);
  if (miss) series.push({ name: 'token reader miss (GetItem + KMS Decrypt)', valuesMs: toMs(miss.curveUs) });
  if (base) series.push({ name: 'bare GetItem + KMS Decrypt (reader baseline)', valuesMs: toMs(base.curveUs), dashed: true });
  if (hit) series.push({ name: 'token reader hit (cache)', valuesMs: toMs(hit.curveUs) });
  return series;
}
