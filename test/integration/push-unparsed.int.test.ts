/**
 * Once a push's msg_signature and decryption have passed, it came from WeChat: a shape our parser does not take must
 * not turn it into a 400 (WeChat retries, then gives up) or a dropped payload. Such pushes are kept whole, sealed,
 * under UNPARSED#, and acknowledged; authentication failures are still refused.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { eventsPk } from '../../shared/store/table-keys';
import { TABLE_NAME, TEST_SECRETS } from '../support/harness';
import { usePushHarness } from '../support/push-harness';
import { eventXml, newTicket, rejectionsIn, sendPush, signPush, ticketXml, withCapturedOutput } from '../support/push-requests';

describe('push receiver: authentic pushes it cannot interpret', () => {
  const h = usePushHarness();

  const newAuthorizerAppid = () => `wx${randomBytes(8).toString('hex')}`;
  const newCode = () => `queryauthcode@@@${randomBytes(36).toString('base64url')}`;

  async function itemsWithPrefix(prefix: string): Promise<Array<Record<string, unknown>>> {
    const out = await h.dynamo.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': eventsPk(TEST_SECRETS.componentAppid), ':prefix': prefix },
        ConsistentRead: true,
      }),
    );
    return out.Items ?? [];
  }

  async function unparsedItemFor(plaintext: string): Promise<Record<string, unknown> | undefined> {
    for (const item of await itemsWithPrefix('UNPARSED#')) {
      if ((await h.stores.events.openPayload(item)) === plaintext) return item;
    }
    return undefined;
  }

  async function auditSince(sinceMs: number) {
    return (await h.stores.audit.listDay(h.clock.now())).filter((record) => record.receivedAtMs >= sinceMs);
  }

  async function send(xml: string) {
    const { result, output } = await withCapturedOutput(() => sendPush(h.gateway.url, signPush(xml, h.clock.nowSec)));
    return { ...result, output };
  }

  const secretCode = newCode();
  const shapes: Array<[string, () => string, string]> = [
    [
      'a repeated element',
      () =>
        eventXml('authorized', h.clock.nowSec, { AuthorizerAppid: newAuthorizerAppid(), AuthorizationCode: secretCode }).replace(
          '</xml>',
          `<AuthorizationCode>${newCode()}</AuthorizationCode></xml>`,
        ),
      'XML_MALFORMED',
    ],
    [
      'elements nested deeper than three levels',
      () =>
        eventXml('notify_third_fasteregister', h.clock.nowSec, { auth_code: secretCode }).replace(
          '</xml>',
          '<info><a><b><c>deep</c></b></a></info></xml>',
        ),
      'XML_MALFORMED',
    ],
    [
      'XML that is not well-formed',
      () => `<xml><AppId>${TEST_SECRETS.componentAppid}</AppId><InfoType>authorized<AuthorizationCode>${secretCode}</xml>`,
      'XML_MALFORMED',
    ],
    [
      'no InfoType',
      () =>
        `<xml><AppId>${TEST_SECRETS.componentAppid}</AppId><CreateTime>${h.clock.nowSec}</CreateTime><AuthorizationCode>${secretCode}</AuthorizationCode></xml>`,
      'MISSING_FIELD',
    ],
    [
      'no CreateTime',
      () =>
        `<xml><AppId>${TEST_SECRETS.componentAppid}</AppId><InfoType>authorized</InfoType><AuthorizationCode>${secretCode}</AuthorizationCode></xml>`,
      'MISSING_FIELD',
    ],
    [
      'a CreateTime that is not unix seconds',
      () =>
        eventXml('unauthorized', h.clock.nowSec, { AuthorizerAppid: newAuthorizerAppid(), Note: secretCode }).replace(
          /<CreateTime>\d+</,
          '<CreateTime>soon<',
        ),
      'XML_MALFORMED',
    ],
    [
      'a DOCTYPE (never expanded, never parsed)',
      () =>
        `<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>${eventXml('authorized', h.clock.nowSec, { AuthorizationCode: secretCode })}`,
      'XML_FORBIDDEN_DECLARATION',
    ],
  ];

  it.each(shapes)(
    'acknowledges a push with %s and keeps it whole, sealed, flagged unparsed, with a warning, a metric and an audit record',
    async (_label, build, reason) => {
      const xml = build();
      const since = h.clock.now();

      const response = await send(xml);

      expect(response).toMatchObject({ status: 200, body: 'success', acked: true });
      const item = await unparsedItemFor(xml);
      expect(item).toMatchObject({ unparsed: true, reason, receivedAtMs: since, payloadFormat: 'xml' });
      expect(String(item?.sk)).toMatch(/^UNPARSED#[0-9a-f]{32}$/);
      expect(JSON.stringify(item, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v))).not.toContain(
        secretCode,
      );
      expect(response.output.logs('push unparsed')).toEqual([expect.objectContaining({ level: 'WARN', reason, outcome: 'recorded' })]);
      expect(response.output.metricSum('PushesUnparsed')).toBe(1);
      expect(rejectionsIn(response.output)).toEqual([]);
      expect(response.output.text).not.toContain(secretCode);
      expect(await auditSince(since)).toEqual([{ receivedAtMs: since, outcome: 'recorded', unparsedReason: reason }]);
    },
  );

  it('records a redelivered unparsed push once and acknowledges both deliveries', async () => {
    const xml = shapes[0]![1]();
    const request = signPush(xml, h.clock.nowSec);
    const since = h.clock.now();

    const first = await sendPush(h.gateway.url, request);
    h.clock.advance(5_000);
    const second = await sendPush(h.gateway.url, request);

    expect([first.acked, second.acked]).toEqual([true, true]);
    const matching = [];
    for (const item of await itemsWithPrefix('UNPARSED#')) if ((await h.stores.events.openPayload(item)) === xml) matching.push(item);
    expect(matching).toHaveLength(1);
    expect((await auditSince(since)).map((record) => record.outcome)).toEqual(['recorded', 'duplicate']);
  });

  it('keeps a ticket push with a repeated ticket as unparsed without storing either ticket', async () => {
    const before = await h.stores.tickets.load();
    const xml = ticketXml(h.clock.nowSec, newTicket()).replace(
      '</xml>',
      `<ComponentVerifyTicket>${newTicket()}</ComponentVerifyTicket></xml>`,
    );

    const response = await send(xml);

    expect(response.acked).toBe(true);
    expect(await h.stores.tickets.load()).toEqual(before);
    expect(await unparsedItemFor(xml)).toMatchObject({ reason: 'XML_MALFORMED' });
  });

  it('does not let an unparsed push touch an authorizer status', async () => {
    const authorizerAppid = newAuthorizerAppid();
    const xml = eventXml('unauthorized', h.clock.nowSec, { AuthorizerAppid: authorizerAppid }).replace(
      '</xml>',
      `<AuthorizerAppid>${authorizerAppid}</AuthorizerAppid></xml>`,
    );

    const response = await send(xml);

    expect(response.acked).toBe(true);
    expect(await h.stores.authorizers.getStatus(authorizerAppid)).toBeNull();
  });

  it('does not acknowledge an unparsed push it could not store, so WeChat retries', async () => {
    const xml = shapes[0]![1]();
    h.aws.injectFault({ service: 'kms', operation: 'GenerateDataKey', errorType: 'KMSInternalException', count: 10, httpStatus: 500 });

    const response = await send(xml);

    expect(response.status).toBe(500);
    expect(rejectionsIn(response.output)).toEqual([{ reason: 'STORE_FAILED', status: 500, level: 'ERROR' }]);
    h.aws.clearFaults();
    expect(await unparsedItemFor(xml)).toBeUndefined();
  });

  describe('authentication failures are still refused', () => {
    it.each([
      ['a forged msg_signature', 'signature', 401, 'SIGNATURE_MISMATCH'],
      ['a ciphertext for another appid (trailer)', 'appid', 400, 'APPID_MISMATCH'],
      ['corrupted padding', 'ciphertext', 400, 'DECRYPTION_FAILED'],
    ] as const)('refuses an unparseable push with %s and records nothing', async (_label, tamper, status, reason) => {
      const xml = shapes[0]![1]();

      const { result, output } = await withCapturedOutput(() => sendPush(h.gateway.url, signPush(xml, h.clock.nowSec, { tamper })));

      expect(result.status).toBe(status);
      expect(rejectionsIn(output)).toEqual([{ reason, status, level: 'WARN' }]);
      expect(output.metricSum('PushesUnparsed')).toBe(0);
    });

    it('refuses a push it could otherwise only keep as unparsed when its inner AppId names another component: that is a binding check', async () => {
      // Well-formed, so its AppId is readable; without InfoType it would be kept as unparsed (MISSING_FIELD).
      const xml = `<xml><AppId>wxffffffffffffffff</AppId><CreateTime>${h.clock.nowSec}</CreateTime><AuthorizationCode>${secretCode}</AuthorizationCode></xml>`;

      const response = await send(xml);

      expect(xml).toContain('wxffffffffffffffff');
      expect(response.status).toBe(400);
      expect(rejectionsIn(response.output)).toEqual([{ reason: 'APPID_MISMATCH', status: 400, level: 'WARN' }]);
      expect(await unparsedItemFor(xml)).toBeUndefined();
    });
  });
});
