/** Plain-text tables for the bench's stdout; the JSON file carries the same numbers unrounded. */
import type { BundleSizeResult } from './bundle-size';
import type { DeployedBundlesResult } from './deployed-bundles';
import type { SignInResult } from './h5-oauth-throughput';
import type { PushRejectionResult } from './push-rejection';
import type { PushSideResult, PushThroughputResult } from './push-throughput';
import type { LatencySummary } from './stats';
import type { TokenReaderLatencyResult } from './token-reader-latency';

/** Renders rows as an aligned table: first column left-aligned, the others right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The push-throughput tables: pushes/s per side and ours over each, for the full handling and the crypto alone. */
export function formatPushThroughput(result: PushThroughputResult): string {
  const table = (sides: PushSideResult[]) =>
    formatTable(
      ['side', 'pushes/s', 'range over rounds', 'ours/this'],
      sides.map((s) => [
        s.name,
        fixed(s.medianPushesPerSec, 0),
        `${fixed(Math.min(...s.pushesPerSecRounds), 0)}..${fixed(Math.max(...s.pushesPerSecRounds), 0)}`,
        ratio(s.oursOverThis),
      ]),
    );
  return [
    `1. Push handling: ${result.pushCount} distinct ticket pushes, ${result.rounds} interleaved rounds; median pushes/s, ours/this = median of per-round ratios`,
    'a) full: ours = openComponentPush (envelope scan, signature, outer XML, decrypt, inner XML, parseComponentPush); co-wechat style = xml2js outer + wechat-crypto signature and decrypt + xml2js inner + the same parseComponentPush',
    table(result.full),
    'b) crypto only: ours = verifyMsgSignature + decrypt; wechat-crypto = getSignature + compare + decrypt + appid compare (no XML)',
    table(result.cryptoOnly),
  ].join('\n');
}

/** Allowed ratio of the most expensive refusal to a genuine push's cost. */
export const MAX_REJECTION_OVER_VALID = 2;

/** The rejection-cost table: each junk shape's cost per call and its ratio to a genuine push, worst case last. */
export function formatPushRejection(result: PushRejectionResult): string {
  const rows = result.shapes.map((s) => [
    s.name,
    String(s.bodyBytes),
    s.rejectedAs,
    duration(s.nsPerCall / 1000),
    ratio(s.overValid),
    s.fullParseFirstOverValid === null ? '-' : ratio(s.fullParseFirstOverValid),
  ]);
  const verdict =
    result.worst.overValid <= MAX_REJECTION_OVER_VALID
      ? `within the limit of ${MAX_REJECTION_OVER_VALID}`
      : `OVER the limit of ${MAX_REJECTION_OVER_VALID}`;
  return [
    `1c. Rejection cost: junk at the ${result.bodyCapBytes}-byte body cap vs a genuine push (${result.valid.bodyBytes} bytes, ${duration(result.valid.nsPerCall / 1000)} per call); readRequestBody + openComponentPush, no I/O; ${result.rounds} interleaved rounds of ${result.callsPerRound} calls, ratio = median of per-round ratios`,
    formatTable(['junk shape', 'bytes', 'refused as', 'per call', 'x genuine', 'x genuine if parsed first'], rows),
    `worst case: ${ratio(result.worst.overValid)} a genuine push (${result.worst.name}), ${verdict}`,
  ].join('\n');
}

/** The token-reader table: p50/p99 per case and each over the baseline p50. */
export function formatTokenReader(result: TokenReaderLatencyResult): string {
  const rows = result.cases.map((c) => [
    c.name,
    String(c.latencyUs.count),
    duration(c.latencyUs.p50),
    duration(c.latencyUs.p99),
    ratio(c.p50OverBaselineP50),
    ratio(c.p99OverBaselineP50),
  ]);
  return [
    '2. Token reader latency (dynalite + KMS stand-in over HTTP, real SDK v3 clients)',
    formatTable(['case', 'calls', 'p50', 'p99', 'p50/base p50', 'p99/base p50'], rows),
    `KMS Decrypt calls seen: ${result.kmsDecryptCalls.misses} during misses, ${result.kmsDecryptCalls.hits} during hits`,
  ].join('\n');
}

/**
 * The bundle table: each handler next to its same-clients baseline (size, gzip, cold load), the goal verdict, and the
 * packages that make up the difference.
 */
