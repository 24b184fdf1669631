/**
 * The authorization page in headless Chromium, end to end: an operator's signed link, the page's PC link, the
 * simulator's consent page (which checks the Referer the browser sends, as WeChat does), and the callback's result.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationSystem, startAuthorizationSystem, wechatCalls } from '../integration/authorization-system';
import { chromiumMissingReason, IN_CI, launchChromium } from './support/chromium';

const ACCOUNT = 'wx1111111111111111';

const missingChromium = chromiumMissingReason();
// stderr, not console.warn: vitest's `silent: 'passed-only'` drops console output that belongs to no failed test.
const skipReason = missingChromium !== null && !IN_CI ? missingChromium : null;
if (skipReason) process.stderr.write(`[browser test skipped] ${skipReason}\n`);

describe.skipIf(skipReason !== null)('authorization page in Chromium', { timeout: 45_000 }, () => {
  let system: AuthorizationSystem | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (missingChromium) throw new Error(`CI=true but ${missingChromium}`);
    const results = await Promise.allSettled([
      startAuthorizationSystem({ sim: { authorizationAccounts: [ACCOUNT] } }).then((started) => (system = started)),
      launchChromium().then((launched) => (browser = launched)),
    ]);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }, 60_000);

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await system?.close();
  }, 20_000);

  async function newPage() {
    const context = await browser!.newContext({ locale: 'zh-CN' });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    return context.newPage();
  }

  it('goes from the signed link through WeChat consent to the success page naming the account', async () => {
    const s = system!;
    const link = await s.makeLink({ authType: 1 });
    const nickname = s.sim.authorizers().find((account) => account.appid === ACCOUNT)!.nickname;
    const page = await newPage();

    await page.goto(link);
    await page.click('#pc-link');
    // The simulator offers the account only if the Referer passed its initiation-domain check.
    await page.click(`button[data-authorizer-appid="${ACCOUNT}"]`);
    await page.waitForURL(`${s.callbackUrl}?**`);
    await s.drainJobs();
    await s.sim.whenIdle();

    expect(await page.getAttribute('main', 'data-page')).toBe('authorization-done');
    expect(await page.locator('main').textContent()).toContain(nickname);
    expect(new URL(page.url()).searchParams.get('expires_in')).toBe('3600');
    expect(wechatCalls(s.sim).queryAuth).toBe(1);
    expect(await s.stores.authorizers.get(ACCOUNT)).toMatchObject({ status: 'authorized', profile: { nickname } });
  });

  it('is refused by the consent page when its link is opened without coming from the page (no Referer)', async () => {
    const s = system!;
    const page = await newPage();
    await page.goto(await s.makeLink({ authType: 1 }));
    const pcUrl = await page.getAttribute('#pc-link', 'href');

    await page.goto(pcUrl!);

    expect(await page.getAttribute('main', 'data-error')).toBe('referer_missing');
    expect(await page.locator('button[data-authorizer-appid]').count()).toBe(0);
  });
});
