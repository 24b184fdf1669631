import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { secretFingerprint } from '../../local/wechat-sim/server';
import { sha256Hex } from '../../shared/crypto/digests';
import { type AuthorizationSystem, accountAppids, startAuthorizationSystem, wechatCalls } from './authorization-system';

const ACCOUNTS = accountAppids(4, 'c');

/** The callback URL WeChat redirects to after consent. */
function callback(s: AuthorizationSystem, query: Record<string, string>): string {
  return `${s.callbackUrl}?${new URLSearchParams(query)}`;
}

function errorCodeOf(html: string): string | undefined {
  return /data-error="([A-Z_]+)"/.exec(html)?.[1];
}

/** api_query_auth calls the simulator saw for this code. */
function exchangesOf(s: AuthorizationSystem, code: string): number {
  return s.sim.authorizationCodeStats()[secretFingerprint(code)]?.calls ?? 0;
}

/** Authorizes an account in the simulator as its consent page would, with the `authorized` push not delivered. */
async function codeWithoutPush(s: AuthorizationSystem, authorizerAppid: string): Promise<string> {
  s.sim.setFaults({ pushes: { drop: 1 } });
  const { authorizationCode, push } = await s.sim.authorize({ authorizerAppid, redirect: false });
  expect(push.acked).toBe(false);
  return authorizationCode;
}

describe('GET /authorize/callback', () => {
  let s: AuthorizationSystem;
  beforeAll(async () => {
    s = await startAuthorizationSystem({ sim: { authorizationAccounts: ACCOUNTS } });
  });
  afterAll(async () => s?.close());
  afterEach(() => s.sim.setFaults({}));

  it('exchanges a real code once, stores the authorizer, and names the account', async () => {
    const appid = ACCOUNTS[0]!;
    const { authorizationCode: code, push } = await s.sim.authorize({ authorizerAppid: appid, redirect: false });
    const nickname = s.sim.authorizers().find((account) => account.appid === appid)!.nickname;

    const response = await fetch(callback(s, { auth_code: code, expires_in: '3600' }));
    const html = await response.text();
    await s.drainJobs();

    expect(push.acked).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(html).toContain(nickname);
    expect(html).not.toContain(code);
    expect(exchangesOf(s, code)).toBe(1);
    const stored = await s.stores.authorizers.get(appid);
    expect(stored).toMatchObject({ status: 'authorized', profile: { nickname } });
    expect(stored?.refreshToken?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await s.stores.authorizationCodes.get(sha256Hex(code)))?.status).toBe('exchanged');
  });

  it('answers a reload of the callback from what is stored, without another exchange', async () => {
    const appid = ACCOUNTS[1]!;
    const code = await codeWithoutPush(s, appid);
    await fetch(callback(s, { auth_code: code }));

    const reload = await fetch(callback(s, { auth_code: code }));

    expect(reload.status).toBe(200);
    expect(await reload.text()).toContain(s.sim.authorizers().find((account) => account.appid === appid)!.nickname);
    expect(exchangesOf(s, code)).toBe(1);
  });

  it('answers 200 when the push worker exchanged the code before the administrator came back', async () => {
    const appid = ACCOUNTS[2]!;
    const { authorizationCode: code } = await s.sim.authorize({ authorizerAppid: appid, redirect: false });
    await s.drainJobs();

    const response = await fetch(callback(s, { auth_code: code }));

    expect(response.status).toBe(200);
    expect(await response.text()).toContain(appid);
    expect(exchangesOf(s, code)).toBe(1);
  });

  it('refuses an unknown code with the 400 "start again" page and stores no authorizer', async () => {
    const code = 'unknown-authorization-code-0123456789';
    const authorizersBefore = await s.stores.authorizers.countByStatus();
    const callsBefore = wechatCalls(s.sim).queryAuth;

    const response = await fetch(callback(s, { auth_code: code, expires_in: '3600' }));
    const html = await response.text();
    await s.drainJobs();

    expect(response.status).toBe(400);
    expect(errorCodeOf(html)).toBe('CODE_REFUSED');
    expect(html).toContain('授权码无效或已过期');
    expect(html).toContain('The authorization code is unknown or has expired; start again from your link.');
    expect(await s.stores.authorizers.countByStatus()).toEqual(authorizersBefore);
    expect((await s.stores.authorizationCodes.get(sha256Hex(code)))?.status).toBe('refused');
    // Asked once, by the callback; the worker's job for it found it refused and asked nothing.
    expect(wechatCalls(s.sim).queryAuth).toBe(callsBefore + 1);
  });

  it.each([
    ['no auth_code', {}, 'CODE_MISSING'],
    ['an empty auth_code', { auth_code: '' }, 'CODE_MISSING'],
    ['an auth_code of 513 characters', { auth_code: 'a'.repeat(513) }, 'CODE_MALFORMED'],
    ['an auth_code with a space', { auth_code: 'code with space' }, 'CODE_MALFORMED'],
    ['an auth_code with a control character', { auth_code: 'code\u0001x' }, 'CODE_MALFORMED'],
    ['an auth_code that is not ASCII', { auth_code: '授权码授权码授权码' }, 'CODE_MALFORMED'],
  ])('refuses a callback with %s with a 400 page, storing, queueing and asking nothing', async (_name, query, code) => {
    const callsBefore = wechatCalls(s.sim).queryAuth;

    const response = await fetch(callback(s, query as Record<string, string>));
    const html = await response.text();

    expect(response.status).toBe(400);
    expect(errorCodeOf(html)).toBe(code);
    expect(html).toContain('Start again from your authorization link.');
    if ('auth_code' in query && query.auth_code) expect(await s.stores.authorizationCodes.get(sha256Hex(query.auth_code))).toBeNull();
    expect(s.jobs.status().visible).toBe(0);
    expect(wechatCalls(s.sim).queryAuth).toBe(callsBefore);
  });

  it('answers 202 "being processed" when WeChat is busy, and the worker finishes the exchange later', async () => {
    const appid = ACCOUNTS[3]!;
    const code = await codeWithoutPush(s, appid);
    // Every attempt of the callback's exchange (-1 means the code was not used, so the client retries it).
    s.sim.setFaults({ failNext: [{ api: 'api_query_auth', errcode: -1, count: 3 }] });

    const response = await fetch(callback(s, { auth_code: code }));
    const html = await response.text();
    s.clock.advance(120_000);
    await s.drainJobs();

    expect(response.status).toBe(202);
    expect(html).toContain('you can close this page');
    expect((await s.stores.authorizers.get(appid))?.status).toBe('authorized');
    expect(exchangesOf(s, code)).toBe(1);
  });
});