export function formatBundles(result: BundleSizeResult): string {
  const rows = result.bundles.map((b) => [
    b.name,
    kib(b.bytes),
    kib(b.baseline.bytes),
    ratio(b.sizeOverBaseline),
    ratio(b.gzipOverBaseline),
    b.cpuMsMedian === null ? 'failed' : `${fixed(b.cpuMsMedian, 1)} ms`,
    b.baseline.cpuMsMedian === null ? 'failed' : `${fixed(b.baseline.cpuMsMedian, 1)} ms`,
    b.cpuOverBaseline === null ? '-' : ratio(b.cpuOverBaseline),
    b.loadOverBaseline === null ? '-' : ratio(b.loadOverBaseline),
    b.goalMet === null ? '-' : b.goalMet ? 'met' : 'MISSED',
  ]);
  const errors = result.bundles.flatMap((b) => [
    ...(b.loadError ? [`  ${b.name}: ${b.loadError}`] : []),
    ...(b.baseline.loadError ? [`  ${b.name} baseline: ${b.baseline.loadError}`] : []),
  ]);
  const packages = (list: { name: string; bytes: number }[]) =>
    list
      .slice(0, TOP_PACKAGES)
      .map((p) => `${p.name} ${kib(p.bytes)}`)
      .join(', ');
  return [
    `3. Handler cold load against a bare handler constructing the same SDK clients (esbuild ${result.esbuildVersion} with the construct's options: minified cjs node24, source maps, nothing external; load = require() of the bundle with its module init in a fresh process, ${result.pairs} back-to-back pairs per handler; cpu x and wall x = median of the pairs' ratios of CPU and wall time; goal: cpu x <= ${result.goal}x, wall time on this shared machine being mostly waiting for a core)`,
    formatTable(['handler', 'size', 'baseline', 'size x', 'gzip x', 'load cpu', 'baseline', 'cpu x', 'wall x', 'goal'], rows),
    'Same-clients baselines:',
    ...result.bundles.map((b) => `  ${b.name}: ${b.clients.map((c) => c.replace('@aws-sdk/', '')).join(', ') || 'no SDK client'}`),
    'Added over the baseline (minified bytes, before gzip), then the largest packages of the bundle:',
    ...result.bundles.flatMap((b) => [
      `  ${b.name}: +${packages(b.addedPackages)}`,
      `  ${' '.repeat(b.name.length)}  ${packages(b.packages)}`,
    ]),
    ...(errors.length > 0 ? ['Load failures:', ...errors] : []),
  ].join('\n');
}

const TOP_PACKAGES = 5;

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function ratio(value: number): string {
  return value >= 0.01 ? `${value.toFixed(2)}x` : `${value.toExponential(1)}x`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Microseconds shown in µs below a millisecond and in ms above. */
function duration(us: number): string {
  return us < 1000 ? `${us.toFixed(us < 10 ? 2 : 0)} µs` : `${(us / 1000).toFixed(2)} ms`;
}

/** The deployed-bundle table: what cdk synth ships, next to the plain bundle of section 3. */
export function formatDeployedBundles(result: DeployedBundlesResult): string {
  const rows = result.bundles.map((b) => [
    b.handler,
    kib(b.bytes),
    b.sizeOverPlain === null ? '-' : ratio(b.sizeOverPlain),
    kib(b.gzipBytes),
    kib(b.mapBytes),
    `${fixed(b.loadMsMedian, 1)} ms`,
    b.loadOverPlain === null ? '-' : ratio(b.loadOverPlain),
    b.loadOverBaseline === null ? '-' : ratio(b.loadOverBaseline),
  ]);
  return [
    `4. Deployed bundles (cdk synth, NodejsFunction: minified, source maps, node24; synth took ${fixed(result.synthMs / 1000, 1)} s)`,
    formatTable(['function', 'index.js', 'size/plain', 'gzip', 'source map', 'cold load', 'load/plain', 'load/baseline'], rows),
  ].join('\n');
}

/** The sign-in table: flows per second and callback latency against the gateway's cheapest request. */
export function formatSignIn(result: SignInResult): string {
  const row = (name: string, s: LatencySummary) => [name, String(s.count), `${fixed(s.p50, 2)} ms`, `${fixed(s.p99, 2)} ms`];
  return [
    `5. h5-oauth (silent snsapi_base flows against the simulator, ${result.concurrency} at a time; ${result.snsCalls} code exchanges)`,
    `sign-ins/s: ${fixed(result.signInsPerSec, 1)} (${ratio(result.flowsPerSecOverBaselineRequestsPerSec)} of the baseline requests/s)`,
    formatTable(
      ['request', 'count', 'p50', 'p99'],
      [
        row('whole flow', result.flowMs),
        row('GET /h5-oauth/callback', result.callbackMs),
        row('baseline: GET /h5-oauth/session 401', result.baselineMs),
      ],
    ),
    `callback p99 / baseline p99: ${ratio(result.callbackP99OverBaselineP99)}`,
  ].join('\n');
}
