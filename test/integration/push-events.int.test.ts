/**
 * Authorization events and the push audit trail, end to end (docs/wechat-protocol.md §1): events are recorded
 * once, sealed because they carry authorization codes; codes go to the worker, and the authorizer's status only
 * ever moves forward.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/crypto/digests';
import { eventsPk } from '../../shared/store/table-keys';
import { TABLE_NAME, TEST_SECRETS } from '../support/harness';
import { usePushHarness } from '../support/push-harness';
import { encryptOf, eventXml, newTicket, sendPush, signPush, ticketXml } from '../support/push-requests';

describe('push receiver: authorization events and audit', () => {
  const h = usePushHarness();

  const newAuthorizerAppid = () => `wx${randomBytes(8).toString('hex')}`;
  const newAuthorizationCode = () => `queryauthcode@@@${randomBytes(36).toString('base64url')}`;
  /** A prefix of simulator-made appids no other test uses. */
  const newAccountPrefix = () => `wx${randomBytes(3).toString('hex')}`;

  /** Event items about one authorizer ('-' for events that name none), oldest CreateTime first. */
  async function eventItems(authorizerAppid: string): Promise<Array<Record<string, unknown>>> {
    const out = await h.dynamo.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': eventsPk(TEST_SECRETS.componentAppid), ':prefix': `EVENT#${authorizerAppid}#` },
        ConsistentRead: true,
      }),
    );
    return out.Items ?? [];
  }

  /** Every attribute of an item as text, binary ones both raw and base64, for "not in clear" checks. */
  function itemText(item: Record<string, unknown>): string {
    return JSON.stringify(item, (_key, value: unknown) =>
      value instanceof Uint8Array ? `${Buffer.from(value).toString('latin1')} ${Buffer.from(value).toString('base64')}` : value,
    );
  }

  async function openPayload(item: Record<string, unknown>): Promise<Record<string, string>> {
    return JSON.parse(await h.stores.events.openPayload(item)) as Record<string, string>;
  }

  async function auditSince(sinceMs: number) {
    return (await h.stores.audit.listDay(h.clock.now())).filter((record) => record.receivedAtMs >= sinceMs);
  }

  describe('authorizer status', () => {
    it('moves the status only when the worker has exchanged a real code, and to revoked on unauthorized', async () => {
      const [authorizerAppid] = h.sim.addAuthorizedAccounts(1, { prefix: newAccountPrefix() }) as [string];
      await h.sim.pushTicketNow();
      const authorizedAt = h.clock.nowSec;

      const authorization = await h.sim.authorize({ authorizerAppid });
      const statusBeforeExchange = await h.stores.authorizers.getStatus(authorizerAppid);
      await h.drainJobs();
      const statusAfterExchange = await h.stores.authorizers.getStatus(authorizerAppid);
      h.clock.advance(30_000);
      const unauthorizedAt = h.clock.nowSec;
      const unauthorized = await h.sim.revokeAuthorization(authorizerAppid);

      expect(authorization.push.acked).toBe(true);
      expect(unauthorized.acked).toBe(true);
      expect(statusBeforeExchange).toBeNull();
      expect(statusAfterExchange).toEqual({ status: 'authorized', lastEventCreateTime: authorizedAt });
      expect(await h.stores.authorizers.getStatus(authorizerAppid)).toEqual({ status: 'revoked', lastEventCreateTime: unauthorizedAt });
      const items = await eventItems(authorizerAppid);
      expect(items.map((item) => [item.sk, item.infoType, item.createTime])).toEqual([
        [
          expect.stringMatching(
            new RegExp(`^EVENT#${authorizerAppid}#${String(authorizedAt).padStart(10, '0')}#updateauthorized#[0-9a-f]{16}$`),
          ),
          'updateauthorized',
          authorizedAt,
        ],
        [
          expect.stringMatching(
            new RegExp(`^EVENT#${authorizerAppid}#${String(unauthorizedAt).padStart(10, '0')}#unauthorized#[0-9a-f]{16}$`),
          ),
          'unauthorized',
          unauthorizedAt,
        ],
      ]);
    });

    it('seals the event payload and keeps the AuthorizationCode and PreAuthCode out of the item in clear', async () => {
      const authorizerAppid = newAuthorizerAppid();
      const authorizationCode = newAuthorizationCode();
      const preAuthCode = `preauthcode@@@${randomBytes(36).toString('base64url')}`;

      const result = await h.sim.pushEvent({
        infoType: 'authorized',
        fields: { AuthorizerAppid: authorizerAppid, AuthorizationCode: authorizationCode, PreAuthCode: preAuthCode },
      });

      expect(result.acked).toBe(true);
      const [item, ...others] = await eventItems(authorizerAppid);
      expect(others).toEqual([]);
      expect(item).toBeDefined();
      const text = itemText(item ?? {});
      expect(text).not.toContain(authorizationCode);
      expect(text).not.toContain(authorizationCode.slice('queryauthcode@@@'.length));
      expect(text).not.toContain(preAuthCode);
      expect(item).not.toHaveProperty('payloadOmitted');
      expect(await openPayload(item ?? {})).toMatchObject({
        InfoType: 'authorized',
        AuthorizerAppid: authorizerAppid,
        AuthorizationCode: authorizationCode,
        PreAuthCode: preAuthCode,
      });
    });

    it('stores an event whose payload is over the 4 KiB KMS Encrypt takes whole, envelope-sealed', async () => {
      const authorizerAppid = newAuthorizerAppid();
      const authorizationCode = newAuthorizationCode();
      // Longer than any documented field, but a genuine push may carry anything up to the body cap.
      const extra = '示'.repeat(1_600);

      const result = await h.sim.pushEvent({
        infoType: 'authorized',
        fields: { AuthorizerAppid: authorizerAppid, AuthorizationCode: authorizationCode, Extra: extra },
      });

      expect(result.acked).toBe(true);
      const [item] = await eventItems(authorizerAppid);
      expect(item).not.toHaveProperty('payloadOmitted');
      expect(itemText(item ?? {})).not.toContain(authorizationCode);
      const payload = await openPayload(item ?? {});
      expect(Buffer.byteLength(JSON.stringify(payload))).toBeGreaterThan(4096);
      expect(payload).toMatchObject({ AuthorizationCode: authorizationCode, Extra: extra });
    });

    it('records an authorized push whose code WeChat does not know, and the refused exchange leaves no authorizer', async () => {
      const authorizerAppid = newAuthorizerAppid();
      const authorizationCode = newAuthorizationCode();
      await h.sim.pushTicketNow();

      const result = await h.sim.pushEvent({
        infoType: 'authorized',
        fields: { AuthorizerAppid: authorizerAppid, AuthorizationCode: authorizationCode },
      });
      const codeBeforeExchange = await h.stores.authorizationCodes.get(sha256Hex(authorizationCode));
      await h.drainJobs();

      expect(result.acked).toBe(true);
      expect(codeBeforeExchange).toMatchObject({ status: 'pending', authorizerAppid, sources: ['push'] });
      expect(await h.stores.authorizationCodes.get(sha256Hex(authorizationCode))).toMatchObject({ status: 'refused' });
      expect(await h.stores.authorizers.getStatus(authorizerAppid)).toBeNull();
      expect(await eventItems(authorizerAppid)).toHaveLength(1);
    });

    it('does not let a late, older authorized event flip a revoked authorizer back', async () => {
      const authorizerAppid = newAuthorizerAppid();
      const authorizedAt = h.clock.nowSec - 30;
      const unauthorizedAt = h.clock.nowSec;
      await h.sim.pushEvent({ infoType: 'unauthorized', createTime: unauthorizedAt, fields: { AuthorizerAppid: authorizerAppid } });
      h.clock.advance(1_000);

      const late = await h.sim.pushEvent({
        infoType: 'authorized',
        createTime: authorizedAt,
        fields: { AuthorizerAppid: authorizerAppid },
      });
      await h.drainJobs();

      expect(late.acked).toBe(true);
      expect(await h.stores.authorizers.getStatus(authorizerAppid)).toEqual({ status: 'revoked', lastEventCreateTime: unauthorizedAt });
      // The late event is still kept: it holds an authorization code someone may want to look at.
      expect((await eventItems(authorizerAppid)).map((item) => item.infoType)).toEqual(['authorized', 'unauthorized']);
    });
  });

  describe('idempotency', () => {
    it('records the same event delivered twice once and acknowledges both deliveries', async () => {
      const authorizerAppid = newAuthorizerAppid();
      const authorizationCode = newAuthorizationCode();
      const createTime = h.clock.nowSec;
      const request = signPush(
        eventXml('authorized', createTime, { AuthorizerAppid: authorizerAppid, AuthorizationCode: authorizationCode }),
        h.clock.nowSec,
      );
      const since = h.clock.now();

      const first = await sendPush(h.gateway.url, request);
      h.clock.advance(5_000);
      const second = await sendPush(h.gateway.url, request);

      expect(first.acked).toBe(true);
      expect(second.acked).toBe(true);
      expect(await eventItems(authorizerAppid)).toHaveLength(1);
      expect((await auditSince(since)).map((record) => record.outcome)).toEqual(['recorded, code pending', 'duplicate, code pending']);
      expect(await h.stores.authorizationCodes.get(sha256Hex(authorizationCode))).toMatchObject({
        status: 'pending',
        sources: ['push'],
        eventCreateTime: createTime,
      });
    });

    it('records an event the simulator duplicates once', async () => {
      const authorizerAppid = newAuthorizerAppid();
      const since = h.clock.now();
      h.sim.resetStats();
      h.sim.setFaults({ pushes: { duplicate: true } });

      const result = await h.sim.pushEvent({ infoType: 'unauthorized', fields: { AuthorizerAppid: authorizerAppid } });

      expect(result.acked).toBe(true);
      expect(h.sim.stats().pushes).toMatchObject({ duplicated: 1, acked: 2 });
      expect(await eventItems(authorizerAppid)).toHaveLength(1);
      // Both copies arrive in the same millisecond, so the audit trail's order between them is not defined.
      expect((await auditSince(since)).map((record) => record.outcome).sort()).toEqual(['duplicate, not-newer', 'recorded, revoked']);
    });
  });

  describe('unknown InfoTypes', () => {
    it('acknowledges and records a push with an InfoType it does not know', async () => {
      const createTime = h.clock.nowSec;
      const authCode = newAuthorizationCode();
      const since = h.clock.now();

      const result = await h.sim.pushEvent({
        infoType: 'notify_third_fasteregister',
        createTime,
        fields: { appid: newAuthorizerAppid(), status: '0', auth_code: authCode, msg: 'OK' },
      });

      expect(result).toMatchObject({ status: 200, body: 'success', acked: true });
      const items = (await eventItems('-')).filter((item) => item.createTime === createTime);
      expect(items.map((item) => item.infoType)).toEqual(['notify_third_fasteregister']);
      expect(itemText(items[0] ?? {})).not.toContain(authCode);
      expect(await openPayload(items[0] ?? {})).toMatchObject({ InfoType: 'notify_third_fasteregister', auth_code: authCode, status: '0' });
      expect(await auditSince(since)).toEqual([
        { infoType: 'notify_third_fasteregister', createTime, receivedAtMs: since, outcome: 'recorded' },
      ]);
    });

    // Known bug, not in this suite's files: WeChat's real notify_third_fasteregister push nests an <info> element,
    // which shared/wechat/xml.ts refuses as XML_MALFORMED, so the push is answered 400 and WeChat keeps retrying.
    it('acknowledges a notify_third_fasteregister push whose info element is nested, as WeChat sends it', async () => {
      const createTime = h.clock.nowSec;
      const inner = eventXml('notify_third_fasteregister', createTime, {
        appid: newAuthorizerAppid(),
        status: '0',
        auth_code: newAuthorizationCode(),
        msg: 'OK',
      }).replace(
        '</xml>',
        '<info><name><![CDATA[Example Co]]></name><code><![CDATA[91310000000000000X]]></code><code_type>1</code_type></info></xml>',
      );

      const response = await sendPush(h.gateway.url, signPush(inner, h.clock.nowSec));

      expect(response.acked).toBe(true);
    });

    it('records two different events of one InfoType and CreateTime that name no authorizer, not one as a duplicate', async () => {
      // Two mini programs registered in the same second: neither push has an AuthorizerAppid to tell them apart.
      const createTime = h.clock.nowSec;
      const since = h.clock.now();
      const codes = [newAuthorizationCode(), newAuthorizationCode()];

      const results = [];
      for (const authCode of codes) {
        results.push(
          await h.sim.pushEvent({
            infoType: 'notify_third_fasteregister',
            createTime,
            fields: { appid: newAuthorizerAppid(), status: '0', auth_code: authCode, msg: 'OK' },
          }),
        );
      }

      expect(results.map((result) => result.acked)).toEqual([true, true]);
      const items = (await eventItems('-')).filter((item) => item.createTime === createTime);
      const payloadCodes = await Promise.all(items.map(async (item) => (await openPayload(item)).auth_code));
      expect(payloadCodes.sort()).toEqual([...codes].sort());
      expect((await auditSince(since)).map((record) => record.outcome)).toEqual(['recorded', 'recorded']);
    });
  });

  describe('audit trail', () => {
    it('leaves one audit record per accepted push with what happened and nothing secret', async () => {
      const since = h.clock.now();
      const ticket = newTicket();
      const authorizerAppid = newAuthorizerAppid();
      const authorizationCode = newAuthorizationCode();
      const ticketPush = signPush(ticketXml(h.clock.nowSec, ticket), h.clock.nowSec);
      const ticketCreateTime = h.clock.nowSec;
      const authorizedPush = signPush(
        eventXml('authorized', ticketCreateTime, { AuthorizerAppid: authorizerAppid, AuthorizationCode: authorizationCode }),
        h.clock.nowSec,
      );

      expect((await sendPush(h.gateway.url, ticketPush)).acked).toBe(true);
      h.clock.advance(1_000);
      expect((await sendPush(h.gateway.url, authorizedPush)).acked).toBe(true);
      h.clock.advance(1_000);
      expect((await sendPush(h.gateway.url, ticketPush)).acked).toBe(true);
      h.clock.advance(1_000);
      const forged = signPush(ticketXml(h.clock.nowSec, newTicket()), h.clock.nowSec, { tamper: 'signature' });
      expect((await sendPush(h.gateway.url, forged)).status).toBe(401);

      const records = await auditSince(since);
      expect(records).toEqual([
        { infoType: 'component_verify_ticket', createTime: ticketCreateTime, receivedAtMs: since, outcome: 'stored' },
        {
          infoType: 'authorized',
          createTime: ticketCreateTime,
          receivedAtMs: since + 1_000,
          outcome: 'recorded, code pending',
          authorizerAppid,
        },
        { infoType: 'component_verify_ticket', createTime: ticketCreateTime, receivedAtMs: since + 2_000, outcome: 'not-newer' },
      ]);
      const text = JSON.stringify(records);
      for (const value of [
        ticket,
        authorizationCode,
        encryptOf(ticketPush),
        encryptOf(authorizedPush),
        TEST_SECRETS.token,
        TEST_SECRETS.encodingAesKey,
        TEST_SECRETS.appsecret,
      ]) {
        expect(text).not.toContain(value);
      }
    });
  });
});
