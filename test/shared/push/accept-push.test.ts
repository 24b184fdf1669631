import { describe, expect, it } from 'vitest';
import type { PushTamper } from '../../../local/wechat-sim/types';
import { sha256Hex } from '../../../shared/crypto/digests';
import { secretRegistry } from '../../../shared/log/redaction';
import { acceptPush } from '../../../shared/push/accept-push';
import { StoreError } from '../../../shared/store/store-errors';
import { fakePush } from '../../support/fakes/fake-deps';
import { eventXml, newTicket, signPush, ticketXml } from '../../support/push-requests';

type Push = ReturnType<typeof fakePush>;

const AUTHORIZER = 'wxaaaaaaaaaaaaaaaa';

/** Signs `xml` as WeChat would, at the receiver's clock, and hands it to acceptPush. */
const accept = (p: Push, xml: string, tamper?: PushTamper) => acceptPush(p.deps, signPush(xml, p.clock.nowSec, { tamper }));
const refused = (p: Push, xml: string, tamper?: PushTamper) => accept(p, xml, tamper).catch((err: unknown) => err);
const nothingStored = (p: Push) => ({
  ticket: p.tickets.stored,
  events: p.events.events.size,
  unparsed: p.events.unparsed.size,
  audit: p.audit.records,
});

describe('acceptPush', () => {
  describe('a component_verify_ticket', () => {
    it('stores a newer ticket, then audits it, counts it and logs it without the ticket', async () => {
      const p = fakePush();
      const ticket = newTicket();

      const accepted = await accept(p, ticketXml(p.clock.nowSec, ticket));

      expect(accepted).toEqual({ infoType: 'component_verify_ticket', createTime: p.clock.nowSec, outcome: 'stored' });
      expect(p.tickets.stored).toEqual({ componentVerifyTicket: ticket, createTime: p.clock.nowSec, receivedAtMs: p.clock.now() });
      expect(p.audit.records).toEqual([
        { infoType: 'component_verify_ticket', createTime: p.clock.nowSec, receivedAtMs: p.clock.now(), outcome: 'stored' },
      ]);
      expect(p.metrics.names).toEqual(['TicketsStored', 'PushesAccepted']);
      expect(p.logger.withMessage('push accepted')).toEqual([
        expect.objectContaining({ level: 'INFO', outcome: 'stored', infoType: 'component_verify_ticket', createTime: p.clock.nowSec }),
      ]);
      expect(p.logger.text).not.toContain(ticket);
    });

    it('accepts a replayed or older ticket as not-newer: audited, never stored over the newer one', async () => {
      const p = fakePush();
      const newer = newTicket();
      await accept(p, ticketXml(p.clock.nowSec, newer));

      const replay = await accept(p, ticketXml(p.clock.nowSec, newer));
      const older = await accept(p, ticketXml(p.clock.nowSec - 600, newTicket()));

      expect([replay.outcome, older.outcome]).toEqual(['not-newer', 'not-newer']);
      expect(p.tickets.stored?.componentVerifyTicket).toBe(newer);
      expect(p.audit.records.map((record) => record.outcome)).toEqual(['stored', 'not-newer', 'not-newer']);
      expect(p.metrics.sum('TicketsStored')).toBe(1);
    });

    it('throws the store failure and audits nothing when the ticket cannot be stored, so WeChat retries', async () => {
      const p = fakePush();
      p.tickets.faults.failNext('save');

      const failed = await refused(p, ticketXml(p.clock.nowSec, newTicket()));

      expect(failed).toBeInstanceOf(StoreError);
      expect(nothingStored(p)).toEqual({ ticket: null, events: 0, unparsed: 0, audit: [] });
      expect(p.metrics.names).toEqual([]);
    });

    it('throws when the audit record cannot be written after storing, and accepts the redelivery as not-newer', async () => {
      const p = fakePush();
      const ticket = ticketXml(p.clock.nowSec, newTicket());
      p.audit.faults.failNext('record');

      const failed = await refused(p, ticket);
      const redelivered = await accept(p, ticket);

      expect(failed).toMatchObject({ name: 'StoreError' });
      expect(p.metrics.sum('PushesAccepted')).toBe(1);
      expect(redelivered.outcome).toBe('not-newer');
      expect(p.audit.records).toHaveLength(1);
    });

    it('throws when the component secrets cannot be read, before looking at the push', async () => {
      const p = fakePush();
      p.deps.getSecrets = () => Promise.reject(new Error('secret unavailable'));

      await expect(accept(p, ticketXml(p.clock.nowSec, newTicket()))).rejects.toThrow('secret unavailable');
      expect(nothingStored(p)).toEqual({ ticket: null, events: 0, unparsed: 0, audit: [] });
    });
  });

  describe('refuses a push that is not authentic, storing nothing', () => {
    it.each([
      ['a bad msg_signature', 'signature', 'SIGNATURE_MISMATCH'],
      ['a ciphertext that does not decrypt', 'ciphertext', 'DECRYPTION_FAILED'],
      ['an inner AppId of another component', 'appid', 'APPID_MISMATCH'],
    ] as const)('refuses %s with %s', async (_name, tamper, code) => {
      const p = fakePush();

      const failed = await refused(p, ticketXml(p.clock.nowSec, newTicket()), tamper);

      expect(failed).toMatchObject({ name: 'WechatMessageError', code });
      expect(nothingStored(p)).toEqual({ ticket: null, events: 0, unparsed: 0, audit: [] });
    });

    it('refuses a push signed outside the timestamp window', async () => {
      const p = fakePush();
      const signedLongAgo = signPush(ticketXml(p.clock.nowSec, newTicket()), p.clock.nowSec - p.deps.maxSkewSec - 1);

      await expect(acceptPush(p.deps, signedLongAgo)).rejects.toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW' });
    });

    it('refuses a ticket whose CreateTime is beyond the skew window ahead of our clock', async () => {
      const p = fakePush();

      const failed = await refused(p, ticketXml(p.clock.nowSec + p.deps.maxSkewSec + 1, newTicket()));

      expect(failed).toMatchObject({ name: 'WechatMessageError', code: 'CREATE_TIME_IN_FUTURE' });
      expect(p.tickets.stored).toBeNull();
    });
  });

  describe('an authorization event', () => {
    it('records authorized with its fields, records its code and queues the exchange, audits with the authorizer and masks the code in logs', async () => {
      const p = fakePush();
      const code = 'queryauthcode@@@fake-authorization-code-0001';
      const fields = {
        AuthorizerAppid: AUTHORIZER,
        AuthorizationCode: code,
        AuthorizationCodeExpiredTime: String(p.clock.nowSec + 3600),
        PreAuthCode: 'preauthcode@@@fake-0001',
      };

      const accepted = await accept(p, eventXml('authorized', p.clock.nowSec, fields));

      expect(accepted).toEqual({ infoType: 'authorized', createTime: p.clock.nowSec, outcome: 'recorded, code pending' });
      expect([...p.events.events.values()]).toEqual([
        { infoType: 'authorized', createTime: p.clock.nowSec, authorizerAppid: AUTHORIZER, fields: expect.objectContaining(fields) },
      ]);
      const [recorded] = [...p.codes.items.values()];
      expect(recorded).toMatchObject({
        codeSha256: sha256Hex(code),
        status: 'pending',
        sources: ['push'],
        authorizerAppid: AUTHORIZER,
        infoType: 'authorized',
        eventCreateTime: p.clock.nowSec,
        codeExpiresAtMs: (p.clock.nowSec + 3600) * 1000,
      });
      expect(p.jobs.sent).toEqual([{ kind: 'exchange', codeSha256: sha256Hex(code) }]);
      // The receiver never calls WeChat, and the status moves only when the worker has exchanged the code.
      expect(await p.authorizers.getStatus(AUTHORIZER)).toBeNull();
      expect(p.audit.records).toEqual([
        {
          infoType: 'authorized',
          createTime: p.clock.nowSec,
          receivedAtMs: p.clock.now(),
          outcome: 'recorded, code pending',
          authorizerAppid: AUTHORIZER,
        },
      ]);
      expect(secretRegistry.redact(`code=${code}`)).toBe('code=[REDACTED]');
      expect(p.logger.text).not.toContain(code);
    });

    it('takes about an hour after the event as the expiry of a code pushed without AuthorizationCodeExpiredTime', async () => {
      const p = fakePush();

      await accept(
        p,
        eventXml('updateauthorized', p.clock.nowSec, { AuthorizerAppid: AUTHORIZER, AuthorizationCode: 'queryauthcode@@@no-expiry' }),
      );

      expect([...p.codes.items.values()][0]).toMatchObject({
        infoType: 'updateauthorized',
        codeExpiresAtMs: (p.clock.nowSec + 3600) * 1000,
      });
    });

    it('records the same event delivered twice once, accepting both', async () => {
      const p = fakePush();
      const xml = eventXml('unauthorized', p.clock.nowSec, { AuthorizerAppid: AUTHORIZER });

      const outcomes = [await accept(p, xml), await accept(p, xml)].map((accepted) => accepted.outcome);

      expect(outcomes).toEqual(['recorded, revoked', 'duplicate, not-newer']);
      expect(p.events.events.size).toBe(1);
    });

    it('does not queue again a redelivered code that the worker is already exchanging', async () => {
      const p = fakePush();
      const code = 'queryauthcode@@@fake-redelivered';
      const xml = eventXml('authorized', p.clock.nowSec, { AuthorizerAppid: AUTHORIZER, AuthorizationCode: code });
      await accept(p, xml);
      p.codes.setStatus(code, 'exchanging');

      const again = await accept(p, xml);

      expect(again.outcome).toBe('duplicate, code exchanging');
      expect(p.codes.items.size).toBe(1);
      expect(p.jobs.sent).toHaveLength(1);
    });

    it('does not acknowledge an authorized push whose exchange could not be queued; the retry queues it once', async () => {
      const p = fakePush();
      const code = 'queryauthcode@@@fake-queue-down';
      const xml = eventXml('authorized', p.clock.nowSec, { AuthorizerAppid: AUTHORIZER, AuthorizationCode: code });
      p.jobs.faults.failNext('send');

      const failed = await refused(p, xml);
      const retried = await accept(p, xml);

      expect(failed).toBeInstanceOf(Error);
      expect(p.audit.records.map((record) => record.outcome)).toEqual(['duplicate, code pending']);
      expect(retried.outcome).toBe('duplicate, code pending');
      expect(p.codes.items.size).toBe(1);
      expect(p.jobs.sent).toEqual([{ kind: 'exchange', codeSha256: sha256Hex(code) }]);
    });

    it('does not let a late, older authorized event flip a revoked authorizer back', async () => {
      const p = fakePush();
      await accept(p, eventXml('unauthorized', p.clock.nowSec, { AuthorizerAppid: AUTHORIZER }));

      await accept(
        p,
        eventXml('authorized', p.clock.nowSec - 60, { AuthorizerAppid: AUTHORIZER, AuthorizationCode: 'queryauthcode@@@late' }),
      );
      const lateRevocation = await accept(p, eventXml('unauthorized', p.clock.nowSec - 120, { AuthorizerAppid: AUTHORIZER }));

      expect(await p.authorizers.getStatus(AUTHORIZER)).toEqual({ status: 'revoked', lastEventCreateTime: p.clock.nowSec });
      expect(lateRevocation.outcome).toBe('recorded, not-newer');
      // The late code is kept with its event time: the worker's exchange applies it only if it is newer than the revocation.
      expect([...p.codes.items.values()][0]).toMatchObject({ eventCreateTime: p.clock.nowSec - 60 });
    });

    it('does not acknowledge an unauthorized push it could not apply, so WeChat retries', async () => {
      const p = fakePush();
      p.authorizers.faults.failNext('revoke');

      const failed = await refused(p, eventXml('unauthorized', p.clock.nowSec, { AuthorizerAppid: AUTHORIZER }));

      expect(failed).toBeInstanceOf(StoreError);
      expect(p.audit.records).toEqual([]);
      expect(await p.authorizers.getStatus(AUTHORIZER)).toBeNull();
    });

    it('records an InfoType it does not know under its own name, touching no authorizer status', async () => {
      const p = fakePush();

      const accepted = await accept(p, eventXml('notify_third_fasteregister', p.clock.nowSec, { auth_code: 'fake-fastregister-code' }));

      expect(accepted).toEqual({ infoType: 'notify_third_fasteregister', createTime: p.clock.nowSec, outcome: 'recorded' });
      expect(p.codes.items.size).toBe(0);
      expect(p.jobs.sent).toEqual([]);
      expect(p.audit.records[0]).not.toHaveProperty('authorizerAppid');
    });

    it('throws and audits nothing when the event cannot be recorded', async () => {
      const p = fakePush();
      p.events.faults.failNext('record');

      await expect(accept(p, eventXml('unauthorized', p.clock.nowSec, { AuthorizerAppid: AUTHORIZER }))).rejects.toBeInstanceOf(StoreError);
      expect(p.audit.records).toEqual([]);
    });
  });

  describe('an authentic push it cannot interpret', () => {
    const noCreateTime = (code: string) =>
      `<xml><AppId>wx1234567890abcdef</AppId><InfoType>authorized</InfoType><AuthorizationCode>${code}</AuthorizationCode></xml>`;

    it('keeps it whole as unparsed, audits the reason and warns without its text', async () => {
      const p = fakePush();
      const xml = noCreateTime('queryauthcode@@@fake-unparsed-code');

      const accepted = await accept(p, xml);

      expect(accepted).toEqual({ infoType: null, createTime: null, outcome: 'recorded' });
      expect([...p.events.unparsed.values()]).toEqual([{ plaintext: xml, reason: 'MISSING_FIELD' }]);
      expect(p.audit.records).toEqual([{ receivedAtMs: p.clock.now(), outcome: 'recorded', unparsedReason: 'MISSING_FIELD' }]);
      expect(p.metrics.names).toEqual(['PushesUnparsed']);
      expect(p.logger.withMessage('push unparsed')).toEqual([
        expect.objectContaining({ level: 'WARN', reason: 'MISSING_FIELD', outcome: 'recorded' }),
      ]);
      expect(p.logger.text).not.toContain('fake-unparsed-code');
    });

    it('keeps a redelivery once', async () => {
      const p = fakePush();
      const xml = noCreateTime('queryauthcode@@@fake-unparsed-twice');

      const outcomes = [await accept(p, xml), await accept(p, xml)].map((accepted) => accepted.outcome);

      expect(outcomes).toEqual(['recorded', 'duplicate']);
    });

    it('throws and audits nothing when it cannot be kept, so WeChat retries', async () => {
      const p = fakePush();
      p.events.faults.failNext('recordUnparsed');

      await expect(accept(p, noCreateTime('queryauthcode@@@fake-lost'))).rejects.toBeInstanceOf(StoreError);
      expect(p.audit.records).toEqual([]);
    });
  });
});
