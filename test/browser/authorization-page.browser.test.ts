/**
 * The authorization page in headless Chromium, end to end: an operator's signed link, the page's PC link, the
 * simulator's consent page (which checks the Referer the browser sends, as WeChat does), and the callback's result.
 */
import { describe, expect, it } from 'vitest';
import { startAuthorizationSystem, wechatCalls } from '../integration/authorization-system';
import { browserSkipReason, useBrowserSuite } from './support/browser-suite';

const ACCOUNT = 'wx1111111111111111';

describe.skipIf(browserSkipReason !== null)('authorization page in Chromium', { timeout: 45_000 }, () => {
  const suite = useBrowserSuite({
    start: () => startAuthorizationSystem({ sim: { authorizationAccounts: [ACCOUNT] } }),
    stop: (system) => system.close(),
    context: { locale: 'zh-CN' },
  });

  async function newPage() {
    return (await suite.newContext()).newPage();
  }

  it('goes from the signed link through WeChat consent to the success page naming the account', async () => {
    const s = suite.system();
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
    const s = suite.system();
    const page = await newPage();
    await page.goto(await s.makeLink({ authType: 1 }));
    const pcUrl = await page.getAttribute('#pc-link', 'href');

    await page.goto(pcUrl!);

    expect(await page.getAttribute('main', 'data-error')).toBe('referer_missing');
    expect(await page.locator('button[data-authorizer-appid]').count()).toBe(0);
  });
});
