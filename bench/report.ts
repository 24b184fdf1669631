/** Plain-text tables for the bench's stdout; the JSON file carries the same numbers unrounded. */
import type { AuthorizerReaderLatencyResult } from './authorizer-reader-latency';
import type { AuthorizerRefreshThroughputResult } from './authorizer-refresh-throughput';
import type { BundleSizeResult } from './bundle-size';
import { CALLBACK_STEPS, type FloorCall } from './callback-steps';
import type { DeployedBundlesResult } from './deployed-bundles';
import { LIMITS } from './goal-limits';
import type { CallbackLatency, SignInResult } from './h5-oauth-throughput';
import type { HandlerRssResult } from './handler-rss';
import type { PushRejectionResult } from './push-rejection';
import type { PushSideResult, PushThroughputResult } from './push-throughput';
import type { ReceiverLatencyResult } from './receiver-latency';
import type { LatencyCase, LatencySummary } from './stats';
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
const MAX_REJECTION_OVER_VALID = LIMITS.rejectionOverGenuine;

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

/** The token-reader table: p50/p99 per case, each over the baseline's p50 and p99. */
export function formatTokenReader(result: TokenReaderLatencyResult): string {
  return [
    '2. Token reader latency (dynalite + KMS stand-in over HTTP, real SDK v3 clients)',
    formatLatencyCases(result.cases),
    `KMS Decrypt calls seen: ${result.kmsDecryptCalls.misses} during misses, ${result.kmsDecryptCalls.hits} during hits`,
  ].join('\n');
}

/** Latency cases as a table: calls, p50, p99, each over the baseline's (cases[0]). */
function formatLatencyCases(cases: readonly LatencyCase[]): string {
  const rows = cases.map((c) => [
    c.name,
    String(c.latencyUs.count),
    duration(c.latencyUs.p50),
    duration(c.latencyUs.p99),
    ratio(c.p50OverBaselineP50),
    ratio(c.p99OverBaselineP99),
  ]);
  return formatTable(['case', 'calls', 'p50', 'p99', 'p50/base p50', 'p99/base p99'], rows);
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
    b.loadMsMedian === null ? 'failed' : `${fixed(b.loadMsMedian, 1)} ms`,
    b.loadOverPlain === null ? '-' : ratio(b.loadOverPlain),
    b.loadOverBaseline === null ? '-' : ratio(b.loadOverBaseline),
  ]);
  return [
    `4. Deployed bundles (cdk synth, NodejsFunction: minified, source maps, node24; synth took ${fixed(result.synthMs / 1000, 1)} s)`,
    formatTable(['function', 'index.js', 'size/plain', 'gzip', 'source map', 'cold load', 'load/plain', 'load/baseline'], rows),
  ].join('\n');
}

/** The sign-in tables: the callback step by step next to its bare floor, per scope, and full-flow throughput. */
export function formatSignIn(result: SignInResult): string {
  const row = (name: string, s: LatencySummary, bare?: LatencySummary) => [
    name,
    `${fixed(s.p50, 2)} ms`,
    `${fixed(s.p99, 2)} ms`,
    bare ? `${fixed(bare.p50, 2)} ms` : '-',
    bare ? `${fixed(bare.p99, 2)} ms` : '-',
  ];
  const table = (r: CallbackLatency) =>
    [
      `${r.scope}, ${r.sequentialSignIns} sign-ins one at a time: callback p99 / sum of bare p99s (${fixed(r.floorP99SumMs, 2)} ms) ${ratio(r.callbackP99OverFloorP99Sum)}; p50 / sum of bare p50s ${ratio(r.callbackP50OverFloorP50Sum)}`,
      formatTable(
        ['step', 'p50', 'p99', 'bare p50', 'bare p99'],
        [row('whole callback', r.callbackMs), ...CALLBACK_STEPS.map((step) => row(step, r.stepsMs[step], r.floorMs[step as FloorCall]))],
      ),
    ].join('\n');
  return [
    '5. h5-oauth callback; each step timed inside it, its unavoidable calls made bare in between',
    table(result),
    table(result.userinfo),
    `throughput: ${fixed(result.signInsPerSec, 1)} snsapi_base sign-ins/s, ${result.concurrency} at a time (${result.signIns} flows, ${result.snsCalls} code exchanges)`,
  ].join('\n');
}

/** The receiver table: its latency and its floor's two calls. */
export function formatReceiver(result: ReceiverLatencyResult): string {
  const row = (name: string, s: LatencySummary) => [name, String(s.count), `${fixed(s.p50, 2)} ms`, `${fixed(s.p99, 2)} ms`];
  return [
    '2a. Push receiver: HTTP in → ticket stored → success, through the gateway; bare PutItem and Encrypt interleaved',
    formatTable(
      ['call', 'count', 'p50', 'p99'],
      [row('receiver', result.receiverMs), row('bare conditional PutItem', result.putItemMs), row('bare KMS Encrypt', result.kmsEncryptMs)],
    ),
    `receiver p99 / (PutItem p99 + Encrypt p99 = ${fixed(result.floorP99Ms, 2)} ms): ${ratio(result.receiverP99OverFloorP99)}`,
  ].join('\n');
}

/** The memory table: peak RSS per handler in its own process. */
export function formatRss(result: HandlerRssResult): string {
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return [
    `6. Peak RSS per handler, ${result.invocationsPerHandler} invocations each in a fresh process (bundled as deployed)`,
    formatTable(
      ['handler', 'invocations', 'after load', 'peak', 'memorySize', 'took'],
      result.handlers.map((h) => [
        h.name,
        String(h.invocations),
        mib(h.rssAfterLoadBytes),
        h.error ? `failed: ${h.error}` : mib(h.peakRssBytes),
        `${h.memorySizeMiB} MiB`,
        `${fixed(h.wallMs / 1000, 1)} s`,
      ]),
    ),
  ].join('\n');
}

/** Authorizer refreshes per second through the sweep, SQS and the worker, against the two bare baselines. */
export function formatAuthorizerRefreshes(result: AuthorizerRefreshThroughputResult): string {
  const rows = result.sides.map((s) => [
    s.name,
    fixed(s.medianPerSec, 0),
    `${fixed(Math.min(...s.perSecRounds), 0)}..${fixed(Math.max(...s.perSecRounds), 0)}`,
    ratio(s.refreshesOverThis),
  ]);
  const cost = result.perRefresh;
  return [
    `6. Authorizer refreshes against the simulator: ${result.authorizers} due authorizers per round, ${result.rounds} interleaved rounds, ${result.inFlight} in flight; median per second, refreshes/this = median of per-round ratios`,
    formatTable(['side', 'per second', 'range over rounds', 'refreshes/this'], rows),
    `per refresh: ${fixed(cost.dynamoRequests, 2)} DynamoDB requests (sweep and worker), ${fixed(cost.wechatCalls, 2)} WeChat calls, ${fixed(cost.kmsRequests, 3)} KMS requests`,
  ].join('\n');
}

/** The authorizer token reader's hit and miss latency over a bare GetItem. */
export function formatAuthorizerReader(result: AuthorizerReaderLatencyResult): string {
  const kms = result.kmsDecryptCalls;
  const reads = result.getItemCalls;
  return [
    '7. Authorizer token reader latency (dynalite + KMS stand-in over HTTP, real SDK v3 clients)',
    formatLatencyCases(result.cases),
    `KMS Decrypt calls seen: ${kms.coldMisses} during cold misses, ${kms.warmMisses} during warm misses, ${kms.hits} during hits; GetItems: ${reads.coldMisses}, ${reads.warmMisses} and ${reads.hits}`,
  ].join('\n');
}
