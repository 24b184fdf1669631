import { setTimeout as delay } from 'node:timers/promises';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exchangeAuthorizationCode } from '../../shared/authorizer/exchange-authorization-code';
import { sha256Hex } from '../../shared/crypto/digests';
import { createAuthorizerApi } from '../../shared/wechat/authorizer-api';
import { createWechatHttp } from '../../shared/wechat/wechat-http';
import {
  advance,
  apiCalls,
  authorizeAndExchange,
  codeStats,
  observedWorker,
  simVerdictOnRefreshToken,
  startAuthorizerLifecycle,
  storedRefreshToken,
} from '../support/authorizer-lifecycle';
import type { Harness } from '../support/harness';
import { runWithKill } from '../support/worker-kills';
import { accountAppids } from './authorization-system';

const ACCOUNTS = accountAppids(16, 'x');
const LEASE_MS = 60_000;

describe('exchangeAuthorizationCode (worker, simulator, real stores)', () => {
  let h: Harness;
  let next = 0;
  const account = () => ACCOUNTS[next++]!;

  beforeAll(async () => {
    h = await startAuthorizerLifecycle({ accounts: ACCOUNTS });
  });
  afterAll(async () => h?.close());
  afterEach(() => h.sim.setFaults({}));

  /** Authorizes in the simulator; the push records the code and queues its job, which the test runs (or not). */
  async function pushedCode(authorizerAppid: string, funcInfo?: number[]): Promise<string> {
    const { authorizationCode, push } = await h.sim.authorize({ authorizerAppid, ...(funcInfo ? { funcInfo } : {}) });
    expect(push.acked).toBe(true);
    return authorizationCode;
  }

  it('exchanges a pushed code with one api_query_auth: authorizer, profile and access token stored, code finished', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    const { deps, metrics } = observedWorker(h);

    const outcome = await exchangeAuthorizationCode(deps, sha256Hex(code));

    expect(outcome).toEqual({ status: 'exchanged', authorizerAppid: appid, recovered: false });
    expect(codeStats(h, code)).toEqual({ calls: 1, successes: 1 });
    const stored = await h.stores.authorizers.get(appid);
    expect(stored).toMatchObject({ status: 'authorized', profile: { nickname: expect.any(String) } });
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
    expect(h.sim.checkAuthorizerAccessToken(appid, await h.stores.authorizers.openAccessToken(appid, stored!.accessToken!))).toBe('ok');
    expect(await h.stores.authorizationCodes.get(sha256Hex(code))).toMatchObject({ status: 'exchanged', outcome: 'exchanged' });
    expect(metrics.sum('AuthorizationsExchanged')).toBe(1);
  });

  it('asks api_query_auth once when the worker, its redelivered job and the callback all take the same code at once', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    const { deps } = observedWorker(h);

    const outcomes = await Promise.all([
      ...Array.from({ length: 6 }, () => exchangeAuthorizationCode(deps, sha256Hex(code))),
      fetch(`${h.callbackUrl}?auth_code=${encodeURIComponent(code)}&expires_in=3600`).then((page) => page.text()),
      h.drainJobs(),
    ]);

    const workerOutcomes = outcomes.slice(0, 6) as Awaited<ReturnType<typeof exchangeAuthorizationCode>>[];
    // One of them exchanged, unless the callback was first; every other one was skipped.
    expect(workerOutcomes.filter((outcome) => outcome.status === 'exchanged').length).toBeLessThanOrEqual(1);
    expect(workerOutcomes.every((outcome) => outcome.status === 'exchanged' || outcome.status === 'skipped')).toBe(true);
    expect(codeStats(h, code)).toEqual({ calls: 1, successes: 1 });
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
  });

  it('re-runs the exchange for updateauthorized: new permissions and refresh token, the previous one kept', async () => {
    const appid = account();
    await authorizeAndExchange(h, appid, [1, 2, 3]);
    const first = await h.stores.authorizers.get(appid);
    h.clock.advance(5_000);

    const code = await pushedCode(appid, [1, 15]);
    await h.drainJobs();

    const second = await h.stores.authorizers.get(appid);
    expect(codeStats(h, code)).toEqual({ calls: 1, successes: 1 });
    expect(second).toMatchObject({ status: 'authorized', funcInfo: [1, 15], lastEventCreateTime: h.clock.nowSec });
    expect(second?.refreshToken?.sha256).not.toBe(first?.refreshToken?.sha256);
    expect(second?.previousRefreshToken?.sha256).toBe(first?.refreshToken?.sha256);
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
  });

  it('records a code WeChat refuses, counts it, changes no authorizer and never asks about it again', async () => {
    const appid = account();
    await authorizeAndExchange(h, appid);
    const before = await h.stores.authorizers.get(appid);
    const forged = `queryauthcode@@@never-issued-${appid}`;
    await h.sim.pushEvent({ infoType: 'updateauthorized', fields: { AuthorizerAppid: appid, AuthorizationCode: forged } });
    const { deps, metrics } = observedWorker(h);
    const callsBefore = apiCalls(h, 'api_query_auth');

    const outcome = await exchangeAuthorizationCode(deps, sha256Hex(forged));
    const again = await exchangeAuthorizationCode(deps, sha256Hex(forged));
    await h.drainJobs();
    await advance(h, 10 * 60_000);
    await h.invokeWorker({ action: 'schedule' });
    await h.drainJobs();

    expect(outcome).toEqual({ status: 'refused', reason: 'invalid', errcode: 61009 });
    expect(again).toEqual({ status: 'skipped', reason: 'code is refused' });
    // The simulator counts per code only the codes it issued: the API count shows the one question asked.
    expect(apiCalls(h, 'api_query_auth')).toBe(callsBefore + 1);
    expect(metrics.sum('AuthorizationCodesRefused')).toBe(1);
    expect(await h.stores.authorizationCodes.get(sha256Hex(forged))).toMatchObject({ status: 'refused', lastErrcode: 61009 });
    const after = await h.stores.authorizers.get(appid);
    expect(after?.version).toBe(before?.version);
    expect(after?.refreshToken?.sha256).toBe(before?.refreshToken?.sha256);
  });

  it('refuses a code that expired before its turn without asking WeChat', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    await advance(h, 3_601_000);
    const { deps, metrics } = observedWorker(h);

    const outcome = await exchangeAuthorizationCode(deps, sha256Hex(code));

    expect(outcome).toEqual({ status: 'refused', reason: 'expired' });
    expect(codeStats(h, code).calls).toBe(0);
    expect(metrics.sum('AuthorizationCodesRefused')).toBe(1);
    expect(await h.stores.authorizers.get(appid)).toBeNull();
  });

  it('retries -1 after its retry time, through SQS redelivery, and exchanges once', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    // Every attempt of the call: -1 proves the code unused, so the client retries it itself first.
    h.sim.setFaults({ failNext: [{ api: 'api_query_auth', errcode: -1, count: 3 }] });

    const attemptAt = h.clock.now();
    await h.drainJobs();
    const waiting = await h.stores.authorizationCodes.get(sha256Hex(code));
    await h.jobs.drain({ advanceClock: (ms) => advance(h, ms) });

    // Held until the retry time (1 min after a first attempt), so no other attempt starts sooner.
    expect(waiting).toMatchObject({ status: 'exchanging', attempts: 1, lastAttemptNotSent: true, lastErrcode: -1 });
    expect(waiting?.lease?.untilMs).toBe(attemptAt + 60_000);
    expect(codeStats(h, code)).toEqual({ calls: 1, successes: 1 });
    expect(await h.stores.authorizationCodes.get(sha256Hex(code))).toMatchObject({ status: 'exchanged', attempts: 2 });
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
  });

  it('retries a dropped connection, which may have reached WeChat, and still exchanges the code once', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    h.sim.setFaults({ dropNext: [{ api: 'api_query_auth', count: 1 }] });
    const { deps } = observedWorker(h);

    const first = await exchangeAuthorizationCode(deps, sha256Hex(code));
    const tooSoon = await exchangeAuthorizationCode(deps, sha256Hex(code));
    h.clock.advance(LEASE_MS);
    const second = await exchangeAuthorizationCode(deps, sha256Hex(code));

    expect(first).toEqual({ status: 'retry', reason: 'NETWORK' });
    expect(tooSoon).toEqual({ status: 'skipped', reason: 'code is exchanging' });
    expect(second).toEqual({ status: 'exchanged', authorizerAppid: appid, recovered: false });
    expect(codeStats(h, code)).toEqual({ calls: 1, successes: 1 });
  });

  it('recovers, without a second exchange, a code whose api_query_auth timed out here but was processed by WeChat', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    const { deps } = observedWorker(h);
    const impatient = { ...deps, api: createAuthorizerApi(createWechatHttp({ baseUrl: h.sim.url, timeoutMs: 50, maxAttempts: 1 })) };
    h.sim.setFaults({ latencyMs: 250 });

    const timedOut = await exchangeAuthorizationCode(impatient, sha256Hex(code));
    // WeChat carries on with the request the worker gave up on.
    await delay(400);
    h.sim.setFaults({});
    h.clock.advance(LEASE_MS);
    const recovered = await exchangeAuthorizationCode(deps, sha256Hex(code));

    expect(timedOut).toEqual({ status: 'retry', reason: 'TIMEOUT' });
    expect(recovered).toEqual({ status: 'exchanged', authorizerAppid: appid, recovered: true });
    expect(codeStats(h, code)).toEqual({ calls: 2, successes: 1 });
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
  });

  it('recovers the refresh token with api_get_authorizer_info when an attempt used the code and died before storing', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    const { deps, metrics } = observedWorker(h);
    const infoCallsBefore = apiCalls(h, 'api_get_authorizer_info');

    // Killed once api_query_auth has answered: WeChat used the code, the worker never learned the answer.
    const killed = await runWithKill(deps, { at: 2, mode: 'after' }, (crashing) => exchangeAuthorizationCode(crashing, sha256Hex(code)));
    h.clock.advance(LEASE_MS);
    const outcome = await exchangeAuthorizationCode(deps, sha256Hex(code));

    expect(killed.killed && killed.probe.trail).toEqual(['codes.claim', 'api.queryAuth']);
    expect(outcome).toEqual({ status: 'exchanged', authorizerAppid: appid, recovered: true });
    expect(codeStats(h, code)).toEqual({ calls: 2, successes: 1 });
    expect(apiCalls(h, 'api_get_authorizer_info')).toBe(infoCallsBefore + 1);
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
    expect(await h.stores.authorizationCodes.get(sha256Hex(code))).toMatchObject({ status: 'exchanged', outcome: 'recovered' });
    expect(metrics.sum('AuthorizationsRecovered')).toBe(1);
  });

  it('keeps the access token the lost attempt stored when a retry recovers the same authorization', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    const { deps } = observedWorker(h);
    await runWithKill(deps, { at: 3, mode: 'after' }, (crashing) => exchangeAuthorizationCode(crashing, sha256Hex(code)));
    const storedByLostAttempt = (await h.stores.authorizers.get(appid))!;
    h.clock.advance(LEASE_MS);

    const outcome = await exchangeAuthorizationCode(deps, sha256Hex(code));

    const stored = (await h.stores.authorizers.get(appid))!;
    expect(outcome).toEqual({ status: 'exchanged', authorizerAppid: appid, recovered: true });
    expect(stored.accessToken?.sha256).toBe(storedByLostAttempt.accessToken?.sha256);
    expect(stored.dueAtMs).toBe(storedByLostAttempt.dueAtMs);
    expect(stored.refreshToken?.sha256).toBe(storedByLostAttempt.refreshToken?.sha256);
  });

  it('waits for the push when a callback-only code was used by a lost attempt, then recovers once the push names the account', async () => {
    const appid = account();
    h.sim.setFaults({ pushes: { drop: 1 } });
    const { authorizationCode: code } = await h.sim.authorize({ authorizerAppid: appid, redirect: false });
    h.sim.setFaults({});
    await h.stores.authorizationCodes.record({
      code,
      source: 'callback',
      eventCreateTime: h.clock.nowSec,
      codeExpiresAtMs: h.clock.now() + 3_600_000,
    });
    const { deps } = observedWorker(h);

    await runWithKill(deps, { at: 2, mode: 'after' }, (crashing) => exchangeAuthorizationCode(crashing, sha256Hex(code)));
    h.clock.advance(LEASE_MS);
    const waiting = await exchangeAuthorizationCode(deps, sha256Hex(code));
    const push = await h.sim.pushEvent({ infoType: 'authorized', fields: { AuthorizerAppid: appid, AuthorizationCode: code } });
    await h.drainJobs();

    expect(waiting).toEqual({ status: 'lost', reason: 'awaiting-push' });
    expect(push.acked).toBe(true);
    expect(await h.stores.authorizationCodes.get(sha256Hex(code))).toMatchObject({ status: 'exchanged', outcome: 'recovered' });
    expect(codeStats(h, code)).toEqual({ calls: 2, successes: 1 });
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
  });

  it('does not re-drive a code lost for good when WeChat delivers its push again', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    const { deps } = observedWorker(h);
    await runWithKill(deps, { at: 2, mode: 'after' }, (crashing) => exchangeAuthorizationCode(crashing, sha256Hex(code)));
    // The account revokes before the retry: nothing is left to recover.
    h.clock.advance(LEASE_MS);
    await h.sim.revokeAuthorization(appid);
    const lost = await exchangeAuthorizationCode(deps, sha256Hex(code));
    const callsBefore = { queryAuth: apiCalls(h, 'api_query_auth'), info: apiCalls(h, 'api_get_authorizer_info') };

    const redelivered = await h.sim.pushEvent({ infoType: 'authorized', fields: { AuthorizerAppid: appid, AuthorizationCode: code } });
    await h.drainJobs();

    expect(lost).toEqual({ status: 'lost', reason: 'api_get_authorizer_info errcode 61003' });
    expect(redelivered.acked).toBe(true);
    expect(await h.stores.authorizationCodes.get(sha256Hex(code))).toMatchObject({ status: 'lost' });
    expect({ queryAuth: apiCalls(h, 'api_query_auth'), info: apiCalls(h, 'api_get_authorizer_info') }).toEqual(callsBefore);
  });

  it('never lets a late exchange of an older authorization flip a newer revocation', async () => {
    const appid = account();
    const code = await pushedCode(appid);
    h.clock.advance(10_000);
    // WeChat's unauthorized push overtakes the exchange; the exchange itself still succeeds at WeChat.
    await h.sim.pushEvent({ infoType: 'unauthorized', createTime: h.clock.nowSec, fields: { AuthorizerAppid: appid } });
    const revokedAt = h.clock.nowSec;

    await h.drainJobs();

    expect(codeStats(h, code)).toEqual({ calls: 1, successes: 1 });
    expect(await h.stores.authorizers.getStatus(appid)).toEqual({ status: 'revoked', lastEventCreateTime: revokedAt });
    expect(await h.stores.authorizationCodes.get(sha256Hex(code))).toMatchObject({
      status: 'exchanged',
      outcome: 'exchanged-but-superseded',
    });
  });
  it('reports only the job to try again as a batch item failure; a malformed message is dropped, a done one deleted', async () => {
    const [retried, done] = [account(), account()];
    const retriedCode = await pushedCode(retried);
    const doneCode = await pushedCode(done);
    await exchangeAuthorizationCode(observedWorker(h).deps, sha256Hex(doneCode));
    const sqs = new SQSClient(h.aws.clientConfig('sqs'));
    await sqs.send(new SendMessageCommand({ QueueUrl: h.aws.createQueue('authorizer-jobs').url, MessageBody: '{"kind":"exchange"}' }));
    sqs.destroy();
    h.sim.setFaults({ failNext: [{ api: 'api_query_auth', errcode: -1, count: 3 }] });
    const before = h.jobs.stats();

    await h.drainJobs();

    const after = h.jobs.stats();
    expect(after.messagesReceived - before.messagesReceived).toBe(3);
    expect(after.messagesDeleted - before.messagesDeleted).toBe(2);
    expect(h.jobs.status()).toMatchObject({ visible: 0, notVisible: 1 });
    expect((await h.stores.authorizationCodes.get(sha256Hex(retriedCode)))?.status).toBe('exchanging');
    await h.jobs.drain({ advanceClock: (ms) => advance(h, ms) });
    expect(codeStats(h, retriedCode)).toEqual({ calls: 1, successes: 1 });
  });
});
