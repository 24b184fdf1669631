/**
 * WeChat pushes twice, out of order and again after a failure (docs/wechat-protocol.md §1): the receiver must
 * acknowledge what it has stored, refuse to acknowledge what it could not store, and never let the stored ticket
 * go backwards.
 */

import { describe, expect, it } from 'vitest';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { startHttpGateway } from '../../local/runtime/http-gateway';
import { sha256Hex } from '../../shared/crypto/digests';
import { createComponentStores } from '../../shared/store/component-stores';
import { PUSH_ROUTE, TEST_SECRETS } from '../support/harness';
import { usePushHarness } from '../support/push-harness';
import { newTicket, type PushRequest, rejectionsIn, sendPush, signPush, ticketXml, withCapturedOutput } from '../support/push-requests';

describe('push receiver idempotency and failures', () => {
  const h = usePushHarness();

  function freshTicketPush() {
    const ticket = newTicket();
    const createTime = h.clock.nowSec;
    return { ticket, createTime, request: signPush(ticketXml(createTime, ticket), h.clock.nowSec) as PushRequest };
  }

  async function auditOutcomesFor(createTime: number): Promise<string[]> {
    const records = await h.stores.audit.listDay(h.clock.now());
    return records.filter((r) => r.infoType === 'component_verify_ticket' && r.createTime === createTime).map((r) => r.outcome);
  }

  async function expectStoredTicketIsSimLatest(): Promise<void> {
    const latest = h.sim.latestTicket();
    expect(latest).not.toBeNull();
    expect(await h.stores.tickets.load()).toMatchObject({ componentVerifyTicket: latest?.ticket, createTime: latest?.createTime });
  }

  describe('replays', () => {
    it('acknowledges the same push request sent twice and stores it once', async () => {
      const { ticket, createTime, request } = freshTicketPush();

      const first = await sendPush(h.gateway.url, request);
      const storedAfterFirst = await h.stores.tickets.load();
      // WeChat retries seconds later; the clock moves so the audit trail has a defined order.
      h.clock.advance(5_000);
      const second = await sendPush(h.gateway.url, request);

      expect(first.acked).toBe(true);
      expect(second.acked).toBe(true);
      expect(storedAfterFirst).toMatchObject({ componentVerifyTicket: ticket, createTime });
      expect(await h.stores.tickets.load()).toEqual(storedAfterFirst);
      expect(await auditOutcomesFor(createTime)).toEqual(['stored', 'not-newer']);
    });

    it('acknowledges a replay of an older ticket without replacing the newer one', async () => {
      const older = freshTicketPush();
      h.clock.advance(1_000);
      const newer = freshTicketPush();
      await sendPush(h.gateway.url, older.request);
      await sendPush(h.gateway.url, newer.request);
      h.clock.advance(1_000);

      const replay = await sendPush(h.gateway.url, older.request);

      expect(replay.acked).toBe(true);
      expect(await h.stores.tickets.load()).toMatchObject({ componentVerifyTicket: newer.ticket, createTime: newer.createTime });
      expect(await auditOutcomesFor(older.createTime)).toEqual(['stored', 'not-newer']);
    });
  });

  describe('simulator delivery faults', () => {
    it('never lets the stored ticket go backwards when older tickets are pushed again after newer ones', async () => {
      // A ticket before the fault, so that even the first push under it has an older ticket to send again.
      await h.sim.pushTicketNow();
      h.sim.resetStats();
      h.sim.setFaults({ pushes: { outOfOrder: true } });
      const storedCreateTimes: number[] = [];

      for (let i = 0; i < 3; i += 1) {
        h.clock.advance(10_000);
        const result = await h.sim.pushTicketNow();
        expect(result.acked).toBe(true);
        await expectStoredTicketIsSimLatest();
        storedCreateTimes.push((await h.stores.tickets.loadCreateTime()) ?? 0);
      }

      expect(h.sim.stats().pushes.reordered).toBe(3);
      expect(h.sim.stats().pushes.acked).toBe(6);
      expect(storedCreateTimes).toEqual([...storedCreateTimes].sort((a, b) => a - b));
      expect(new Set(storedCreateTimes).size).toBe(3);
    });

    it('stores a duplicated push once and acknowledges both copies', async () => {
      h.sim.resetStats();
      h.sim.setFaults({ pushes: { duplicate: true } });

      const result = await h.sim.pushTicketNow();

      expect(result.acked).toBe(true);
      expect(h.sim.stats().pushes).toMatchObject({ duplicated: 1, sent: 2, acked: 2, failed: 0 });
      await expectStoredTicketIsSimLatest();
      const latest = h.sim.latestTicket();
      expect(await auditOutcomesFor(latest?.createTime ?? -1)).toEqual(expect.arrayContaining(['stored', 'not-newer']));
      expect(await auditOutcomesFor(latest?.createTime ?? -1)).toHaveLength(2);
    });
  });

  describe('concurrent deliveries', () => {
    it('keeps the newest of several tickets delivered at once in any order', async () => {
      const pushes = [];
      for (let i = 0; i < 6; i += 1) {
        h.clock.advance(1_000);
        pushes.push(freshTicketPush());
      }
      const newest = pushes.at(-1);
      const shuffled = [pushes[3], pushes[5], pushes[0], pushes[4], pushes[1], pushes[2]].filter((p) => p !== undefined);

      const results = await Promise.all(shuffled.map((push) => sendPush(h.gateway.url, push.request)));

      expect(results.every((result) => result.acked)).toBe(true);
      expect(await h.stores.tickets.load()).toMatchObject({ componentVerifyTicket: newest?.ticket, createTime: newest?.createTime });
    });
  });

  describe('storage failures', () => {
    it("answers 500 when the component secrets cannot be read, then accepts WeChat's retry", async () => {
      // Past the secrets cache's 5 minutes, so the receiver has to read Secrets Manager again.
      h.clock.advance(301_000);
      const { ticket, createTime, request } = freshTicketPush();
      h.aws.injectFault({
        service: 'secretsManager',
        operation: 'GetSecretValue',
        errorType: 'InternalServiceError',
        count: 10,
        httpStatus: 500,
      });

      const { result: failed, output } = await withCapturedOutput(() => sendPush(h.gateway.url, request));
      h.aws.clearFaults();
      const retried = await sendPush(h.gateway.url, request);

      expect(failed.status).toBe(500);
      expect(rejectionsIn(output)).toEqual([{ reason: 'STORE_FAILED', status: 500, level: 'ERROR' }]);
      for (const value of [TEST_SECRETS.token, TEST_SECRETS.encodingAesKey, TEST_SECRETS.appsecret, ticket])
        expect(output.text).not.toContain(value);
      expect(retried.acked).toBe(true);
      expect(await h.stores.tickets.load()).toMatchObject({ componentVerifyTicket: ticket, createTime });
    });

    it("answers 500 and does not acknowledge a ticket when KMS Encrypt fails, then stores WeChat's retry", async () => {
      const previous = await h.stores.tickets.load();
      const { ticket, createTime, request } = freshTicketPush();
      // SDK retries are HTTP requests too, so the fault outlasts every attempt of one push.
      h.aws.injectFault({ service: 'kms', operation: 'Encrypt', errorType: 'KMSInternalException', count: 10, httpStatus: 500 });

      const { result: failed, output } = await withCapturedOutput(() => sendPush(h.gateway.url, request));
      const storedDuringFault = await h.stores.tickets.load();
      h.aws.clearFaults();
      h.clock.advance(5_000);
      const retried = await sendPush(h.gateway.url, request);

      expect(failed.status).toBe(500);
      expect(failed.acked).toBe(false);
      expect(rejectionsIn(output)).toEqual([{ reason: 'STORE_FAILED', status: 500, level: 'ERROR' }]);
      expect(storedDuringFault).toEqual(previous);
      expect(retried.acked).toBe(true);
      expect(await h.stores.tickets.load()).toMatchObject({ componentVerifyTicket: ticket, createTime });
      expect(await auditOutcomesFor(createTime)).toEqual(['stored']);
    });

    it("answers 500 and does not acknowledge a ticket when DynamoDB fails, then stores WeChat's retry", async () => {
      const previous = await h.stores.tickets.load();
      const { ticket, createTime, request } = freshTicketPush();
      const broken = createComponentStores({
        dynamo: h.dynamo,
        kms: h.kms,
        tableName: 'table-that-does-not-exist',
        kmsKeyId: h.aws.kmsKeyId,
        componentAppid: TEST_SECRETS.componentAppid,
        now: h.clock.now,
      });
      const brokenGateway = await startHttpGateway({
        routes: [
          {
            routeKey: PUSH_ROUTE,
            functionName: 'push-receiver',
            handler: makePushReceiverHandler({ ...h.pushDeps, tickets: broken.tickets }),
          },
        ],
        now: h.clock.now,
      });
      const { result: failed, output } = await withCapturedOutput(() => sendPush(brokenGateway.url, request)).finally(() =>
        brokenGateway.close(),
      );
      const storedDuringFault = await h.stores.tickets.load();
      h.clock.advance(5_000);

      const retried = await sendPush(h.gateway.url, request);

      expect(failed.status).toBe(500);
      expect(failed.acked).toBe(false);
      expect(rejectionsIn(output)).toEqual([{ reason: 'STORE_FAILED', status: 500, level: 'ERROR' }]);
      for (const value of [TEST_SECRETS.token, TEST_SECRETS.encodingAesKey, TEST_SECRETS.appsecret, ticket])
        expect(output.text).not.toContain(value);
      expect(storedDuringFault).toEqual(previous);
      expect(retried.acked).toBe(true);
      expect(await h.stores.tickets.load()).toMatchObject({ componentVerifyTicket: ticket, createTime });
      expect(await auditOutcomesFor(createTime)).toEqual(['stored']);
    });

    it("answers 500 for an authorization event when KMS GenerateDataKey fails, then records WeChat's retry", async () => {
      const authorizerAppid = 'wx00000000000000a1';
      const request = signPush(
        `<xml><AppId><![CDATA[${TEST_SECRETS.componentAppid}]]></AppId><CreateTime>${h.clock.nowSec}</CreateTime><InfoType><![CDATA[authorized]]></InfoType><AuthorizerAppid><![CDATA[${authorizerAppid}]]></AuthorizerAppid><AuthorizationCode><![CDATA[queryauthcode@@@retry-test]]></AuthorizationCode></xml>`,
        h.clock.nowSec,
      );
      h.aws.injectFault({ service: 'kms', operation: 'GenerateDataKey', errorType: 'KMSInternalException', count: 10, httpStatus: 500 });

      const { result: failed } = await withCapturedOutput(() => sendPush(h.gateway.url, request));
      const codeDuringFault = await h.stores.authorizationCodes.get(sha256Hex('queryauthcode@@@retry-test'));
      h.aws.clearFaults();
      const retried = await sendPush(h.gateway.url, request);

      expect(failed.status).toBe(500);
      expect(codeDuringFault).toBeNull();
      expect(retried.acked).toBe(true);
      expect(await h.stores.authorizationCodes.get(sha256Hex('queryauthcode@@@retry-test'))).toMatchObject({
        status: 'pending',
        authorizerAppid,
        eventCreateTime: h.clock.nowSec,
      });
    });
  });
});
