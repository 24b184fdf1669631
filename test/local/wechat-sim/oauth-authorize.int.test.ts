import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import { authorizeUrl, browse, CONSENT_PATH, queryOf, REDIRECT_URI } from './oauth-harness';
import { CANARY, closeTestSims, startTestSim } from './sim-harness';

afterEach(closeTestSims);

const CODE = '[A-Za-z0-9_-]{32}';

describe('GET /connect/oauth2/authorize with snsapi_base', () => {
  it('redirects silently to redirect_uri with code, state and appid in that order', async () => {
    const sim = await startTestSim();

    const { status, location, body } = await browse(authorizeUrl(sim, { state: 'abc123' }));

    expect(status).toBe(302);
    expect(location).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:8080/oauth/callback\\?code=${CODE}&state=abc123&appid=${TEST_AUTHORIZER_APPID}$`),
    );
    expect(body).toBe('');
  });

  it('appends with & to a redirect_uri that already has a query, leaving that query byte for byte', async () => {
    const sim = await startTestSim();
    const redirectUri = 'http://localhost/cb?next=%2Fhome%3Fa%3D1&x=a+b';

    const { location } = await browse(authorizeUrl(sim, { redirect_uri: redirectUri }));

    expect(location).toMatch(new RegExp(`^http://localhost/cb\\?next=%2Fhome%3Fa%3D1&x=a\\+b&code=${CODE}&state=abc123&appid=wx1{16}$`));
  });

  it('puts the query before a hash route, as WeChat does for single-page apps', async () => {
    const sim = await startTestSim();

    const { location } = await browse(authorizeUrl(sim, { redirect_uri: 'http://localhost:5173/#/login' }));

    expect(location).toMatch(new RegExp(`^http://localhost:5173/\\?code=${CODE}&state=abc123&appid=wx1{16}#/login$`));
  });

  it('echoes an absent state as an empty state and percent-encodes a state with special characters', async () => {
    const sim = await startTestSim();

    const absent = await browse(authorizeUrl(sim, { state: null }));
    const special = await browse(authorizeUrl(sim, { state: 'a b&c=d/中' }));

    expect(absent.location).toContain('&state=&appid=');
    expect(special.location).toContain(`&state=${encodeURIComponent('a b&c=d/中')}&appid=`);
    expect(queryOf(special.location).state).toBe('a b&c=d/中');
  });

  it('accepts a state of exactly 128 bytes', async () => {
    const sim = await startTestSim();
    const state = 'S'.repeat(128);

    const { status, location } = await browse(authorizeUrl(sim, { state }));

    expect(status).toBe(302);
    expect(queryOf(location).state).toBe(state);
  });

  it('consents as the sim_user given and refuses for sim_user=refuse', async () => {
    const sim = await startTestSim();

    const consented = await browse(authorizeUrl(sim, { sim_user: 'han-meimei' }));
    const refused = await browse(authorizeUrl(sim, { sim_user: 'refuse' }));

    expect(queryOf(consented.location).code).toMatch(new RegExp(`^${CODE}$`));
    expect(refused.location).toBe(`${REDIRECT_URI}?state=abc123`);
  });
});

