import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { randomAlphanumeric } from '../../shared/h5-oauth/random-token';
import { userPk } from '../../shared/store/table-keys';
import type { UserOAuthTokens } from '../../shared/store/user-store';
import { CapturedOutput, enablePowertoolsOutput } from '../support/captured-output';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, startHarness, TABLE_NAME, TEST_SECRETS } from '../support/harness';
import { newPkcePair } from '../support/pkce';
import { callbackUrl, consent, h5OAuth, readSession, redeem, start, startUrl } from './h5-oauth-flows';

/**
 * Drives every h5-oauth path, good and bad, while capturing stdout and stderr, then proves that refusals are logged
 * with their reason and that no code, binding cookie, login code, PKCE verifier, session token or token of any kind
 * was written.
 */
describe('h5-oauth logs', () => {
  let h: Harness;
  enablePowertoolsOutput();
  const output = new CapturedOutput();
  const secrets = new Map<string, string>();
  const keep = (kind: string, value: string | null | undefined) => {
    if (value) secrets.set(value, kind);
  };
  const bodies: string[] = [];
  const record = async (response: Response) => {
    bodies.push(`${[...response.headers].join('\n')}\n${await response.text()}`);
    return response;
  };

  beforeAll(async () => {
    h = await startHarness();
    output.start();
    try {
      await h.sim.pushTicketNow();
      keep('component_verify_ticket', h.sim.latestTicket()?.ticket);
      const user = h.sim.oauthUsers()[0]!;

      // A whole sign-in, its session, and a same-browser replay.
      const browser = new TestBrowser();
      const signedIn = await h5OAuth(h, browser, { userId: user.id, scope: 'snsapi_userinfo' });
      keep('wechat code', signedIn.code);
      keep('binding cookie', signedIn.started.cookieValue);
      keep('login code', signedIn.loginCode);
      keep('PKCE code verifier', signedIn.codeVerifier);
      const session = (await (await redeem(h, signedIn)).json()) as { token: string };
      keep('session token', session.token);
      expect((await readSession(h, `Bearer ${session.token}`)).status).toBe(200);
      const replay = await browser.get(signedIn.callback);
      keep('login code', new URL(replay.headers.get('location')!).searchParams.get('wx_login'));
      await record(await new TestBrowser().get(signedIn.callback));
      await record(await redeem(h, signedIn));
      await record(await readSession(h, `Bearer ${session.token.slice(0, -4)}AAAA`));
      await record(await readSession(h, undefined));

      // A planted login code (wrong verifier), and a logged-out session used again.
      const planted = await h5OAuth(h, new TestBrowser());
      keep('login code', planted.loginCode);
      keep('PKCE code verifier', planted.codeVerifier);
      const wrongVerifier = newPkcePair().codeVerifier;
      keep('PKCE code verifier', wrongVerifier);
      await record(await redeem(h, { loginCode: planted.loginCode, codeVerifier: wrongVerifier }));
      const other = await h5OAuth(h, new TestBrowser());
      const otherSession = (await (await redeem(h, other)).json()) as { token: string };
      keep('session token', otherSession.token);
      const loggedOut = await fetch(`${h.gateway.url}/h5-oauth/session`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${otherSession.token}` },
      });
      expect(loggedOut.status).toBe(204);
      await record(await readSession(h, `Bearer ${otherSession.token}`));

      // Refused starts.
      await record(await fetch(startUrl(h, { return_to: 'https://evil.example/' }), { redirect: 'manual' }));
      await record(await fetch(startUrl(h, { appid: 'wx9999999999999999' }), { redirect: 'manual' }));
      await record(await fetch(startUrl(h, { scope: 'snsapi_login' }), { redirect: 'manual' }));
      await record(await fetch(startUrl(h, { code_challenge_method: 'plain' }), { redirect: 'manual' }));

      // Refused callbacks.
      const elsewhere = new TestBrowser();
      const missing = await start(h, elsewhere);
      keep('binding cookie', missing.cookieValue);
      const missingCallback = await consent(h, elsewhere, missing);
      keep('wechat code', new URL(missingCallback).searchParams.get('code'));
      await record(await new TestBrowser().get(missingCallback));
      const forgedCookie = randomAlphanumeric(43);
      keep('forged binding cookie', forgedCookie);
      await record(
        await fetch(missingCallback, { redirect: 'manual', headers: { cookie: `__Host-wxo_${missing.state}=${forgedCookie}` } }),
      );
      await record(
        await fetch(callbackUrl(h.gateway.url, { code: 'x', state: randomAlphanumeric(32), appid: TEST_AUTHORIZER_APPID }), {
          redirect: 'manual',
        }),
      );
      await record(await elsewhere.get(callbackUrl(h.gateway.url, { code: 'x', state: missing.state, appid: 'wx5555555555555555' })));
      await record(
        await elsewhere.get(callbackUrl(h.gateway.url, { code: signedIn.code, state: missing.state, appid: TEST_AUTHORIZER_APPID })),
      );

      const busy = new TestBrowser();
      const busyStarted = await start(h, busy);
      keep('binding cookie', busyStarted.cookieValue);
      const busyCallback = await consent(h, busy, busyStarted);
      keep('wechat code', new URL(busyCallback).searchParams.get('code'));
      h.sim.setFaults({ failNext: [{ api: 'sns_component_access_token', errcode: -1, count: 3 }] });
      await record(await busy.get(busyCallback));
      h.sim.setFaults({});

      const late = new TestBrowser();
      const lateStarted = await start(h, late);
      keep('binding cookie', lateStarted.cookieValue);
      h.clock.advance(601_000);
      const lateCallback = await consent(h, late, lateStarted);
      keep('wechat code', new URL(lateCallback).searchParams.get('code'));
      await record(await late.get(lateCallback));

      // The tokens behind it all.
      keep('component_access_token', await h.h5OAuthDeps.tokenReader.getComponentAccessToken());
      const item = (
        await h.dynamo.send(
          new GetCommand({
            TableName: TABLE_NAME,
            Key: { pk: userPk(TEST_SECRETS.componentAppid, TEST_AUTHORIZER_APPID, user.openidFor(TEST_AUTHORIZER_APPID)), sk: 'PROFILE' },
          }),
        )
      ).Item!;
      const tokens = JSON.parse(await h.stores.sealer.open('user_oauth_tokens', item.tokensCiphertext as Uint8Array)) as UserOAuthTokens;
      keep('user access_token', tokens.accessToken);
      keep('user refresh_token', tokens.refreshToken);
    } finally {
      output.stop();
    }
  });
  afterAll(async () => h?.close());

  it('captured the sign-in function and every kind of value, so the scans below mean something', () => {
    expect(output.logs('h5-oauth completed').length).toBeGreaterThanOrEqual(1);
    expect(new Set(secrets.values())).toEqual(
      new Set([
        'component_verify_ticket',
        'wechat code',
        'binding cookie',
        'forged binding cookie',
        'login code',
        'PKCE code verifier',
        'session token',
        'component_access_token',
        'user access_token',
        'user refresh_token',
      ]),
    );
  });

  it("logs each refused request once as a warning, 'h5-oauth request refused', with its route and reason", () => {
    const refused = output.logs('h5-oauth request refused');

    expect(refused.map((line) => `${String(line.route)}:${String(line.reason)}`).sort()).toEqual(
      [
        'session:SESSION_INVALID',
        'session:SESSION_INVALID',
        'session:LOGIN_CODE_INVALID',
        'session:CODE_VERIFIER_INVALID',
        'session:SESSION_REVOKED',
        'start:CODE_CHALLENGE_INVALID',
        'callback:REPLAYED_ELSEWHERE',
        'start:RETURN_TO_NOT_ALLOWED',
        'start:UNKNOWN_AUTHORIZER',
        'start:BAD_REQUEST',
        'callback:COOKIE_MISSING',
        'callback:COOKIE_MISMATCH',
        'callback:UNKNOWN_STATE',
        'callback:APPID_MISMATCH',
        'callback:CODE_REJECTED',
        'callback:WECHAT_UNAVAILABLE',
        'callback:STATE_EXPIRED',
      ].sort(),
    );
    for (const line of refused) expect(line).toMatchObject({ level: 'WARN', service: 'h5-oauth' });
  });

  it('writes no code, binding cookie, login code, session token or token anywhere in the output', () => {
    const leaked = [...secrets].filter(([value]) => output.text.includes(value)).map(([, kind]) => kind);

    expect(leaked).toEqual([]);
  });

  it('answers no refused request with any of those values in its headers or body', () => {
    const answered = bodies.join('\n');

    const leaked = [...secrets].filter(([value]) => answered.includes(value)).map(([, kind]) => kind);

    expect(bodies.length).toBe(17);
    expect(leaked).toEqual([]);
  });
});
