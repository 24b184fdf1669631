import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import {
  authorizationEvents,
  bindComponentUrl,
  CALLBACK_URI,
  consentOf,
  createPreAuthCode,
  exchangeCode,
  loginPageUrl,
  openPage,
  pageError,
  submitConsent,
} from './authorizer-harness';
import { closeTestReceivers, openPush, startTestReceiver, xmlField } from './push-receiver-stub';
import { CANARY, closeTestSims, fakeClock, fetchComponentToken, NOON_BEIJING_MS, startTestSim } from './sim-harness';

afterEach(async () => {
  await closeTestSims();
  await closeTestReceivers();
});

const ACCOUNT = TEST_AUTHORIZER_APPID;

/** A simulator with one never-authorized official account and one authorized mini program, and a pre_auth_code. */
async function consentSetup(overrides: Parameters<typeof startTestSim>[0] = {}) {
  const sim = await startTestSim(overrides);
  const token = await fetchComponentToken(sim);
  const [miniProgram] = sim.addAuthorizedAccounts(1, { kind: 'mini_program' });
  const preAuthCode = await createPreAuthCode(sim, token);
  return { sim, token, miniProgram: miniProgram!, preAuthCode };
}

describe('GET /cgi-bin/componentloginpage and /wxaopen/safe/bindcomponent', () => {
  it('offers official accounts for auth_type 1, mini programs for 2, both for 3, and the one biz_appid names', async () => {
    const { sim, miniProgram, preAuthCode } = await consentSetup();

    const offered = [];
    const queries: Array<Record<string, string>> = [
      { auth_type: '1' },
      { auth_type: '2' },
      { auth_type: '3' },
      { auth_type: '3', biz_appid: miniProgram },
    ];
    for (const params of queries) {
      const { status, body } = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode, ...params }));
      expect(status).toBe(200);
      offered.push(consentOf(body).appids);
    }

    expect(offered).toEqual([[ACCOUNT], [miniProgram], [ACCOUNT, miniProgram], [miniProgram]]);
  });

  it('serves the in-WeChat page with the same checks and the same consent', async () => {
    const { sim, preAuthCode } = await consentSetup();

    const page = await openPage(bindComponentUrl(sim, { pre_auth_code: preAuthCode, auth_type: '1' }));
    const noAction = await openPage(bindComponentUrl(sim, { pre_auth_code: preAuthCode, action: null }));
    const noReferer = await openPage(bindComponentUrl(sim, { pre_auth_code: preAuthCode }), null);

    expect(consentOf(page.body).appids).toEqual([ACCOUNT]);
    expect(pageError(noAction.body)).toBe('action');
    expect(pageError(noReferer.body)).toBe('referer_missing');
  });

  it('ignores ports when comparing the Referer, redirect_uri and the initiation domains', async () => {
    const { sim, preAuthCode } = await consentSetup();

    const { body } = await openPage(
      loginPageUrl(sim, { pre_auth_code: preAuthCode, redirect_uri: 'http://LOCALHOST:9999/cb' }),
      'http://localhost:5173/start',
    );

    expect(pageError(body)).toBeNull();
    expect(consentOf(body).appids.length).toBe(2);
  });

  it('answers each bad request with an HTTP 200 bilingual error page naming the problem', async () => {
    const clock = fakeClock();
    const { sim, token, miniProgram, preAuthCode } = await consentSetup({ now: clock.now });
    const cases: Array<{ params: Record<string, string | null>; referer?: string | null; error: string }> = [
      { params: { component_appid: null }, error: 'component_appid' },
      { params: { component_appid: 'wx0000000000000bad' }, error: 'component_appid' },
      { params: { pre_auth_code: null }, error: 'pre_auth_code_invalid' },
      { params: { pre_auth_code: 'preauthcode@@@forged' }, error: 'pre_auth_code_invalid' },
      { params: { auth_type: null }, error: 'auth_type' },
      { params: { auth_type: '4' }, error: 'auth_type' },
      { params: { auth_type: '1.0' }, error: 'auth_type' },
      { params: { redirect_uri: null }, error: 'redirect_uri' },
      { params: { redirect_uri: 'javascript:alert(1)' }, error: 'redirect_uri' },
      { params: {}, referer: null, error: 'referer_missing' },
      { params: {}, referer: 'not a url', error: 'referer_missing' },
      { params: {}, referer: 'http://localhost:8080/start', error: 'referer_mismatch' },
      { params: { redirect_uri: 'https://evil.example/cb' }, referer: 'https://evil.example/start', error: 'domain_not_registered' },
      { params: { biz_appid: 'wx9999999999999999' }, error: 'biz_appid' },
      { params: { auth_type: '1', biz_appid: miniProgram }, error: 'biz_appid' },
    ];

    for (const { params, referer, error } of cases) {
      const { status, body, headers } = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode, ...params }), referer);

      expect({ error, status, marker: pageError(body), header: headers.get('x-wechat-sim-error') }).toEqual({
        error,
        status: 200,
        marker: error,
        header: error,
      });
      expect(body).toMatch(/<p lang="en">/);
      expect(body).not.toContain(preAuthCode);
    }
    const expiring = await createPreAuthCode(sim, token);
    clock.advanceSec(1800);
    const expired = await openPage(loginPageUrl(sim, { pre_auth_code: expiring }));
    expect(pageError(expired.body)).toBe('pre_auth_code_expired');
  });

  it("says where the visitor came from in WeChat's words when the Referer is missing", async () => {
    const { sim, preAuthCode } = await consentSetup();

    const { body } = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }), null);

    expect(body).toContain('授权入口页所在域名：空');
  });

  it('checks redirect_uri against the authorizationDomains option', async () => {
    const { sim, preAuthCode } = await consentSetup({ authorizationDomains: ['auth.example.com'] });

    const local = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }));
    const registered = await openPage(
      loginPageUrl(sim, { pre_auth_code: preAuthCode, redirect_uri: 'https://auth.example.com/cb' }),
      'https://auth.example.com/start',
    );

    expect(pageError(local.body)).toBe('domain_not_registered');
    expect(pageError(registered.body)).toBeNull();
  });
});

