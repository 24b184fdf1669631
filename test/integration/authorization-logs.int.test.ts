import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapturedOutput } from '../support/captured-output';
import { TEST_SECRETS } from '../support/harness';
import { type AuthorizationSystem, LINK_SECRET, startAuthorizationSystem } from './authorization-system';

/**
 * Drives the authorization page and its callback, good and bad, while capturing stdout and stderr, then proves that
 * refusals are logged with their reason and that no pre_auth_code, authorization code, link signature or secret was
 * written.
 */
describe('authorization page logs', () => {
  let s: AuthorizationSystem;
  const output = new CapturedOutput();
  const secrets = new Map<string, string>();
  const keep = (kind: string, value: string | null | undefined) => {
    if (value) secrets.set(value, kind);
  };

  beforeAll(async () => {
    // Captured from the start: the system's own start-up (a ticket push, a component token refresh) logs too.
    output.start();
    try {
      s = await startAuthorizationSystem({ logs: true });
      const link = await s.makeLink({ authType: 1 });
      keep('link signature', new URL(link).searchParams.get('sig'));
      const page = await (await fetch(link)).text();
      keep(
        'pre_auth_code',
        new URL(/id="pc-link"[^>]*href="([^"]+)"/.exec(page)![1]!.replaceAll('&amp;', '&')).searchParams.get('pre_auth_code'),
      );

      const { authorizationCode } = await s.sim.authorize({ authorizerAppid: 'wx1111111111111111', redirect: false });
      keep('authorization code', authorizationCode);
      await (await fetch(`${s.callbackUrl}?auth_code=${encodeURIComponent(authorizationCode)}&expires_in=3600`)).text();
      await s.drainJobs();

      const unknown = 'unknown-code-for-the-log-test-5b1f';
      keep('unknown authorization code', unknown);
      await (await fetch(`${s.callbackUrl}?auth_code=${unknown}`)).text();
      await (await fetch(`${s.callbackUrl}?auth_code=${encodeURIComponent('bad code')}`)).text();
      const tampered = new URL(link);
      tampered.searchParams.set('auth_type', '3');
      await (await fetch(tampered)).text();
    } finally {
      output.stop();
    }
  });
  afterAll(async () => s?.close());

  it('logs the refusals with their reason', () => {
    const reasons = output.logs('authorization page request refused').map((line) => `${String(line.route)}:${String(line.reason)}`);

    expect(reasons).toEqual(expect.arrayContaining(['callback:CODE_REFUSED', 'callback:CODE_MALFORMED', 'page:LINK_SIGNATURE_INVALID']));
    expect(output.logs('authorization page opened; pre-auth code created')).toHaveLength(1);
  });

  it('writes no pre_auth_code, authorization code, link signature or secret', () => {
    keep('link secret', LINK_SECRET);
    keep('appsecret', TEST_SECRETS.appsecret);

    expect(secrets.size).toBe(6);
    for (const [value, kind] of secrets) expect(output.text.includes(value), kind).toBe(false);
  });
});
