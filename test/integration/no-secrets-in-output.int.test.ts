import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapturedOutput, enablePowertoolsOutput } from '../support/captured-output';
import { type Harness, startHarness, TEST_SECRETS } from '../support/harness';

/**
 * The canary test: drive every path that handles a secret (good and bad pushes, refreshes that succeed and fail,
 * readers that succeed and fail) with known values, capture everything written to stdout/stderr plus every error
 * and HTTP answer, and prove none of the values appears anywhere.
 */
describe('secrets never reach logs, errors or responses', () => {
  let h: Harness;
  enablePowertoolsOutput();
  const output = new CapturedOutput();
  const secrets = new Set<string>([TEST_SECRETS.appsecret, TEST_SECRETS.token, TEST_SECRETS.encodingAesKey]);
  const seen: string[] = [];
  const keep = (value: unknown) => seen.push(inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? '');

  beforeAll(async () => {
    h = await startHarness();
    secrets.add(Buffer.from(`${TEST_SECRETS.encodingAesKey}=`, 'base64').toString('base64'));
    output.start();
    try {
      for (const tamper of ['signature', 'ciphertext', 'appid'] as const) {
        keep(await h.sim.pushRaw({ xml: '<xml><AppId>x</AppId></xml>', tamper }));
      }
      keep(await h.sim.pushTicketNow());
      secrets.add(h.sim.latestTicket()!.ticket);
      const authorizationCode = 'queryauthcode@@@canary-authorization-code-7f3e';
      secrets.add(authorizationCode);
      keep(
        await h.sim.pushEvent({
          infoType: 'authorized',
          fields: { AuthorizerAppid: 'wxaaaaaaaaaaaaaaaa', AuthorizationCode: authorizationCode },
        }),
      );
      keep(await h.sim.pushEvent({ infoType: 'notify_third_fasteregister', fields: { auth_code: 'canary-fastregister-code-0042' } }));
      secrets.add('canary-fastregister-code-0042');

      h.aws.injectFault({ service: 'kms', operation: 'Encrypt', errorType: 'KMSInternalException', count: 5, httpStatus: 500 });
      h.clock.advance(1000);
      keep(await h.sim.pushTicketNow());
      secrets.add(h.sim.latestTicket()!.ticket);
      h.aws.clearFaults();

      const reader = h.newReader();
      h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: 45009, count: 1 }] });
      keep(await reader.getComponentAccessToken().catch((err: unknown) => err));
      keep(await h.runRefresher({ action: 'refresh', reason: 'operator' }));
      const token = await reader.getComponentAccessToken();
      secrets.add(token);
      h.clock.advance(7200_000 - 800_000);
      h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: -1, count: 3 }] });
      keep(await h.runRefresher());
      h.sim.setFaults({ dropNext: [{ api: 'api_component_token', count: 3 }] });
      keep(await h.runRefresher());
      h.sim.setFaults({ failNext: [{ api: 'api_component_token', httpStatus: 502, count: 3 }] });
      keep(await h.runRefresher());
      h.sim.setFaults({});
      keep(await h.runRefresher());
      const second = await h.newReader().getComponentAccessToken();
      secrets.add(second);
      h.clock.advance(120_000);
      await reader.invalidate(second);
      secrets.add(await reader.getComponentAccessToken());

      h.aws.putSecret(
        'wechat-component',
        JSON.stringify({ appsecret: TEST_SECRETS.appsecret, token: TEST_SECRETS.token, encodingAesKey: 'short' }),
      );
      h.clock.advance(400_000);
      keep(await h.runRefresher({ action: 'refresh', reason: 'operator' }).catch((err: unknown) => err));
    } finally {
      output.stop();
    }
  });
  afterAll(async () => h?.close());

  it('captured something from every part, so the scan below means something', () => {
    const services = new Set(output.logs().map((line) => line.service));

    expect(services).toEqual(new Set(['push-receiver', 'token-refresher']));
    expect(output.logs('push rejected').length).toBeGreaterThanOrEqual(4);
    expect(secrets.size).toBeGreaterThanOrEqual(9);
  });

  it('finds no appsecret, message token, EncodingAESKey, ticket, authorization code or access token in any of it', () => {
    const haystack = [output.text, ...seen].join('\n');

    const leaked = [...secrets].filter((secret) => haystack.includes(secret));

    expect(leaked).toEqual([]);
  });
});