describe('GET /authorize/callback rate', () => {
  let s: AuthorizationSystem;
  beforeAll(async () => {
    // Callbacks may come three times as often as pre-auth codes are made (reloads); here 3 a minute.
    s = await startAuthorizationSystem({ preAuthCodesPerMinute: 1 });
  });
  afterAll(async () => s?.close());

  it('answers a flood of made-up codes with 429 beyond the minute allowance, storing, queueing and asking nothing for them', async () => {
    s.clock.advance(60_000 - (s.clock.now() % 60_000));
    const codes = Array.from({ length: 5 }, (_, i) => `made-up-authorization-code-${i}-0123456789`);

    const responses = [];
    for (const code of codes) responses.push(await fetch(callback(s, { auth_code: code })));
    const limited = responses[3]!;
    const limitedHtml = await limited.text();

    expect(responses.map((response) => response.status)).toEqual([400, 400, 400, 429, 429]);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(errorCodeOf(limitedHtml)).toBe('CALLBACK_RATE_LIMITED');
    expect(limitedHtml).toContain('WeChat also notifies the platform');
    expect(await s.stores.authorizationCodes.get(sha256Hex(codes[3]!))).toBeNull();
    expect(await s.stores.authorizationCodes.get(sha256Hex(codes[4]!))).toBeNull();
    expect(wechatCalls(s.sim).queryAuth).toBe(3);
  });
});

describe('callback and push for the same code, at once', () => {
  const appids = accountAppids(100, 'r');
  let s: AuthorizationSystem;
  beforeAll(async () => {
    // 100 authorizations in one (simulated) minute: the callback allowance must not be what this test measures.
    s = await startAuthorizationSystem({ sim: { authorizationAccounts: appids }, preAuthCodesPerMinute: 100 });
  });
  afterAll(async () => s?.close());

  it('exchanges each of 100 codes exactly once, with the worker running alongside', { timeout: 120_000 }, async () => {
    const codes: string[] = [];
    for (const appid of appids) codes.push(await codeWithoutPush(s, appid));
    s.sim.setFaults({});
    s.jobs.start();

    const statuses: number[] = [];
    const pushesAcked: boolean[] = [];
    for (let start = 0; start < codes.length; start += 20) {
      await Promise.all(
        codes.slice(start, start + 20).map(async (code, i) => {
          const authorizerAppid = appids[start + i]!;
          const [page, push] = await Promise.all([
            fetch(callback(s, { auth_code: code, expires_in: '3600' })),
            s.sim.pushEvent({
              infoType: 'authorized',
              fields: {
                AuthorizerAppid: authorizerAppid,
                AuthorizationCode: code,
                AuthorizationCodeExpiredTime: String(s.clock.nowSec + 3600),
              },
            }),
          ]);
          statuses.push(page.status);
          pushesAcked.push(push.acked);
          await page.text();
        }),
      );
    }
    await s.jobs.stop();
    await s.drainJobs();

    expect(statuses.every((status) => status === 200 || status === 202)).toBe(true);
    expect(pushesAcked.every(Boolean)).toBe(true);
    const perCode = codes.map((code) => s.sim.authorizationCodeStats()[secretFingerprint(code)]);
    expect(perCode.every((stats) => stats?.calls === 1 && stats.successes === 1)).toBe(true);
    expect(wechatCalls(s.sim).queryAuth).toBe(100);
    const stored = await Promise.all(appids.map((appid) => s.stores.authorizers.get(appid)));
    expect(stored.every((authorizer) => authorizer?.status === 'authorized' && authorizer.refreshToken)).toBe(true);
    const items = await Promise.all(codes.map((code) => s.stores.authorizationCodes.get(sha256Hex(code))));
    expect(items.every((item) => item?.status === 'exchanged' && item.sources.length === 2)).toBe(true);
  });
});
