/**
 * The figures a simulated day is judged by, from its raw result: api_authorizer_token calls per authorizer against the
 * physical minimum, tokens served, DynamoDB operations by type (no Scan), capacity units, KMS / SQS / Lambda requests,
 * queue lag, and the invariants that must hold, each with the value found.
 */
import { sumCounters } from './day-counters';
import type { AuthorizerDayResult } from './simulate-authorizer-day';

/** authorizer_access_token lifetime (docs/wechat-protocol.md §4) and the worker's default refresh margin. */
export const TOKEN_LIFETIME_SEC = 7200;
export const REFRESH_MARGIN_SEC = 900;
/** The most refreshes 24 h can need: one at the start, then one whenever a token is due (7200 s - margin later). */
export const MAX_CALLS_PER_DAY = Math.ceil(86_400 / (TOKEN_LIFETIME_SEC - REFRESH_MARGIN_SEC));

export interface Invariant {
  name: string;
  value: string;
  ok: boolean;
}

export interface DaySummary {
  authorizers: number;
  simulatedHours: number;
  wallSeconds: number;
  cpuSeconds: number;
  tokenCalls: {
    total: number;
    perAuthorizerMax: number;
    perAuthorizerMean: number;
    successfulMax: number;
    successfulMean: number;
    /** The most calls of an authorizer no fault touched. */
    unfaultedMax: number;
    /** Authorizers over the limit, and why (a fault's extra calls). */
    overLimit: Array<{ authorizerAppid: string; calls: number; successes: number; why: string }>;
    /** How many authorizers made each number of calls. */
    histogram: Record<string, number>;
  };
  dynamo: {
    operations: Record<string, number>;
    scans: number;
    readUnits: number;
    writeUnits: number;
    indexWriteUnits: number;
    conditionalChecksFailed: number;
  };
  kms: Record<string, number>;
  sqs: Record<string, number>;
  lambda: { sqsTriggered: number; invoked: number; pushes: number };
  invariants: Invariant[];
}

