/**
 * The component authorization consent page in headless Chromium: the Referer a real browser sends from an
 * initiation page, the approve form post and the redirect back, against the simulator.
 */
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { authorizationEvents, createPreAuthCode, exchangeCode, loginPageUrl } from '../local/wechat-sim/authorizer-harness';
import { closeTestReceivers, startTestReceiver, xmlField } from '../local/wechat-sim/push-receiver-stub';
import { closeTestSims, fetchComponentToken, startTestSim } from '../local/wechat-sim/sim-harness';
import { chromiumMissingReason, IN_CI, launchChromium } from './support/chromium';

const missingChromium = chromiumMissingReason();
const skipReason = missingChromium !== null && !IN_CI ? missingChromium : null;
if (skipReason) process.stderr.write(`[browser test skipped] ${skipReason}\n`);

describe.skipIf(skipReason !== null)('component authorization consent page in Chromium', { timeout: 45_000 }, () => {
  let browser: Browser | undefined;
  let site: { server: Server; origin: string; consentUrl: string } | undefined;

  beforeAll(async () => {
    if (missingChromium) throw new Error(`CI=true but ${missingChromium}`);
    browser = await launchChromium();
  }, 60_000);

  afterEach(async () => {
    const server = site?.server;
    site = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await closeTestSims();
    await closeTestReceivers();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
  });

  /** The operator's site on 127.0.0.1: /start links to the consent page, /callback is its redirect_uri. */
  async function startSite(consentUrlFor: (callbackUrl: string) => string): Promise<string> {
    let consentUrl = '';
    const server = createServer((req, res) => {
      const html = req.url?.startsWith('/start')
        ? `<a id="authorize" href="${consentUrl.replaceAll('&', '&amp;')}">授权</a>`
        : '<p id="callback">back</p>';
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><body>${html}</body></html>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    consentUrl = consentUrlFor(`${origin}/callback`);
    site = { server, origin, consentUrl };
    return origin;
  }

  it('offers the account to a visitor coming from the initiation page and redirects back with the code the push carries', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    const token = await fetchComponentToken(sim);
    const preAuthCode = await createPreAuthCode(sim, token);
    const origin = await startSite((callback) => loginPageUrl(sim, { pre_auth_code: preAuthCode, redirect_uri: callback, auth_type: '1' }));
    const page = await browser!.newPage();

    await page.goto(`${origin}/start`);
    await page.click('#authorize');
    await page.click(`button[data-authorizer-appid="${TEST_AUTHORIZER_APPID}"]`);
    await page.waitForURL(`${origin}/callback?**`);
    await sim.whenIdle();

    const redirected = new URL(page.url());
    const code = redirected.searchParams.get('auth_code')!;
    expect(redirected.searchParams.get('expires_in')).toBe('3600');
    expect(authorizationEvents(rx).map((xml) => xmlField(xml, 'AuthorizationCode'))).toEqual([code]);
    expect((await exchangeCode(sim, token, code)).authorizer_appid).toBe(TEST_AUTHORIZER_APPID);
    await page.close();
  });

  it('refuses a visitor who typed the consent URL (no Referer) and offers nothing', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const preAuthCode = await createPreAuthCode(sim, token);
    await startSite((callback) => loginPageUrl(sim, { pre_auth_code: preAuthCode, redirect_uri: callback }));
    const page = await browser!.newPage();

    await page.goto(site!.consentUrl);

    expect(await page.getAttribute('main', 'data-error')).toBe('referer_missing');
    expect(await page.locator('button[data-authorizer-appid]').count()).toBe(0);
    await page.close();
  });
});