describe('GET /connect/oauth2/authorize with snsapi_userinfo', () => {
  it('answers a consent page listing every simulated user and a refuse link', async () => {
    const sim = await startTestSim();

    const { status, headers, body } = await browse(authorizeUrl(sim, { scope: 'snsapi_userinfo' }));

    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    const users = sim.oauthUsers();
    expect(users.length).toBeGreaterThanOrEqual(3);
    for (const user of users) {
      expect(body).toContain(`data-sim-user="${user.id}"`);
      expect(body).toContain(user.openidFor(TEST_AUTHORIZER_APPID));
    }
    expect(body).toContain('data-sim-action="refuse"');
    expect(body).toContain('拒绝 / Refuse');
  });

  it('links each user to the consent endpoint with the original request and that user', async () => {
    const sim = await startTestSim();

    const { body } = await browse(authorizeUrl(sim, { scope: 'snsapi_userinfo', state: 'xyz' }));

    const link = consentLinkOf(body, 'data-sim-user="li-lei"');
    expect(link.pathname).toBe(CONSENT_PATH);
    expect(Object.fromEntries(link.searchParams)).toEqual({
      appid: TEST_AUTHORIZER_APPID,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'snsapi_userinfo',
      state: 'xyz',
      component_appid: CANARY.componentAppid,
      user: 'li-lei',
    });
  });

  it('redirects with a code when the user consents on the page', async () => {
    const sim = await startTestSim();
    const { body } = await browse(authorizeUrl(sim, { scope: 'snsapi_userinfo' }));

    const link = consentLinkOf(body, 'data-sim-user="wang-fang"');
    const { status, location } = await browse(`${sim.url}${link.pathname}${link.search}`);

    expect(status).toBe(302);
    expect(location).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=${CODE}&state=abc123&appid=${TEST_AUTHORIZER_APPID}$`));
  });

  it('redirects with the state and no code when the user refuses on the page', async () => {
    const sim = await startTestSim();
    const { body } = await browse(authorizeUrl(sim, { scope: 'snsapi_userinfo' }));

    const link = consentLinkOf(body, 'data-sim-action="refuse"');
    const { status, location } = await browse(`${sim.url}${link.pathname}${link.search}`);

    expect(status).toBe(302);
    expect(location).toBe(`${REDIRECT_URI}?state=abc123`);
    expect(queryOf(location)).toEqual({ state: 'abc123' });
  });

  it('escapes what it writes into the page, so markup in a configured appid or the state stays text', async () => {
    const appid = 'wx<i>"1"</i>';
    const sim = await startTestSim({ authorizerAppids: [appid] });
    const state = '"><script>alert(1)</script>';

    const { body } = await browse(authorizeUrl(sim, { appid, scope: 'snsapi_userinfo', state }));

    expect(body).not.toContain('<i>');
    expect(body).not.toContain('<script>');
    expect(body).toContain('wx&#60;i&#62;&#34;1&#34;&#60;/i&#62;');
    const link = consentLinkOf(body, 'data-sim-user="li-lei"');
    expect([link.searchParams.get('appid'), link.searchParams.get('state')]).toEqual([appid, state]);
  });

  it('consents without the page for sim_user', async () => {
    const sim = await startTestSim();

    const { status, location } = await browse(authorizeUrl(sim, { scope: 'snsapi_userinfo', sim_user: 'li-lei' }));

    expect(status).toBe(302);
    expect(queryOf(location).code).toMatch(new RegExp(`^${CODE}$`));
  });
});

describe('rejected authorize requests', () => {
  const cases: Array<{ name: string; overrides: Record<string, string | null>; param: string }> = [
    { name: 'a missing appid', overrides: { appid: null }, param: 'appid' },
    { name: 'an appid that never authorized the component', overrides: { appid: 'wx2222222222222222' }, param: 'appid' },
    { name: 'a missing component_appid', overrides: { component_appid: null }, param: 'component_appid' },
    { name: 'another component_appid', overrides: { component_appid: 'wx0000000000000bad' }, param: 'component_appid' },
    { name: 'a missing redirect_uri', overrides: { redirect_uri: null }, param: 'redirect_uri' },
    { name: 'a redirect_uri on a host not on the list', overrides: { redirect_uri: 'https://evil.example/cb' }, param: 'redirect_uri' },
    {
      name: 'a redirect_uri on a subdomain of an allowed host',
      overrides: { redirect_uri: 'http://a.localhost/cb' },
      param: 'redirect_uri',
    },
    { name: 'a relative redirect_uri', overrides: { redirect_uri: '/oauth/callback' }, param: 'redirect_uri' },
    { name: 'a javascript: redirect_uri', overrides: { redirect_uri: 'javascript:alert(1)//127.0.0.1' }, param: 'redirect_uri' },
    {
      name: 'a redirect_uri with a line break',
      overrides: { redirect_uri: 'http://127.0.0.1/cb\r\nSet-Cookie: a=b' },
      param: 'redirect_uri',
    },
    { name: 'a response_type other than code', overrides: { response_type: 'token' }, param: 'response_type' },
    { name: 'a missing scope', overrides: { scope: null }, param: 'scope' },
    { name: 'an unknown scope', overrides: { scope: 'snsapi_login' }, param: 'scope' },
    { name: 'a state of 129 bytes', overrides: { state: 'S'.repeat(129) }, param: 'state' },
    { name: 'a state of 43 three-byte characters (129 bytes)', overrides: { state: '中'.repeat(43) }, param: 'state' },
    { name: 'an unknown sim_user', overrides: { sim_user: 'nobody' }, param: 'sim_user' },
  ];

  for (const { name, overrides, param } of cases) {
    it(`rejects ${name} with a 400 error page naming ${param}, never a redirect`, async () => {
      const sim = await startTestSim();

      const { status, location, headers, body } = await browse(authorizeUrl(sim, overrides));

      expect(status).toBe(400);
      expect(location).toBeNull();
      expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(headers.get('x-wechat-sim-error')).toBe(param);
      expect(body).toContain('出错了');
    });
  }

  it("shows WeChat's own error number for a redirect_uri host mismatch (10003)", async () => {
    const sim = await startTestSim();

    const { body } = await browse(authorizeUrl(sim, { redirect_uri: 'https://evil.example/cb' }));

    expect(body).toContain('error code: 10003');
    expect(body).not.toContain('evil.example');
  });

  it('accepts only the hosts in oauthRedirectHosts when they are configured', async () => {
    const sim = await startTestSim({ oauthRedirectHosts: ['h5.example.com'] });

    const allowed = await browse(authorizeUrl(sim, { redirect_uri: 'https://H5.example.com/cb' }));
    const local = await browse(authorizeUrl(sim));

    expect(allowed.status).toBe(302);
    expect(local.status).toBe(400);
  });

  it('accepts every appid in authorizerAppids', async () => {
    const sim = await startTestSim({ authorizerAppids: ['wx2222222222222222', 'wx3333333333333333'] });

    const second = await browse(authorizeUrl(sim, { appid: 'wx3333333333333333' }));
    const defaultOne = await browse(authorizeUrl(sim, { appid: TEST_AUTHORIZER_APPID }));

    expect(queryOf(second.location).appid).toBe('wx3333333333333333');
    expect(defaultOne.status).toBe(400);
  });

  it('validates the consent link again, so an edited link cannot skip the checks', async () => {
    const sim = await startTestSim();

    const foreignHost = await browse(authorizeUrl(sim, { redirect_uri: 'https://evil.example/cb', user: 'li-lei' }, CONSENT_PATH));
    const noUser = await browse(authorizeUrl(sim, {}, CONSENT_PATH));

    expect([foreignHost.status, foreignHost.headers.get('x-wechat-sim-error')]).toEqual([400, 'redirect_uri']);
    expect([noUser.status, noUser.headers.get('x-wechat-sim-error')]).toEqual([400, 'user']);
  });
});

/** The href of the consent page link whose tag carries `marker`, unescaped. */
function consentLinkOf(html: string, marker: string): URL {
  const tag = html.match(/<a\b[^>]*>/g)?.find((candidate) => candidate.includes(marker));
  const href = tag === undefined ? undefined : /href="([^"]*)"/.exec(tag)?.[1];
  if (href === undefined) throw new Error(`no link with ${marker}`);
  return new URL(unescapeHtml(href), 'http://sim.invalid');
}

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

describe('H5 authorization options', () => {
  it('throws a start-up TypeError naming authorizerAppids or oauthRedirectHosts when one holds an empty entry', async () => {
    const badAppids = startTestSim({ authorizerAppids: [''] });
    const badHosts = startTestSim({ oauthRedirectHosts: ['localhost', ''] });

    await expect(badAppids).rejects.toThrow(new TypeError('authorizerAppids must be an array of non-empty strings'));
    await expect(badHosts).rejects.toThrow(new TypeError('oauthRedirectHosts must be an array of non-empty strings'));
  });
});