/** The operating counters (setup and the faults' own requests left out) and the checks. */
export function summarizeDay(result: AuthorizerDayResult): DaySummary {
  const operating = result.operating;
  const everything = sumCounters(Object.values(result.phases));
  const pick = (prefix: string) =>
    Object.fromEntries(
      Object.entries(operating)
        .filter(([key]) => key.startsWith(prefix) && /^[A-Za-z]+$/.test(key.slice(prefix.length)))
        .map(([key, value]) => [key.slice(prefix.length), value]),
    );

  const calls = result.authorizerCalls;
  const victim = result.faults.crashVictim;
  const faulted = (entry: (typeof calls)[number]) => entry.calls > entry.successes || entry.authorizerAppid === victim;
  const histogram: Record<string, number> = {};
  for (const entry of calls) histogram[entry.calls] = (histogram[entry.calls] ?? 0) + 1;
  const overLimit = calls
    .filter((entry) => entry.calls > MAX_CALLS_PER_DAY)
    .map((entry) => ({
      ...entry,
      why: [
        entry.calls > entry.successes ? `${entry.calls - entry.successes} call(s) answered -1 by the injected burst` : '',
        entry.authorizerAppid === victim ? 'a token WeChat issued was lost with the worker container that died' : '',
      ]
        .filter(Boolean)
        .join('; '),
    }));
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const tokenCalls = {
    total: operating['wechat.api_authorizer_token'] ?? 0,
    perAuthorizerMax: Math.max(...calls.map((entry) => entry.calls)),
    perAuthorizerMean: mean(calls.map((entry) => entry.calls)),
    successfulMax: Math.max(...calls.map((entry) => entry.successes)),
    successfulMean: mean(calls.map((entry) => entry.successes)),
    unfaultedMax: Math.max(0, ...calls.filter((entry) => !faulted(entry)).map((entry) => entry.calls)),
    overLimit,
    histogram,
  };
  const scans = everything['dynamo.Scan'] ?? 0;
  const { reads, endState } = result;
  const invariants: Invariant[] = [
    { name: 'tokens served that WeChat refuses', value: String(reads.badCount), ok: reads.badCount === 0 },
    {
      name: 'reader errors other than REVOKED for a revoked authorizer',
      value: JSON.stringify(reads.errors),
      ok: Object.keys(reads.errors).length === 0,
    },
    { name: 'DynamoDB Scans (every phase, setup included)', value: String(scans), ok: scans === 0 },
    {
      name: `api_authorizer_token calls per authorizer no fault touched (limit ${MAX_CALLS_PER_DAY})`,
      value: `max ${tokenCalls.unfaultedMax}`,
      ok: tokenCalls.unfaultedMax <= MAX_CALLS_PER_DAY,
    },
    {
      // Calls answered -1 issue no token: the limit is on the tokens WeChat issued, and on every call of the
      // authorizers the faults did not touch.
      name: `api_authorizer_token calls answered with a token per authorizer, apart from the crash victim (limit ${MAX_CALLS_PER_DAY})`,
      value: `max ${Math.max(0, ...calls.filter((entry) => entry.authorizerAppid !== victim).map((entry) => entry.successes))}`,
      ok: calls.every((entry) => entry.authorizerAppid === victim || entry.successes <= MAX_CALLS_PER_DAY),
    },
    {
      name: 'authorizers over the limit that no fault explains',
      value: String(overLimit.filter((entry) => entry.why === '').length),
      ok: overLimit.every((entry) => entry.why !== ''),
    },
    { name: 'authorizers needing re-authorization', value: String(endState.needsReauth), ok: endState.needsReauth === 0 },
    {
      name: 'authorized authorizers holding a token WeChat accepts at the end',
      value: `${endState.tokensValid} of ${endState.authorized}`,
      ok: endState.tokensValid === endState.authorized && endState.authorized > 0,
    },
    {
      name: "stored refresh tokens that are WeChat's current ones",
      value: `${endState.refreshTokensCurrent} of ${endState.authorized}`,
      ok: endState.refreshTokensCurrent === endState.authorized,
    },
    {
      name: 'authorizers whose state disagrees with WeChat',
      value: String(endState.disagreements.length),
      ok: endState.disagreements.length === 0,
    },
    {
      name: 'authorization codes exchanged exactly once',
      value: `${result.codeExchanges.filter((code) => code.calls === 1 && code.successes === 1).length} of ${result.codeExchanges.length}`,
      ok: result.codeExchanges.every((code) => code.calls === 1 && code.successes === 1),
    },
    {
      name: 'drift found by the daily reconcile',
      value: result.reconcile ? String(result.reconcile.missingHere.length + result.reconcile.missingThere.length) : 'did not run',
      ok: result.reconcile !== null && result.reconcile.missingHere.length + result.reconcile.missingThere.length === 0,
    },
    { name: 'messages in the dead-letter queue', value: String(result.queue.deadLetters), ok: result.queue.deadLetters === 0 },
    {
      name: 'authorizers imported',
      value: `${result.imported} of ${result.options.authorizers}`,
      ok: result.imported === result.options.authorizers,
    },
  ];
  const phaseCpu = Object.values(result.phases).reduce((sum, counters) => sum + (counters['process.cpuMs'] ?? 0), 0);
  return {
    authorizers: result.options.authorizers,
    simulatedHours: result.simulatedMs / 3_600_000,
    wallSeconds: result.wallMs / 1000,
    cpuSeconds: phaseCpu / 1000,
    tokenCalls,
    dynamo: {
      operations: pick('dynamo.'),
      scans,
      readUnits: operating['dynamoUnits.read'] ?? 0,
      writeUnits: operating['dynamoUnits.write'] ?? 0,
      indexWriteUnits: operating['dynamoUnits.indexWrite'] ?? 0,
      conditionalChecksFailed: Object.entries(operating)
        .filter(([key]) => key.endsWith('.conditionalCheckFailed'))
        .reduce((sum, [, value]) => sum + value, 0),
    },
    kms: pick('kms.'),
    sqs: pick('sqs.'),
    lambda: {
      sqsTriggered: operating['lambda.sqsTriggered'] ?? 0,
      invoked: operating['lambda.Invoke'] ?? 0,
      pushes: operating['lambda.pushes'] ?? 0,
    },
    invariants,
  };
}
