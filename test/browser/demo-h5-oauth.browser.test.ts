/**
 * The h5-oauth demo page of `npm start`, driven in headless Chromium: the real browser's cookies (the
 * `__Host-wxo_<state>` binding), redirects, sessionStorage and the page's own script, end to end against the
 * local runtime and the WeChat simulator.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FAILURES } from '../../functions/h5-oauth/error-pages';
import { TEST_COMPONENT_APPID } from '../../local/wechat-sim/defaults';
import { CONSENT_PATH } from '../../local/wechat-sim/routes/oauth-pages';
import { DEFAULT_OAUTH_USER_ID, OAuthUserDirectory } from '../../local/wechat-sim/state/oauth-users';
import { browserSkipReason, useBrowserSuite } from './support/browser-suite';
import { startLocalRuntime } from './support/local-runtime';

const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

// Each test is several page loads through two servers; under a full parallel `npm test` one took 7 s.
describe.skipIf(browserSkipReason !== null)('h5-oauth demo page (local runtime) in Chromium', { timeout: 45_000 }, () => {
  const suite = useBrowserSuite({
    start: () => startLocalRuntime(),
    stop: (runtime) => runtime.stop(),
    context: { viewport: { width: 480, height: 720 }, locale: 'zh-CN' },
    navigationTimeoutMs: 15_000,
  });

  /** A new context is another browser: no cookies, no storage. */
  const openBrowser = () => suite.newContext();

  /** Every URL the page asked for, redirect hops included, and every uncaught script error. */
  function watch(page: Page): { urls: string[]; errors: Error[] } {
    const seen = { urls: [] as string[], errors: [] as Error[] };
    page.on('request', (request) => seen.urls.push(request.url()));
    page.on('pageerror', (error) => seen.errors.push(error));
    return seen;
  }

  function expectedUser(id: string): { nickname: string; openid: string } {
    const user = new OAuthUserDirectory(TEST_COMPONENT_APPID).find(id);
    if (!user) throw new Error(`no simulated user ${id}`);
    return { nickname: user.nickname, openid: user.openidFor(suite.system().authorizerAppid) };
  }

  const callbackUrls = (urls: string[]) => urls.filter((url) => url.startsWith(`${suite.system().url}/h5-oauth/callback?`));
  const queryValues = (urls: string[], name: string) =>
    urls.map((url) => new URL(url).searchParams.get(name)).filter((value) => value !== null);

  /** Demo page → "Sign in with WeChat" → the simulator's consent page (its visible text is returned). */
  async function openConsentPage(page: Page): Promise<string> {
    await page.goto(`${suite.system().url}/`);
    await page.getByRole('button', { name: 'Sign in with WeChat' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${suite.system().simUrl}/connect/oauth2/authorize?`));
    return page.locator('body').innerText();
  }

  /** Consents as the user shown as `nickname` and waits until the demo page shows who signed in. */
  async function chooseUser(page: Page, nickname: string): Promise<void> {
    await page.getByRole('link', { name: nickname }).click();
    await page.locator('#openid').waitFor({ state: 'visible' });
  }

  /**
   * Consents as `nickname`, lets the callback reach the service, and stops the browser there, before it follows the
   * redirect to the page: returns the callback URL and the `wx_login` code the page never saw, as an attacker reads it.
   */
  async function consentAndStopAtLanding(page: Page, nickname: string): Promise<{ callbackUrl: string; loginCode: string }> {
    let landed!: (stopped: { callbackUrl: string; loginCode: string }) => void;
    const stopped = new Promise<{ callbackUrl: string; loginCode: string }>((resolve) => (landed = resolve));
    // Playwright routes only the first URL of a redirect chain: the consent link, which WeChat answers with a redirect
    // to our callback. Both hops are fetched here with the context's cookies, and the browser follows neither.
    await page.route(
      (url) => url.href.startsWith(`${suite.system().simUrl}${CONSENT_PATH}?`),
      async (route) => {
        const consented = await route.fetch({ maxRedirects: 0 });
        const callbackUrl = consented.headers().location!;
        const callback = await route.fetch({ url: callbackUrl, maxRedirects: 0 });
        landed({ callbackUrl, loginCode: new URL(callback.headers().location!).searchParams.get('wx_login')! });
        await route.abort();
      },
      { times: 1 },
    );
    await page.getByRole('link', { name: nickname }).click();
    return stopped;
  }

  it('signs in through the consent page and shows the chosen user’s nickname and openid', async () => {
    const user = expectedUser('han-meimei');
    const context = await openBrowser();
    const page = await context.newPage();
    const seen = watch(page);

    const consentText = await openConsentPage(page);
    await chooseUser(page, user.nickname);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOT_DIR}signed-in.png`, fullPage: true });

    expect(consentText).toContain(user.nickname);
    expect(consentText).toContain(user.openid);
    expect(await page.locator('#nickname').textContent()).toBe(user.nickname);
    expect(await page.locator('#openid').textContent()).toBe(`openid: ${user.openid}`);
    expect(await page.locator('#status').textContent()).toBe('Signed in.');
    // The single-use login code is taken out of the address bar once redeemed.
    expect(page.url()).toBe(`${suite.system().url}/`);
    expect(seen.errors).toEqual([]);
    // Chromium keeps a Secure cookie from http://127.0.0.1 (loopback counts as a secure context), so the
    // `__Host-` browser binding works on the local runtime as it does on the deployed HTTPS API.
    const state = new URL(callbackUrls(seen.urls)[0]!).searchParams.get('state');
    expect(await context.cookies(suite.system().url)).toContainEqual(
      expect.objectContaining({
        name: `__Host-wxo_${state}`,
        domain: '127.0.0.1',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      }),
    );
    // What authorizes (WeChat's code, the login code) never reaches the service's logs.
    const secrets = [...queryValues(callbackUrls(seen.urls), 'code'), ...queryValues(seen.urls, 'wx_login')];
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    for (const secret of secrets) expect(suite.system().output()).not.toContain(secret);
  });

  it('shows the refusal and no user when the user refuses on the consent page', async () => {
    const page = await (await openBrowser()).newPage();
    const seen = watch(page);

    await openConsentPage(page);
    await page.getByRole('link', { name: /Refuse/ }).click();
    await page.locator('#status.error').waitFor({ state: 'visible' });

    expect(seen.urls).toContain(`${suite.system().url}/?wx_error=access_denied`);
    expect(await page.locator('#status').textContent()).toBe('You did not allow the sign-in (access_denied).');
    expect(await page.locator('#who').isHidden()).toBe(true);
    expect(await page.locator('#nickname').count()).toBe(0);
    expect(queryValues(seen.urls, 'wx_login')).toEqual([]);
    expect(seen.errors).toEqual([]);
  });

  it('rejects the callback URL replayed in another browser with a bilingual 400 page and a retry link', async () => {
    const user = expectedUser('han-meimei');
    const first = await (await openBrowser()).newPage();
    const seenFirst = watch(first);
    await openConsentPage(first);
    await chooseUser(first, user.nickname);
    const [callbackUrl] = callbackUrls(seenFirst.urls);
    expect(callbackUrl).toMatch(/[?&]code=[^&]+/);
    const other = await (await openBrowser()).newPage();

    const response = await other.goto(callbackUrl!);

    expect(response?.status()).toBe(400);
    const text = await other.locator('body').innerText();
    expect(text).toContain(FAILURES.REPLAYED_ELSEWHERE.zh);
    expect(text).toContain(FAILURES.REPLAYED_ELSEWHERE.en);
    expect(text).toContain('REPLAYED_ELSEWHERE');
    expect(await other.locator('#openid').count()).toBe(0);
    // The retry link leads back to the page, which starts a new sign-in of this browser's own (a fresh PKCE verifier).
    const retry = other.getByRole('link', { name: /Try again/ });
    expect(await retry.getAttribute('href')).toBe(`${suite.system().url}/`);
    await retry.click();
    await other.getByRole('button', { name: 'Sign in with WeChat' }).click();
    await other.waitForURL((url) => url.href.startsWith(`${suite.system().simUrl}/connect/oauth2/authorize?`));
    expect(await other.locator('body').innerText()).toContain(user.openid);
  });

  it('signs the same browser in again, as the same user, when it replays the callback within the replay window', async () => {
    const user = expectedUser('wang-fang');
    const page = await (await openBrowser()).newPage();
    await openConsentPage(page);
    // The first landing never reaches the page (a webview that fires the callback twice abandons the first one), so
    // its login code is never redeemed: being signed in below can only come from the replay.
    const first = await consentAndStopAtLanding(page, user.nickname);
    const seen = watch(page);

    await page.goto(first.callbackUrl);
    await page.locator('#openid').waitFor({ state: 'visible' });

    expect(await page.locator('#openid').textContent()).toBe(`openid: ${user.openid}`);
    expect(await page.locator('#nickname').textContent()).toBe(user.nickname);
    // A new login code, bound to the same PKCE challenge: the verifier this tab kept redeemed it.
    const [replayLoginCode] = queryValues(seen.urls, 'wx_login');
    expect(replayLoginCode).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(replayLoginCode).not.toBe(first.loginCode);
    expect(seen.errors).toEqual([]);
  });

  it('does not sign a victim in with a login code planted by an attacker, and the code is used up', async () => {
    const attackerUser = expectedUser('han-meimei');
    // The attacker signs in with their own WeChat account and stops at the redirect to return_to?wx_login=C.
    const attacker = await (await openBrowser()).newPage();
    await openConsentPage(attacker);
    const { loginCode } = await consentAndStopAtLanding(attacker, attackerUser.nickname);
    const victim = await (await openBrowser()).newPage();
    const seen = watch(victim);

    const [redemption] = await Promise.all([
      victim.waitForResponse(
        (response) => response.url() === `${suite.system().url}/h5-oauth/session` && response.request().method() === 'POST',
      ),
      victim.goto(`${suite.system().url}/?wx_login=${loginCode}`),
    ]);
    await victim.locator('#status.error').waitFor({ state: 'visible' });
    // The attacker's own tab, which holds the verifier, comes too late: the victim's failed attempt used the code up.
    const [attackerRedemption] = await Promise.all([
      attacker.waitForResponse(
        (response) => response.url() === `${suite.system().url}/h5-oauth/session` && response.request().method() === 'POST',
      ),
      attacker.goto(`${suite.system().url}/?wx_login=${loginCode}`),
    ]);

    expect(redemption.status()).toBe(400);
    expect(((await redemption.json()) as { error: string }).error).toBe('CODE_VERIFIER_INVALID');
    expect(await victim.locator('#status').textContent()).toBe(`Sign-in failed: ${FAILURES.CODE_VERIFIER_INVALID.en}`);
    expect(await victim.locator('#openid').count()).toBe(0);
    expect(await victim.evaluate(() => sessionStorage.getItem('wx_session'))).toBeNull();
    expect(attackerRedemption.status()).toBe(400);
    expect(((await attackerRedemption.json()) as { error: string }).error).toBe('LOGIN_CODE_INVALID');
    expect(seen.errors).toEqual([]);
  });

  it('signs out: the service refuses the old session token from then on, and a reload shows no user', async () => {
    const user = expectedUser('han-meimei');
    const page = await (await openBrowser()).newPage();
    await openConsentPage(page);
    await chooseUser(page, user.nickname);
    const token = await page.evaluate(() => sessionStorage.getItem('wx_session'));
    const seen = watch(page);

    const [logout] = await Promise.all([
      page.waitForResponse(
        (response) => response.url() === `${suite.system().url}/h5-oauth/session` && response.request().method() === 'DELETE',
      ),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await page.locator('#status', { hasText: 'Signed out.' }).waitFor();
    const reused = await page.evaluate(
      async (stolen) =>
        (await fetch('/h5-oauth/session', { headers: { authorization: `Bearer ${stolen}` } })).json() as Promise<{ error: string }>,
      token,
    );
    await page.reload();
    await page.locator('#status', { hasText: 'Not signed in.' }).waitFor();

    expect(token).toEqual(expect.any(String));
    expect(logout.status()).toBe(204);
    expect(reused.error).toBe('SESSION_REVOKED');
    expect(await page.locator('#openid').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('wx_session'))).toBeNull();
    expect(seen.errors).toEqual([]);
  });

  // One runtime serves every test, and a silent sign-in keeps a profile stored by an earlier snsapi_userinfo one (by
  // design, shared/store/user-store.ts): the silent user, DEFAULT_OAUTH_USER_ID, is never chosen on a consent page here.
  it('signs in silently with snsapi_base: no consent page, an openid and no nickname', async () => {
    const user = expectedUser(DEFAULT_OAUTH_USER_ID);
    const page = await (await openBrowser()).newPage();
    const seen = watch(page);
    const shown: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) shown.push(frame.url());
    });
    await page.goto(`${suite.system().url}/`);

    await page.getByRole('button', { name: /Silent sign-in/ }).click();
    await page.locator('#openid').waitFor({ state: 'visible' });

    expect(seen.urls.some((url) => url.startsWith(`${suite.system().simUrl}/connect/oauth2/authorize?`))).toBe(true);
    expect(shown.filter((url) => url.startsWith(suite.system().simUrl))).toEqual([]);
    expect(await page.locator('#openid').textContent()).toBe(`openid: ${user.openid}`);
    expect(await page.locator('#nickname').textContent()).toBe('(no profile: silent sign-in)');
    expect(await page.locator('#who img').count()).toBe(0);
    expect(seen.errors).toEqual([]);
  });
});
