import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComponentTokenError } from '../../shared/token/component-token-error';
import { createWechatHttp } from '../../shared/wechat/component-api';
import { WechatApiError } from '../../shared/wechat/errors';
import { type Harness, startHarness, TEST_SECRETS } from '../support/harness';
import { fetchTokenBehindOurBack } from '../support/rival-token-fetch';

const calls = (h: Harness, api = 'api_component_token') => h.sim.stats().calls[api] ?? 0;

/** A component API that needs a valid component_access_token, as a consumer Lambda would call it. */
function createPreAuthCode(h: Harness, componentAccessToken: string) {
  const call = createWechatHttp({ baseUrl: h.sim.url, maxAttempts: 1 });
  return call<{ pre_auth_code: string }>({
    api: 'api_create_preauthcode',
    method: 'POST',
    path: '/cgi-bin/component/api_create_preauthcode',
    query: { component_access_token: componentAccessToken },
    body: { component_appid: TEST_SECRETS.componentAppid },
    secrets: [componentAccessToken],
  });
}

describe('component token reader', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
    await h.sim.pushTicketNow();
  });
  afterEach(async () => h.close());

  it('gets a valid token on a cold start by asking the refresher through Lambda Invoke', async () => {
    const reader = h.newReader();

    const token = await reader.getComponentAccessToken();

    expect(h.sim.checkComponentAccessToken(token)).toBe('ok');
    expect(h.aws.stats().lambda.Invoke).toBe(1);
  });

  it('decrypts once and serves repeated calls from memory', async () => {
    await h.runRefresher();
    const reader = h.newReader();
    h.aws.resetStats();

    const tokens = await Promise.all(Array.from({ length: 20 }, () => reader.getComponentAccessToken()));

    expect(new Set(tokens).size).toBe(1);
    expect(h.aws.stats().kms.Decrypt).toBe(1);
  });

  it('re-checks the store after revalidateAfterMs without another KMS call while the token is unchanged', async () => {
    await h.runRefresher();
    const reader = h.newReader({ revalidateAfterMs: 60_000 });
    await reader.getComponentAccessToken();
    h.aws.resetStats();

    h.clock.advance(61_000);
    await reader.getComponentAccessToken();

    expect(h.aws.stats().kms.Decrypt ?? 0).toBe(0);
  });

  it('picks up a refreshed token within revalidateAfterMs', async () => {
    await h.runRefresher();
    const reader = h.newReader();
    const first = await reader.getComponentAccessToken();

    h.clock.advance(7200_000 - 900_000);
    await h.runRefresher();
    h.clock.advance(60_000);
    const second = await reader.getComponentAccessToken();

    expect(second).not.toBe(first);
    expect(h.sim.checkComponentAccessToken(second)).toBe('ok');
  });

  it('never hands out a token that expires within minRemainingMs: it waits for a refresh instead', async () => {
    await h.runRefresher();
    const reader = h.newReader({ minRemainingMs: 300_000 });
    const first = await reader.getComponentAccessToken();

    h.clock.advance(7200_000 - 299_000);
    const second = await reader.getComponentAccessToken();

    expect(second).not.toBe(first);
    expect(h.sim.checkComponentAccessToken(second)).toBe('ok');
  });

  it('throws REFRESH_FAILED at once when the refresher cannot get a token', async () => {
    h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: 45009, count: 1 }] });
    const reader = h.newReader();

    const error = await reader.getComponentAccessToken().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ComponentTokenError);
    expect(error).toMatchObject({ code: 'REFRESH_FAILED', refreshOutcome: { status: 'failed', errcode: 45009 } });
  });

  it('throws TIMEOUT after its bounded wait when another refresh holds the lease and never finishes', async () => {
    await h.stores.leases.acquire(); // a holder that hangs
    const reader = h.newReader({ maxWaitMs: 3_000 });
    const startedAt = h.clock.now();

    const error = await reader.getComponentAccessToken().catch((err: unknown) => err);

    expect(error).toMatchObject({ name: 'ComponentTokenError', code: 'TIMEOUT' });
    expect(h.clock.now() - startedAt).toBeLessThan(3_000 + 1_000);
    expect(calls(h)).toBe(0);
  });

  it('causes exactly one refresh when 200 readers invalidate the same stale token at once', async () => {
    await h.runRefresher();
    const readers = Array.from({ length: 200 }, () => h.newReader());
    const stale = await readers[0]!.getComponentAccessToken();
    h.clock.advance(5 * 60_000);
    const before = calls(h);

    await Promise.all(readers.map((reader) => reader.invalidate(stale)));
    const after = await Promise.all(readers.map((reader) => reader.getComponentAccessToken()));

    expect(calls(h) - before).toBe(1);
    expect(new Set(after).size).toBe(1);
    expect(after[0]).not.toBe(stale);
  });

  it('does not refresh when the invalidated token was already replaced', async () => {
    await h.runRefresher();
    const reader = h.newReader();
    const old = await reader.getComponentAccessToken();
    h.clock.advance(7200_000 - 900_000);
    await h.runRefresher();
    const before = calls(h);

    await reader.invalidate(old);
    const current = await reader.getComponentAccessToken();

    expect(calls(h)).toBe(before);
    expect(current).not.toBe(old);
  });

  it('ignores an invalidation of a token younger than a minute, so a confused caller cannot burn the quota', async () => {
    await h.runRefresher();
    const reader = h.newReader();
    const token = await reader.getComponentAccessToken();

    for (let i = 0; i < 10; i++) await reader.invalidate(token);

    expect(calls(h)).toBe(1);
    expect(await reader.getComponentAccessToken()).toBe(token);
  });

  it('withComponentAccessToken recovers from 40001 on a retired token with one refresh and one retry', async () => {
    await h.runRefresher();
    const reader = h.newReader();
    const original = await reader.getComponentAccessToken();
    await fetchTokenBehindOurBack(h);
    h.clock.advance(301_000); // the sim retires superseded tokens after 300 s
    expect(h.sim.checkComponentAccessToken(original)).toBe('invalid');
    const seen: string[] = [];

    const result = await reader.withComponentAccessToken(async (token) => {
      seen.push(token);
      return createPreAuthCode(h, token);
    });

    expect(result.pre_auth_code).toBeTruthy();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(original);
    expect(h.sim.checkComponentAccessToken(seen[1]!)).toBe('ok');
  });

  it('withComponentAccessToken does not retry errors other than a stale token', async () => {
    await h.runRefresher();
    const reader = h.newReader();
    let attempts = 0;

    const error = await reader
      .withComponentAccessToken(async () => {
        attempts++;
        throw new WechatApiError({ code: 'ERRCODE', api: 'x', message: 'x failed: errcode 48001', retryable: false, errcode: 48001 });
      })
      .catch((err: unknown) => err);

    expect(error).toMatchObject({ errcode: 48001 });
    expect(attempts).toBe(1);
  });
});

describe('component token reader when the refresher is throttled', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
    await h.sim.pushTicketNow();
  });
  afterEach(async () => h.close());

  it('treats a throttled invoke as a refresh in progress and waits for the token', async () => {
    const reader = h.newReader();
    h.aws.injectFault({ service: 'lambda', operation: 'Invoke', errorType: 'TooManyRequestsException', count: 4, httpStatus: 429 });
    setTimeout(() => void h.runRefresher(), 50);

    const token = await reader.getComponentAccessToken();

    expect(h.sim.checkComponentAccessToken(token)).toBe('ok');
  });

  it('throws UNAVAILABLE when the refresher cannot be invoked at all', async () => {
    const reader = h.newReader();
    h.aws.injectFault({ service: 'lambda', operation: 'Invoke', errorType: 'ResourceNotFoundException', count: 1, httpStatus: 404 });

    const error = await reader.getComponentAccessToken().catch((err: unknown) => err);

    expect(error).toMatchObject({ name: 'ComponentTokenError', code: 'UNAVAILABLE' });
  });
});
