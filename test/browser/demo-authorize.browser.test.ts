/**
 * The demo page's "Authorize an account" link of `npm start`, driven in headless Chromium: the operator's signed link
 * made by the authorizer worker, the authorization page's PC link, the simulator's consent page (which checks the
 * Referer the browser sends, as WeChat does) and the callback's result page, end to end against the local runtime.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { secretFingerprint } from '../../local/wechat-sim/server';
import { browserSkipReason, useBrowserSuite } from './support/browser-suite';
import { startLocalRuntime } from './support/local-runtime';

/** A simulated official account that can authorize the component but is not one npm start authorizes at startup. */
const NEW_ACCOUNT = 'wx5555555555555555';

interface Counts {
  queryAuth: number;
  pushesAcked: number;
  authorizers: { active: number; revoked: number; needsReauth: number; tokensValid: number };
}

describe.skipIf(browserSkipReason !== null)(
  'the demo page’s "Authorize an account" link (local runtime) in Chromium',
  { timeout: 45_000 },
  () => {
    const suite = useBrowserSuite({
      start: () => startLocalRuntime({ env: { SIM_AUTHORIZATION_ACCOUNTS: NEW_ACCOUNT } }),
      stop: (runtime) => runtime.stop(),
      context: { locale: 'zh-CN' },
    });

    async function newPage() {
      return (await suite.newContext()).newPage();
    }

    async function getJson<T>(url: string): Promise<T> {
      return (await (await fetch(url)).json()) as T;
    }

    async function counts(): Promise<Counts> {
      const [stats, health] = await Promise.all([
        getJson<{ calls: Record<string, number>; pushes: { acked: number } }>(`${suite.system().simUrl}/__sim/stats`),
        getJson<{ authorizers: Counts['authorizers'] }>(`${suite.system().url}/healthz`),
      ]);
      return { queryAuth: stats.calls.api_query_auth ?? 0, pushesAcked: stats.pushes.acked, authorizers: health.authorizers };
    }

    it('authorizes a new account from the demo page through WeChat consent, with one api_query_auth, and /healthz counts it', async () => {
      const r = suite.system();
      const before = await counts();
      const { authorizers } = await getJson<{ authorizers: Array<{ appid: string; nickname: string }> }>(`${r.simUrl}/__sim/authorizers`);
      const nickname = authorizers.find((account) => account.appid === NEW_ACCOUNT)!.nickname;
      const page = await newPage();
      await page.goto(`${r.url}/`);
      const link = (await page.getAttribute('#authorize-link', 'href'))!;

      await page.click('#authorize-link');
      await page.click('#pc-link');
      await page.click(`button[data-authorizer-appid="${NEW_ACCOUNT}"]`);
      await page.waitForURL(`${r.url}/authorize/callback?**`);
      const authCode = new URL(page.url()).searchParams.get('auth_code')!;
      // The push carries the same code; its worker job finds it exchanged. Wait for the push, then give the job (which
      // the worker's SQS poller starts as soon as it is queued) time to run, so a second exchange would be counted.
      while ((await counts()).pushesAcked === before.pushesAcked) await delay(50);
      await delay(500);
      const after = await counts();
      const { codes } = await getJson<{ codes: Record<string, { calls: number; successes: number }> }>(
        `${r.simUrl}/__sim/authorization-codes`,
      );

      expect(new URL(link).pathname).toBe('/authorize');
      expect(new URL(link).searchParams.get('sig')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await page.getAttribute('main', 'data-page')).toBe('authorization-done');
      expect(await page.locator('main').textContent()).toContain(nickname);
      expect(codes[secretFingerprint(authCode)]).toEqual({ calls: 1, successes: 1 });
      expect(after.queryAuth - before.queryAuth).toBe(1);
      expect(before.authorizers).toEqual({ active: 1, revoked: 0, needsReauth: 0, tokensValid: 1 });
      expect(after.authorizers).toEqual({ active: 2, revoked: 0, needsReauth: 0, tokensValid: 2 });
      // What authorizes (the code, the link's signature) never reaches the service's logs.
      expect(r.output()).not.toContain(authCode);
      expect(r.output()).not.toContain(new URL(link).searchParams.get('sig')!);
    });
  },
);
