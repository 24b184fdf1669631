/**
 * A push whose CreateTime is far ahead of our clock must not be stored: a stored future ticket would make every later
 * genuine ticket "not newer", and a future authorization event would pin the authorizer's status, until someone
 * deleted the item by hand.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/crypto/digests';
import { usePushHarness } from '../support/push-harness';
import { eventXml, newTicket, rejectionsIn, sendPush, signPush, ticketXml, withCapturedOutput } from '../support/push-requests';

const MAX_SKEW_SEC = 600;

describe('push receiver: CreateTime ahead of our clock', () => {
  const h = usePushHarness();

  const newAuthorizerAppid = () => `wx${randomBytes(8).toString('hex')}`;

  async function sendCaptured(xml: string) {
    const { result, output } = await withCapturedOutput(() => sendPush(h.gateway.url, signPush(xml, h.clock.nowSec)));
    return { ...result, rejections: rejectionsIn(output), rejectedCount: output.metricSum('PushesRejected'), output };
  }

  async function auditCount(): Promise<number> {
    return (await h.stores.audit.listDay(h.clock.now())).length;
  }

  it('refuses a signed ticket whose CreateTime is beyond the skew window with 400, stores nothing, and still stores the next genuine ticket', async () => {
    const storedBefore = await h.stores.tickets.load();
    const auditBefore = await auditCount();
    const futureTicket = newTicket();

    const future = await sendCaptured(ticketXml(h.clock.nowSec + MAX_SKEW_SEC + 1, futureTicket));
    h.clock.advance(10_000);
    const genuineTicket = newTicket();
    const genuine = await sendPush(h.gateway.url, signPush(ticketXml(h.clock.nowSec, genuineTicket), h.clock.nowSec));

    expect(future.status).toBe(400);
    expect(future.body).not.toBe('success');
    expect(future.rejections).toEqual([{ reason: 'CREATE_TIME_IN_FUTURE', status: 400, level: 'WARN' }]);
    expect(future.rejectedCount).toBe(1);
    expect(future.output.text).not.toContain(futureTicket);
    expect(future.output.logs('push accepted')).toEqual([]);
    expect(genuine.acked).toBe(true);
    expect(await h.stores.tickets.load()).toEqual({
      componentVerifyTicket: genuineTicket,
      createTime: h.clock.nowSec,
      receivedAtMs: h.clock.now(),
    });
    expect(storedBefore?.componentVerifyTicket).not.toBe(futureTicket);
    // One audit record: the genuine ticket's. The refused push left none.
    expect(await auditCount()).toBe(auditBefore + 1);
  });

  it('accepts a ticket whose CreateTime is exactly at the edge of the skew window', async () => {
    const ticket = newTicket();

    const response = await sendPush(h.gateway.url, signPush(ticketXml(h.clock.nowSec + MAX_SKEW_SEC, ticket), h.clock.nowSec));

    expect(response.acked).toBe(true);
    expect((await h.stores.tickets.load())?.componentVerifyTicket).toBe(ticket);
  });

  it('refuses a signed authorized event from the far future with 400, records neither the event nor its code, and still records the next genuine one', async () => {
    const authorizerAppid = newAuthorizerAppid();
    const auditBefore = await auditCount();
    const fields = { AuthorizerAppid: authorizerAppid, AuthorizationCode: `queryauthcode@@@${randomBytes(36).toString('base64url')}` };

    const future = await sendCaptured(eventXml('authorized', h.clock.nowSec + 86_400 * 365, fields));
    const codeAfterFuture = await h.stores.authorizationCodes.get(sha256Hex(fields.AuthorizationCode));
    h.clock.advance(10_000);
    const unauthorized = await sendPush(
      h.gateway.url,
      signPush(eventXml('unauthorized', h.clock.nowSec, { AuthorizerAppid: authorizerAppid }), h.clock.nowSec),
    );

    expect(future.status).toBe(400);
    expect(future.rejections).toEqual([{ reason: 'CREATE_TIME_IN_FUTURE', status: 400, level: 'WARN' }]);
    expect(future.rejectedCount).toBe(1);
    expect(codeAfterFuture).toBeNull();
    expect(unauthorized.acked).toBe(true);
    expect(await h.stores.authorizers.getStatus(authorizerAppid)).toEqual({ status: 'revoked', lastEventCreateTime: h.clock.nowSec });
    const audit = (await h.stores.audit.listDay(h.clock.now())).slice(auditBefore);
    expect(audit.map((record) => [record.infoType, record.outcome])).toEqual([['unauthorized', 'recorded, revoked']]);
  });
});
