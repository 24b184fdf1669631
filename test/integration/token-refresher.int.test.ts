import { DecryptCommand } from '@aws-sdk/client-kms';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createLambdaContext } from '../../local/aws/lambda-context';
import { SK, tokenPk } from '../../shared/store/table-keys';
import { CapturedOutput, enablePowertoolsOutput } from '../support/captured-output';
import { type Harness, startHarness, TABLE_NAME, TEST_SECRETS } from '../support/harness';

const MINUTE = 60_000;
const lambdaContext = (h: Harness) =>
  createLambdaContext({ functionName: 'token-refresher', invokedFunctionArn: h.refresherArn, timeoutMs: 60_000, now: h.clock.now });
const calls = (h: Harness, api = 'api_component_token') => h.sim.stats().calls[api] ?? 0;

describe('token refresher', () => {
  let h: Harness;
  enablePowertoolsOutput();
  const output = new CapturedOutput();

  beforeEach(async () => {
    h = await startHarness();
    output.clear();
    output.start();
  });
  afterEach(async () => {
    output.stop();
    await h.close();
  });

  it('fetches a token when none is stored and stores it only in KMS-encrypted form', async () => {
    await h.sim.pushTicketNow();

    const outcome = await h.runRefresher();

    expect(outcome).toMatchObject({ status: 'refreshed', version: 1, expiresAtMs: h.clock.now() + 7200_000 });
    const item = (
      await h.dynamo.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: tokenPk(TEST_SECRETS.componentAppid), sk: SK.token } }))
    ).Item!;
    const token = await h.newReader().getComponentAccessToken();
    expect(JSON.stringify(item)).not.toContain(token);
    expect(Buffer.from(item.tokenCiphertext as Uint8Array).toString('latin1')).not.toContain(token);
    await expect(
      h.kms.send(
        new DecryptCommand({
          CiphertextBlob: item.tokenCiphertext as Uint8Array,
          EncryptionContext: { componentAppid: TEST_SECRETS.componentAppid, purpose: 'component_verify_ticket' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('does not call WeChat while the stored token has more than the margin left', async () => {
    await h.sim.pushTicketNow();
    await h.runRefresher();

    h.clock.advance(7200_000 - 900_000 - 1000);
    const outcome = await h.runRefresher();

    expect(outcome.status).toBe('fresh');
    expect(calls(h)).toBe(1);
  });

  it('refreshes once the stored token expires within the margin', async () => {
    await h.sim.pushTicketNow();
    await h.runRefresher();

    h.clock.advance(7200_000 - 900_000);
    const outcome = await h.runRefresher();

    expect(outcome).toMatchObject({ status: 'refreshed', version: 2 });
    expect(calls(h)).toBe(2);
  });

  it('makes exactly one api_component_token call for 50 concurrent refreshes', async () => {
    await h.sim.pushTicketNow();
    h.sim.setFaults({ latencyMs: 150 });

    const outcomes = await Promise.all(Array.from({ length: 50 }, () => h.runRefresher({ action: 'refresh', reason: 'reader-miss' })));

    expect(calls(h)).toBe(1);
    expect(outcomes.filter((o) => o.status === 'refreshed')).toHaveLength(1);
    expect(outcomes.every((o) => ['refreshed', 'busy', 'fresh'].includes(o.status))).toBe(true);
  });

  it('lets the next refresher in once a crashed holder’s lease expires', async () => {
    await h.sim.pushTicketNow();
    await h.stores.leases.acquire(); // the holder "crashes": it never releases

    const whileHeld = await h.runRefresher();
    h.clock.advance(60_000);
    const afterExpiry = await h.runRefresher();

    expect(whileHeld.status).toBe('busy');
    expect(afterExpiry.status).toBe('refreshed');
    expect(calls(h)).toBe(1);
  });

  it('never lets a slow refresher overwrite the newer token written after its lease expired', async () => {
    await h.sim.pushTicketNow();
    let reachedWechat!: () => void;
    const atWechat = new Promise<void>((resolve) => (reachedWechat = resolve));
    let releaseSlow!: () => void;
    const gate = new Promise<void>((resolve) => (releaseSlow = resolve));
    const slowApi = {
      ...h.refresherDeps.api,
      getComponentAccessToken: async (input: Parameters<typeof h.refresherDeps.api.getComponentAccessToken>[0]) => {
        reachedWechat();
        await gate;
        return h.refresherDeps.api.getComponentAccessToken(input);
      },
    };
    const slowRefresher = makeTokenRefresherHandler({ ...h.refresherDeps, api: slowApi });

    const slow = slowRefresher({ action: 'refresh', reason: 'schedule' }, lambdaContext(h));
    await atWechat; // slow holds the lease and is waiting on WeChat
    h.clock.advance(61_000); // ... long enough for its lease to expire
    const fast = await h.runRefresher();
    releaseSlow();
    const slowOutcome = await slow;

    expect(fast).toMatchObject({ status: 'refreshed', version: 1 });
    expect(slowOutcome.status).toBe('superseded');
    const stored = await h.stores.tokens.loadSealed();
    expect(stored?.meta.version).toBe(1);
    expect(calls(h)).toBe(2);
  });

  it('asks WeChat to push a ticket when none is stored, at most once per 10 minutes, and reports it', async () => {
    h.sim.setFaults({ pushes: { drop: 10 } });

    const first = await h.runRefresher();
    const second = await h.runRefresher();
    h.clock.advance(10 * MINUTE);
    const third = await h.runRefresher();

    expect(first).toEqual({ status: 'no-ticket', startPushTicket: 'called' });
    expect(second).toEqual({ status: 'no-ticket', startPushTicket: 'throttled' });
    expect(third).toEqual({ status: 'no-ticket', startPushTicket: 'called' });
    expect(calls(h, 'api_start_push_ticket')).toBe(2);
    expect(calls(h)).toBe(0);
    expect(output.metricSum('StartPushTicketCalls')).toBe(2);
    expect(output.logs().some((l) => String(l.message).includes('api_start_push_ticket') && l.level === 'WARN')).toBe(true);
  });

  it('gets a token once the pushed ticket arrives after start_push_ticket', async () => {
    const first = await h.runRefresher();
    await h.sim.whenIdle();
    const second = await h.runRefresher();

    expect(first.status).toBe('no-ticket');
    expect(second.status).toBe('refreshed');
  });

  it('treats a ticket older than 12 hours as no ticket', async () => {
    await h.sim.pushTicketNow();
    h.sim.setFaults({ pushes: { drop: 10 } });
    h.clock.advance(12 * 3600_000);

    const outcome = await h.runRefresher();

    expect(outcome).toEqual({ status: 'no-ticket', startPushTicket: 'called' });
    expect(calls(h)).toBe(0);
  });

  it('retries errcode -1 with backoff and then succeeds', async () => {
    await h.sim.pushTicketNow();
    h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: -1, count: 2 }] });

    const outcome = await h.runRefresher();

    expect(outcome.status).toBe('refreshed');
    expect(calls(h)).toBe(3);
  });

  it.each([
    [45009, 'WechatQuotaExhausted', 30],
    [61004, 'WechatConfigErrors', 10],
    [40125, 'WechatConfigErrors', 10],
    [61011, 'WechatConfigErrors', 10],
  ])(
    'does not loop on errcode %i: one call, a metric, a log line, then nothing until the backoff ends',
    async (errcode, metric, backoffMin) => {
      await h.sim.pushTicketNow();
      h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode, count: 1 }] });

      const first = await h.runRefresher();
      const repeats = await Promise.all(Array.from({ length: 20 }, () => h.runRefresher({ action: 'refresh', reason: 'reader-miss' })));
      h.clock.advance(backoffMin * MINUTE - 1000);
      const stillBackingOff = await h.runRefresher();
      h.clock.advance(1000);
      const afterBackoff = await h.runRefresher();

      expect(first).toMatchObject({ status: 'failed', errcode });
      expect(repeats.every((o) => o.status === 'backoff' || o.status === 'busy')).toBe(true);
      expect(stillBackingOff.status).toBe('backoff');
      expect(afterBackoff.status).toBe('refreshed');
      expect(calls(h)).toBe(2);
      expect(output.metricSum(metric)).toBe(1);
      const line = output.logs('component_access_token refresh refused; not retrying until the backoff ends')[0];
      expect(line).toMatchObject({ level: 'ERROR', errcode });
      expect(String(line?.operatorAction)).not.toBe('');
    },
  );

  it('lets an operator request through a backoff once the configuration is fixed', async () => {
    await h.sim.pushTicketNow();
    h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: 61004, count: 1 }] });
    await h.runRefresher();

    const outcome = await h.runRefresher({ action: 'refresh', reason: 'operator' });

    expect(outcome.status).toBe('refreshed');
  });

  it('asks for a new ticket when WeChat refuses the stored one, and uses the newer ticket as soon as it arrives', async () => {
    await h.sim.pushTicketNow();
    h.clock.advance(1000);
    h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: 61006, count: 1 }], pushes: { drop: 1 } });

    const refused = await h.runRefresher();
    await h.sim.whenIdle(); // the push start_push_ticket asked for is lost on the way
    const withRefusedTicket = await h.runRefresher();
    await h.sim.pushTicketNow();
    const withNewTicket = await h.runRefresher();

    expect(refused).toEqual({ status: 'no-ticket', startPushTicket: 'called' });
    expect(calls(h, 'api_start_push_ticket')).toBe(1);
    expect(withRefusedTicket.status).toBe('backoff');
    expect(withNewTicket.status).toBe('refreshed');
    expect(calls(h)).toBe(2);
  });

  it('reports a wrong appsecret from Secrets Manager as a configuration error', async () => {
    await h.sim.pushTicketNow();
    h.aws.putSecret(
      'wechat-component',
      JSON.stringify({ appsecret: 'not-the-right-secret', token: TEST_SECRETS.token, encodingAesKey: TEST_SECRETS.encodingAesKey }),
    );
    h.clock.advance(301_000); // past the secrets cache

    const outcome = await h.runRefresher();

    expect(outcome).toMatchObject({ status: 'failed', errcode: 40125 });
  });

  it('rejects an event that is neither a refresh request nor a scheduled event', async () => {
    await expect(h.runRefresher({ action: 'delete-everything' })).rejects.toThrow(/invalid refresh request/);
    expect(calls(h)).toBe(0);
  });

  it('accepts an EventBridge Scheduled Event as a scheduled run', async () => {
    await h.sim.pushTicketNow();

    const outcome = await h.runRefresher({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });

    expect(outcome.status).toBe('refreshed');
  });

  it('emits the gauges the alarms watch: token remaining lifetime and ticket age', async () => {
    await h.sim.pushTicketNow();
    h.clock.advance(120_000);

    await h.runRefresher();

    expect(output.metricSum('TokenRemainingSeconds')).toBe(7200);
    expect(output.metricSum('TicketAgeSeconds')).toBe(120);
  });
});
