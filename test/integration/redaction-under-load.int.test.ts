import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { secretRegistry } from '../../shared/log/redaction';
import type { UserStore } from '../../shared/store/user-store';
import { CapturedOutput, enablePowertoolsOutput } from '../support/captured-output';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, startHarness, TEST_SECRETS, TEST_SESSION_SIGNING_KEY } from '../support/harness';
import { callbackUrl, redeem, start } from './h5-oauth-flows';

const SIGN_INS = 1_000;
const CONCURRENCY = 16;

/**
 * The canary under load: the redaction registry is a safety net under "never log a secret", and it must not fade
 * as a container serves sign-ins. After 1,000 sign-ins through the real flow, a careless log line inside a sign-in
 * must still have the component token, the session-signing key, the appsecret and that user's own tokens masked,
 * and the registry must hold a bounded number of values.
 */
describe(`the log-redaction safety net after ${SIGN_INS.toLocaleString('en')} sign-ins`, () => {
  let h: Harness;
  enablePowertoolsOutput();
  const output = new CapturedOutput();
  let componentAccessToken: string;
  let newestTokens: { accessToken: string; refreshToken: string } | undefined;
  let newestLoginCode: string;

  /** start → WeChat code → callback → POST /h5-oauth/session, as a page does; the code comes from the simulator directly. */
  async function signInOnce(userId: string): Promise<string> {
    const browser = new TestBrowser();
    const started = await start(h, browser);
    const code = h.sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId, scope: 'snsapi_base' });
    const landed = await browser.get(callbackUrl(h.gateway.url, { code, state: started.state, appid: TEST_AUTHORIZER_APPID }));
    const loginCode = new URL(landed.headers.get('location')!).searchParams.get('wx_login')!;
    const redeemed = await redeem(h, { loginCode, codeVerifier: started.codeVerifier });
    if (redeemed.status !== 200) throw new Error(`sign-in failed: POST /h5-oauth/session answered ${redeemed.status}`);
    return loginCode;
  }

  beforeAll(async () => {
    h = await startHarness();
    output.start();
    try {
      await h.sim.pushTicketNow();
      componentAccessToken = await h.h5OAuthDeps.tokenReader.getComponentAccessToken();
      const users = h.sim.oauthUsers();
      let started = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (started < SIGN_INS) await signInOnce(users[started++ % users.length]!.id);
        }),
      );
      // One more sign-in whose user store writes a careless log line, inside the invocation, after sealing the tokens.
      const { users: store, logger } = h.h5OAuthDeps;
      const careless: UserStore = {
        ...store,
        upsert: async (user) => {
          const stored = await store.upsert(user);
          newestTokens = { accessToken: user.tokens.accessToken, refreshToken: user.tokens.refreshToken };
          logger.info('careless log line', {
            ...newestTokens,
            componentAccessToken,
            sessionKey: TEST_SESSION_SIGNING_KEY,
            appsecret: TEST_SECRETS.appsecret,
          });
          return stored;
        },
      };
      h.h5OAuthDeps.users = careless;
      newestLoginCode = await signInOnce(users[0]!.id);
      h.h5OAuthDeps.users = store;
      // And one outside any invocation: long-lived secrets are masked wherever they appear.
      logger.info('careless log line outside an invocation', {
        componentAccessToken,
        sessionKey: TEST_SESSION_SIGNING_KEY,
        appsecret: TEST_SECRETS.appsecret,
      });
    } finally {
      output.stop();
    }
  }, 120_000); // 1,000 sign-ins through the real flow: 25 to 50 s here, depending on the load
  afterAll(async () => h?.close());

  it(`completed ${SIGN_INS + 1} sign-ins and wrote both careless lines`, () => {
    expect(output.logs('h5-oauth completed')).toHaveLength(SIGN_INS + 1);
    expect(output.logs('careless log line')).toHaveLength(1);
    expect(output.logs('careless log line outside an invocation')).toHaveLength(1);
  });

  it("masks the component token, the session key, the appsecret and the newest user's own tokens in the sign-in's line", () => {
    const [line] = output.logs('careless log line');

    expect(line).toMatchObject({
      accessToken: '[REDACTED]',
      refreshToken: '[REDACTED]',
      componentAccessToken: '[REDACTED]',
      sessionKey: '[REDACTED]',
      appsecret: '[REDACTED]',
    });
  });

  it('masks the long-lived secrets outside any invocation too', () => {
    const [line] = output.logs('careless log line outside an invocation');

    expect(line).toMatchObject({ componentAccessToken: '[REDACTED]', sessionKey: '[REDACTED]', appsecret: '[REDACTED]' });
  });

  it('wrote none of those values, nor the newest login code, anywhere', () => {
    const values = [
      componentAccessToken,
      TEST_SESSION_SIGNING_KEY,
      TEST_SECRETS.appsecret,
      newestTokens!.accessToken,
      newestTokens!.refreshToken,
      newestLoginCode,
    ];

    expect(values.filter((value) => output.text.includes(value))).toEqual([]);
  });

  it('holds a bounded number of values: a few pinned secrets, no open invocation, a bounded fallback', () => {
    const size = secretRegistry.size();

    expect(size.openScopes).toBe(0);
    expect(size.pinned).toBeLessThanOrEqual(12);
    expect(size.fallback).toBeLessThanOrEqual(512);
  });
});
