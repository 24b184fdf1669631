/** Made-up section results with round numbers, for the tests of the bench's report (no measuring involved). */
import type { HandlerBundleResult, MeasuredBundle } from '../../bench/bundle-size';
import { CALLBACK_STEPS, floorCallsOf, type OAuthScope } from '../../bench/callback-steps';
import type { GoalInputs } from '../../bench/goals';
import type { CallbackLatency, SignInResult } from '../../bench/h5-oauth-throughput';
import type { HandlerRssResult } from '../../bench/handler-rss';
import type { ReceiverLatencyResult } from '../../bench/receiver-latency';
import { CURVE_QUANTILES, type LatencySummary } from '../../bench/stats';
import type { TokenReaderLatencyResult } from '../../bench/token-reader-latency';

export function summary(p50: number, p99: number, count = 100): LatencySummary {
  return { count, p50, p99, min: p50 / 2, max: p99 * 2 };
}

/** A curve rising from `p0` to `p100`, one value per CURVE_QUANTILES entry. */
export function curve(p0: number, p100: number): number[] {
  return CURVE_QUANTILES.map((q) => p0 + (p100 - p0) * q);
}

const side = (name: string, rate: number, oursOverThis: number) => ({
  name,
  pushesPerSecRounds: [rate],
  medianPushesPerSec: rate,
  oursOverThis,
});

function measured(cpuMsMedian: number): MeasuredBundle {
  return {
    bytes: 1000,
    gzipBytes: 300,
    loadMsMedian: cpuMsMedian,
    loadMsRuns: [cpuMsMedian],
    cpuMsMedian,
    cpuMsRuns: [cpuMsMedian],
    packages: [],
  };
}

function bundle(name: string, cpuMsMedian: number, cpuOverBaseline: number): HandlerBundleResult {
  return {
    ...measured(cpuMsMedian),
    name,
    entry: `functions/${name}/handler.ts`,
    clients: ['@aws-sdk/client-dynamodb', '@aws-sdk/client-kms'],
    baseline: measured(cpuMsMedian / cpuOverBaseline),
    sizeOverBaseline: 1.2,
    gzipOverBaseline: 1.2,
    loadOverBaseline: cpuOverBaseline,
    medianOverMedian: cpuOverBaseline,
    cpuOverBaseline,
    goalMet: cpuOverBaseline <= 1.3,
    addedPackages: [],
  };
}

export function receiverResult(): ReceiverLatencyResult {
  return {
    pushes: 100,
    receiverMs: summary(10, 30),
    putItemMs: summary(3, 12),
    kmsEncryptMs: summary(2, 8),
    floorP99Ms: 20,
    receiverP99OverFloorP99: 30 / 20,
    receiverP50OverFloorP50: 2,
    receiverCurveMs: curve(5, 40),
  };
}

export function tokenReaderResult(): TokenReaderLatencyResult {
  const readerCase = (name: string, p50: number, p99: number, ratio: number) => ({
    name,
    latencyUs: summary(p50, p99),
    p50OverBaselineP50: ratio,
    p99OverBaselineP99: ratio,
    curveUs: curve(p50 / 2, p99 * 2),
  });
  return {
    kmsDecryptCalls: { hits: 0, misses: 100 },
    cases: [readerCase('baseline', 2000, 10_000, 1), readerCase('cache miss', 2200, 11_000, 1.1), readerCase('cache hit', 0.5, 1, 0.0001)],
    baselineParts: { getItemUs: summary(1100, 6000), kmsDecryptUs: summary(900, 4000) },
  };
}

function callbackLatency(scope: OAuthScope, p99OverFloor: number): CallbackLatency {
  const calls = floorCallsOf(scope);
  return {
    scope,
    sequentialSignIns: 100,
    callbackMs: summary(12, 50),
    callbackCurveMs: curve(6, 80),
    stepsMs: Object.fromEntries(CALLBACK_STEPS.map((s) => [s, summary(1, 4)])) as CallbackLatency['stepsMs'],
    floorMs: Object.fromEntries(calls.map((s) => [s, summary(1, 4)])),
    floorP99SumMs: 4 * calls.length,
    floorP50SumMs: calls.length,
    callbackP99OverFloorP99Sum: p99OverFloor,
    callbackP50OverFloorP50Sum: 2.4,
  };
}

export function signInResult(): SignInResult {
  return {
    ...callbackLatency('snsapi_base', 2.5),
    userinfo: callbackLatency('snsapi_userinfo', 1.5),
    signIns: 50,
    concurrency: 8,
    signInsPerSec: 40,
    flowMs: summary(30, 90),
    snsCalls: 50,
  };
}

export function rssResult(peaksMiB: number[] = [140, 160]): HandlerRssResult {
  const MIB = 1024 * 1024;
  return {
    invocationsPerHandler: 1000,
    handlers: peaksMiB.map((peak, i) => ({
      name: i === 0 ? 'push-receiver' : 'h5-oauth',
      invocations: 1000,
      rssAfterLoadBytes: 80 * MIB,
      peakRssBytes: peak * MIB,
      heapUsedBytes: 30 * MIB,
      outcomes: { '200': 1000 },
      memorySizeMiB: 256,
      peakOverMemorySize: peak / 256,
      wallMs: 5000,
    })),
  };
}

export function benchInputs(): GoalInputs {
  return {
    pushThroughput: {
      pushCount: 1000,
      rounds: 15,
      full: [side('ours', 33_000, 1), side('co-wechat style', 10_000, 3.3)],
      cryptoOnly: [side('ours', 90_000, 1), side('wechat-crypto', 100_000, 0.9)],
    },
    pushRejection: {
      bodyCapBytes: 8192,
      rounds: 15,
      callsPerRound: 300,
      valid: { name: 'genuine', bodyBytes: 515, nsPerCall: 20_000 },
      shapes: [],
      worst: { name: 'padded envelope', overValid: 1.8 },
    },
    receiver: receiverResult(),
    tokenReader: tokenReaderResult(),
    bundles: {
      esbuildVersion: '0.28.2',
      gzipLevel: 9,
      goal: 1.3,
      pairs: 10,
      bundles: [bundle('push-receiver', 120, 1.2), bundle('h5-oauth', 160, 1.6)],
    },
    h5OAuth: signInResult(),
  };
}