describe('approving the consent', () => {
  it('redirects to redirect_uri with auth_code and expires_in, keeping its own query, and the code exchanges', async () => {
    const { sim, token, preAuthCode } = await consentSetup();
    const { body } = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode, auth_type: '1' }));

    const approved = await submitConsent(sim, 'approve', { consent_id: consentOf(body).consentId, authorizer_appid: ACCOUNT });

    expect(approved.status).toBe(302);
    const location = new URL(approved.location!);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:8080/authorized');
    expect([...location.searchParams.keys()]).toEqual(['keep', 'auth_code', 'expires_in']);
    expect(location.searchParams.get('expires_in')).toBe('3600');
    const info = await exchangeCode(sim, token, location.searchParams.get('auth_code')!);
    expect(info.authorizer_appid).toBe(ACCOUNT);
  });

  it("pushes authorized to pushUrl with exactly the redirect's code, its expiry and the pre_auth_code", async () => {
    const rx = await startTestReceiver();
    const { sim, preAuthCode } = await consentSetup({ pushUrl: rx.url, now: fakeClock().now });
    const { body } = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }));

    const approved = await submitConsent(sim, 'approve', { consent_id: consentOf(body).consentId, authorizer_appid: ACCOUNT });
    await sim.whenIdle();

    const code = new URL(approved.location!).searchParams.get('auth_code')!;
    const createTime = NOON_BEIJING_MS / 1000;
    const events = authorizationEvents(rx);
    expect(rx.pushes.map((push) => openPush(push).msgSignatureMatches)).toEqual([true, true]);
    expect(events).toHaveLength(1);
    expect(events[0]).toBe(
      `<xml><AppId><![CDATA[${CANARY.componentAppid}]]></AppId><CreateTime>${createTime}</CreateTime>` +
        `<InfoType><![CDATA[authorized]]></InfoType><AuthorizerAppid><![CDATA[${ACCOUNT}]]></AuthorizerAppid>` +
        `<AuthorizationCode><![CDATA[${code}]]></AuthorizationCode><AuthorizationCodeExpiredTime>${createTime + 3600}</AuthorizationCodeExpiredTime>` +
        `<PreAuthCode><![CDATA[${preAuthCode}]]></PreAuthCode></xml>`,
    );
  });

  it('pushes updateauthorized when an authorized account approves again', async () => {
    const rx = await startTestReceiver();
    const { sim, miniProgram, preAuthCode } = await consentSetup({ pushUrl: rx.url });
    const { body } = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode, auth_type: '2' }));

    await submitConsent(sim, 'approve', { consent_id: consentOf(body).consentId, authorizer_appid: miniProgram });
    await sim.whenIdle();

    expect(authorizationEvents(rx).map((xml) => xmlField(xml, 'InfoType'))).toEqual(['updateauthorized']);
    expect(sim.authorizerSnapshot(miniProgram)?.queryAuthDone).toBe(false);
  });

  it('spends the pre_auth_code: the page cannot be opened or approved with it again', async () => {
    const { sim, preAuthCode } = await consentSetup();
    const first = consentOf((await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }))).body);
    const second = consentOf((await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }))).body);

    await submitConsent(sim, 'approve', { consent_id: first.consentId, authorizer_appid: ACCOUNT });
    const reopened = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }));
    const otherTab = await submitConsent(sim, 'approve', { consent_id: second.consentId, authorizer_appid: ACCOUNT });

    expect(pageError(reopened.body)).toBe('pre_auth_code_used');
    expect([otherTab.status, pageError(otherTab.body)]).toEqual([200, 'pre_auth_code_used']);
  });

  it('answers each consent once: approving twice, or after cancelling, shows consent_invalid', async () => {
    const rx = await startTestReceiver();
    const { sim, preAuthCode, token } = await consentSetup({ pushUrl: rx.url });
    const approvedPage = consentOf((await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }))).body);
    const cancelledPage = consentOf((await openPage(loginPageUrl(sim, { pre_auth_code: await createPreAuthCode(sim, token) }))).body);

    await submitConsent(sim, 'approve', { consent_id: approvedPage.consentId, authorizer_appid: ACCOUNT });
    const twice = await submitConsent(sim, 'approve', { consent_id: approvedPage.consentId, authorizer_appid: ACCOUNT });
    const cancelled = await submitConsent(sim, 'cancel', { consent_id: cancelledPage.consentId });
    const afterCancel = await submitConsent(sim, 'approve', { consent_id: cancelledPage.consentId, authorizer_appid: ACCOUNT });
    const forged = await submitConsent(sim, 'approve', { consent_id: 'forged', authorizer_appid: ACCOUNT });
    await sim.whenIdle();

    expect(pageError(twice.body)).toBe('consent_invalid');
    expect([cancelled.status, cancelled.location]).toEqual([200, null]);
    expect(cancelled.body).toContain('data-consent="cancelled"');
    expect(pageError(afterCancel.body)).toBe('consent_invalid');
    expect(pageError(forged.body)).toBe('consent_invalid');
    expect(authorizationEvents(rx)).toHaveLength(1);
  });

  it('refuses an account the consent did not offer and authorizes nothing', async () => {
    const { sim, miniProgram, preAuthCode } = await consentSetup();
    const { consentId } = consentOf((await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode, auth_type: '1' }))).body);

    const refused = await submitConsent(sim, 'approve', { consent_id: consentId, authorizer_appid: miniProgram });

    expect([refused.status, pageError(refused.body)]).toEqual([200, 'account']);
    expect(sim.authorizerSnapshot(miniProgram)?.queryAuthDone).toBe(true);
    expect(sim.authorizerSnapshot(ACCOUNT)?.state).toBe('never');
  });

  it('expires a consent page with its pre_auth_code', async () => {
    const clock = fakeClock();
    const { sim, preAuthCode } = await consentSetup({ now: clock.now });
    const { consentId } = consentOf((await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }))).body);

    clock.advanceSec(1800);
    const late = await submitConsent(sim, 'approve', { consent_id: consentId, authorizer_appid: ACCOUNT });

    expect(pageError(late.body)).toBe('consent_invalid');
    expect(sim.authorizerSnapshot(ACCOUNT)?.state).toBe('never');
  });

  it('redirects from the in-WeChat page too', async () => {
    const { sim, preAuthCode } = await consentSetup();
    const { consentId } = consentOf((await openPage(bindComponentUrl(sim, { pre_auth_code: preAuthCode }))).body);

    const approved = await submitConsent(sim, 'approve', { consent_id: consentId, authorizer_appid: ACCOUNT });

    expect(approved.location).toMatch(
      new RegExp(`^${CALLBACK_URI.replace(/[?.]/g, '\\$&')}&auth_code=queryauthcode%40%40%40[A-Za-z0-9_-]+&expires_in=3600$`),
    );
  });
});
