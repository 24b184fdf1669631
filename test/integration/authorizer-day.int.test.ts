import { beforeAll, describe, expect, it } from 'vitest';
import { type DaySummary, MAX_CALLS_PER_DAY, summarizeDay } from '../../bench/authorizer-day/day-summary';
import { type AuthorizerDayResult, simulateAuthorizerDay } from '../../bench/authorizer-day/simulate-authorizer-day';

/**
 * CI's size of the day: about 45 s here. `npm run simulate:day -- --authorizers 10000` runs the same code at the
 * acceptance size (README, "Cost per 10,000 authorizers").
 */
const AUTHORIZERS = 200;
/** Attempts the WeChat client makes per job on -1 (shared/wechat/wechat-http.ts). */
const ATTEMPTS_PER_JOB = 3;

/**
 * 24 simulated hours of the authorizer lifecycle against the local parts (bench/authorizer-day/simulate-authorizer-day.ts):
 * the authorizers imported from api_get_authorizer_list, the due sweep every 5 minutes, refreshes through SQS to the
 * worker (batches of 10, five invocations at most), readers checking every token served with the simulator, new
 * authorizations and revocations pushed by WeChat, the daily reconcile, and faults: 150 calls answered -1, a lost SQS
 * message, a worker container dying after WeChat answered.
 */
describe(`a simulated day with ${AUTHORIZERS} authorizers`, () => {
  let result: AuthorizerDayResult;
  let summary: DaySummary;

  beforeAll(async () => {
    result = await simulateAuthorizerDay({ authorizers: AUTHORIZERS });
    summary = summarizeDay(result);
  }, 240_000); // about 45 s here; room for a loaded 2-core CI runner

  it('never serves a token WeChat refuses, and refuses revoked authorizers', () => {
    expect(result.reads.reads).toBeGreaterThanOrEqual(5 * AUTHORIZERS - 10);
    expect(result.reads.badCount).toBe(0);
    expect(result.reads.bad).toEqual([]);
    expect(result.reads.errors).toEqual({});
    expect(result.reads.refusedRevoked).toBeGreaterThan(0);
  });

  it(`calls api_authorizer_token at most ${MAX_CALLS_PER_DAY} times a day for every authorizer no fault touched`, () => {
    expect(MAX_CALLS_PER_DAY).toBe(14);
    expect(summary.tokenCalls.unfaultedMax).toBe(MAX_CALLS_PER_DAY);
    expect(summary.tokenCalls.successfulMean).toBeLessThanOrEqual(MAX_CALLS_PER_DAY);
    expect(summary.tokenCalls.overLimit.filter((entry) => entry.why === '')).toEqual([]);
  });

  it('makes no successful call that was not needed: only the authorizer whose answer died with the worker gets one more', () => {
    const victim = result.faults.crashVictim;

    expect(victim).not.toBeNull();
    for (const entry of result.authorizerCalls)
      expect(entry.successes, entry.authorizerAppid).toBeLessThanOrEqual(MAX_CALLS_PER_DAY + (entry.authorizerAppid === victim ? 1 : 0));
  });

  it('reads and writes DynamoDB without a Scan, with two writes and two index write units per refresh', () => {
    const worker = result.phases.worker;
    const refreshes = worker['wechat.api_authorizer_token']! - result.faults.minusOneAnswers;
    // Writes that are no refresh: a job that met the -1 burst writes its lease and its retry time; conditions that
    // failed (a sweep's job for an authorizer another job holds); each exchange claims its code, stores the authorizer
    // and marks the code exchanged.
    const failedJobs = result.faults.minusOneAnswers / ATTEMPTS_PER_JOB;
    const otherWrites = 2 * failedJobs + (worker['dynamo.UpdateItem.conditionalCheckFailed'] ?? 0) + 3 * worker['wechat.api_query_auth']!;

    expect(summary.dynamo.scans).toBe(0);
    expect(Object.values(result.phases).every((phase) => phase['dynamo.Scan'] === undefined)).toBe(true);
    expect((worker['dynamo.UpdateItem']! - otherWrites) / refreshes).toBeCloseTo(2, 2);
    expect(worker['dynamoUnits.indexWrite']! / refreshes).toBeGreaterThanOrEqual(2);
    expect(worker['dynamoUnits.indexWrite']! / refreshes).toBeLessThan(2.05);
  });

  it('asks KMS for a fraction of a request per refresh: data keys are reused across a wave, by every worker container', () => {
    const worker = result.phases.worker;
    const kms = (worker['kms.Decrypt'] ?? 0) + (worker['kms.GenerateDataKey'] ?? 0) + (worker['kms.Encrypt'] ?? 0);

    // Without the data-key cache each refresh makes two (open the refresh token, seal the access token). The cache
    // makes it about one GenerateDataKey per container and 5 minutes, so the fraction falls as the waves grow.
    expect(kms / worker['wechat.api_authorizer_token']!).toBeLessThan(0.3);
    expect(worker['kms.GenerateDataKey']!).toBeLessThanOrEqual(result.queue.workerContainers * result.sweeps.runs);
  });

  it('fans refreshes out in SQS batches of ten and drains each wave long before the next sweep', () => {
    expect(result.phases.sweep['sqs.SendMessageBatch']! * 10).toBeGreaterThanOrEqual(result.sweeps.refreshesQueued);
    expect(result.queue.maxWaveDrainMs).toBeLessThan(5 * 60_000);
    expect(result.queue.maxAgeAtFirstDeliveryMs).toBeLessThan(5 * 60_000);
    expect(result.queue.deadLetters).toBe(0);
  });

  it('gets through the faults: every -1 retried, the lost job and the dead worker made up for by later sweeps', () => {
    expect(result.faults.minusOneAnswers).toBe(150);
    expect(result.phases.worker['lambda.sqsTriggered']).toBe(result.queue.invocations);
    expect(result.queue.functionErrors).toBe(1);
    expect(result.faults.lostMessage).not.toBeNull();
  });

  it('ends with every authorizer as WeChat has it: a valid token and the current refresh token, none needing re-authorization', () => {
    expect(result.imported).toBe(AUTHORIZERS);
    expect(result.endState).toMatchObject({ needsReauth: 0, disagreements: [] });
    expect(result.endState.tokensValid).toBe(result.endState.authorized);
    expect(result.endState.refreshTokensCurrent).toBe(result.endState.authorized);
    expect(result.endState.revoked).toBe(result.options.revocations);
    expect(result.codeExchanges).toHaveLength(result.options.newAuthorizations);
    expect(result.codeExchanges.every((code) => code.calls === 1 && code.successes === 1)).toBe(true);
    expect(result.reconcile).toMatchObject({ listed: AUTHORIZERS, missingHere: [], missingThere: [] });
  });

  it('passes every invariant of the report', () => {
    expect(summary.invariants.filter((check) => !check.ok)).toEqual([]);
  });

  it('prices the day per 10,000 authorizers a month from what it counted', () => {
    const item = (name: string) => result.cost.lines.find((line) => line.item === name);

    expect(item('DynamoDB writes (service)')?.quantityPerMonth).toBeGreaterThan(0);
    expect(item('Lambda requests (service)')?.quantityPerMonth).toBeGreaterThan(0);
    expect(result.output.customMetrics.length).toBeGreaterThan(0);
    expect(result.cost.totalUsdPerMonth).toBeGreaterThan(0);
  });
});
