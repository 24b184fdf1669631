/**
 * The push receiver end to end: WeChat simulator or hand-made pushes -> HTTP gateway -> handler -> KMS stand-in
 * and dynalite. What WeChat must see (exactly `success`, or a status that makes it retry) and what must never be
 * stored or logged.
 */
import { describe, expect, it } from 'vitest';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { startHttpGateway } from '../../local/runtime/http-gateway';
import { MAX_PUSH_BODY_BYTES, MAX_PUSH_MESSAGE_BYTES } from '../../shared/wechat/push-body-limit';
import { TEST_SECRETS } from '../support/harness';
import { usePushHarness } from '../support/push-harness';
import {
  encryptOf,
  eventXml,
  newTicket,
  PUSH_PATH,
  type PushRequest,
  rejectionsIn,
  sendPush,
  signPush,
  ticketXml,
  withCapturedOutput,
} from '../support/push-requests';

const MAX_BODY_BYTES = MAX_PUSH_BODY_BYTES;
const FOREIGN_APPID = 'wxffffffffffffffff';

describe('push receiver', () => {
  const h = usePushHarness();

  /** What a rejected push must leave unchanged: the stored ticket and the day's audit trail. */
  async function storedState() {
    return {
      ticketCreateTime: await h.stores.tickets.loadCreateTime(),
      auditRecords: (await h.stores.audit.listDay(h.clock.now())).length,
    };
  }

  function freshTicketPush(options: Parameters<typeof signPush>[2] & { timestampSec?: number } = {}) {
    const ticket = newTicket();
    const envelope = signPush(ticketXml(h.clock.nowSec, ticket), options.timestampSec ?? h.clock.nowSec, options);
    return { ticket, request: envelope as PushRequest };
  }

  /** Sends `request` and returns the answer with the rejection log lines it caused. */
  async function send(request: PushRequest, options?: Parameters<typeof sendPush>[2]) {
    const { result, output } = await withCapturedOutput(() => sendPush(h.gateway.url, request, options));
    return { ...result, rejections: rejectionsIn(output) };
  }

  describe('authentic pushes', () => {
    it('acknowledges a ticket pushed by the simulator and stores exactly that ticket', async () => {
      const result = await h.sim.pushTicketNow();

      expect(result).toEqual({ status: 200, body: 'success', acked: true });
      const stored = await h.stores.tickets.load();
      const latest = h.sim.latestTicket();
      expect(latest).not.toBeNull();
      expect(stored).toEqual({ componentVerifyTicket: latest?.ticket, createTime: latest?.createTime, receivedAtMs: h.clock.now() });
    });

    it('answers an accepted push with HTTP 200, text/plain and a body of exactly success', async () => {
      const { ticket, request } = freshTicketPush();

      const response = await sendPush(h.gateway.url, request);

      expect(response.status).toBe(200);
      expect(response.contentType).toMatch(/^text\/plain\b/);
      expect(response.body).toBe('success');
      expect((await h.stores.tickets.load())?.componentVerifyTicket).toBe(ticket);
    });

    it('accepts an authentic push that the gateway hands over base64-encoded', async () => {
      const { ticket, request } = freshTicketPush();

      const response = await sendPush(h.gateway.url, request, { contentType: 'application/octet-stream' });

      expect(response.acked).toBe(true);
      expect((await h.stores.tickets.load())?.componentVerifyTicket).toBe(ticket);
    });

    it('accepts a timestamp exactly at the edge of the 600 s window', async () => {
      const { ticket, request } = freshTicketPush({ timestampSec: h.clock.nowSec - 600 });

      const response = await sendPush(h.gateway.url, request);

      expect(response.acked).toBe(true);
      expect((await h.stores.tickets.load())?.componentVerifyTicket).toBe(ticket);
    });

    it('accepts a body of exactly the 8 KiB cap', async () => {
      const { ticket, request } = freshTicketPush();
      // Whitespace between elements is legal, so padding keeps the push authentic while reaching the limit.
      const padding = ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(request.body));
      const body = request.body.replace('<xml>', `<xml>${padding}`);

      const response = await sendPush(h.gateway.url, { ...request, body });

      expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
      expect(response.acked).toBe(true);
      expect((await h.stores.tickets.load())?.componentVerifyTicket).toBe(ticket);
    });
  });

  describe('body cap', () => {
    it('is 8 KiB: the largest documented push, four times over, with its encryption and envelope', () => {
      expect(MAX_BODY_BYTES).toBe(8 * 1024);
    });

    it('accepts an authentic event carrying a decrypted message of the full budget the cap is sized for', async () => {
      const inner = eventXml('notify_third_fasteregister', h.clock.nowSec, { msg: 'OK' });
      const padded = inner.replace('OK', 'm'.repeat(MAX_PUSH_MESSAGE_BYTES - Buffer.byteLength(inner) + 2));
      const request = signPush(padded, h.clock.nowSec);

      const response = await sendPush(h.gateway.url, request);

      expect(Buffer.byteLength(padded)).toBe(MAX_PUSH_MESSAGE_BYTES);
      expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
      expect(response.acked).toBe(true);
    });
  });

  describe('forged and broken pushes', () => {
    it('rejects a forged msg_signature with 401 although the signature parameter is valid', async () => {
      const before = await storedState();

      const { result, output } = await withCapturedOutput(() =>
        h.sim.pushRaw({ xml: ticketXml(h.clock.nowSec, newTicket()), tamper: 'signature' }),
      );

      expect(result).toMatchObject({ status: 401, acked: false });
      expect(rejectionsIn(output)).toEqual([{ reason: 'SIGNATURE_MISMATCH', status: 401, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });

    it('rejects a forged msg_signature computed with another message token with 401', async () => {
      const before = await storedState();
      const { request } = freshTicketPush({
        keys: { appid: TEST_SECRETS.componentAppid, token: 'anotherMessageToken', encodingAesKey: TEST_SECRETS.encodingAesKey },
      });

      const response = await send(request);

      expect(response.status).toBe(401);
      expect(response.rejections).toEqual([{ reason: 'SIGNATURE_MISMATCH', status: 401, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });

    it('does not decrypt a push whose msg_signature is forged: signatures are checked first', async () => {
      // Undecryptable and forged at once: a receiver that decrypted first would answer 400 DECRYPTION_FAILED.
      const { request } = freshTicketPush({ tamper: 'ciphertext' });
      const signature = request.query.msg_signature ?? '';
      const forged = {
        ...request,
        query: { ...request.query, msg_signature: `${signature.startsWith('0') ? '1' : '0'}${signature.slice(1)}` },
      };

      const response = await send(forged);

      expect(response.status).toBe(401);
      expect(response.rejections).toEqual([{ reason: 'SIGNATURE_MISMATCH', status: 401, level: 'WARN' }]);
    });

    it('rejects an authentic push with corrupted padding with 400', async () => {
      const before = await storedState();

      const { result, output } = await withCapturedOutput(() =>
        h.sim.pushRaw({ xml: ticketXml(h.clock.nowSec, newTicket()), tamper: 'ciphertext' }),
      );

      expect(result).toMatchObject({ status: 400, acked: false });
      expect(rejectionsIn(output)).toEqual([{ reason: 'DECRYPTION_FAILED', status: 400, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });

    it('rejects an authentic push encrypted for another appid with 400', async () => {
      const before = await storedState();

      const { result, output } = await withCapturedOutput(() =>
        h.sim.pushRaw({ xml: ticketXml(h.clock.nowSec, newTicket()), tamper: 'appid' }),
      );

      expect(result).toMatchObject({ status: 400, acked: false });
      expect(rejectionsIn(output)).toEqual([{ reason: 'APPID_MISMATCH', status: 400, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });

    it('rejects a push whose outer AppId names another component with 400', async () => {
      const before = await storedState();
      const { request } = freshTicketPush();
      // Encrypt is untouched, so msg_signature still verifies: only the AppId check can refuse this.
      const body = request.body.replace(`<![CDATA[${TEST_SECRETS.componentAppid}]]>`, `<![CDATA[${FOREIGN_APPID}]]>`);

      const response = await send({ ...request, body });

      expect(body).toContain(FOREIGN_APPID);
      expect(response.status).toBe(400);
      expect(response.rejections).toEqual([{ reason: 'APPID_MISMATCH', status: 400, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });

    it('rejects a decrypted message whose inner AppId names another component with 400', async () => {
      const before = await storedState();
      const inner = ticketXml(h.clock.nowSec, newTicket()).replace(TEST_SECRETS.componentAppid, FOREIGN_APPID);
      const request = signPush(inner, h.clock.nowSec);

      const response = await send(request);

      expect(response.status).toBe(400);
      expect(response.rejections).toEqual([{ reason: 'APPID_MISMATCH', status: 400, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });

    it.each(['timestamp', 'nonce', 'msg_signature', 'encrypt_type'] as const)(
      'rejects an authentic push without the %s query parameter with 400',
      async (name) => {
        const before = await storedState();
        const { request } = freshTicketPush();
        const query = { ...request.query };
        delete query[name];

        const response = await send({ ...request, query });

        expect(response.status).toBe(400);
        expect(response.rejections).toEqual([{ reason: 'MISSING_FIELD', status: 400, level: 'WARN' }]);
        expect(await storedState()).toEqual(before);
      },
    );

    it('rejects an authentic push whose encrypt_type is not aes with 400', async () => {
      const { request } = freshTicketPush();

      const response = await send({ ...request, query: { ...request.query, encrypt_type: 'raw' } });

      expect(response.status).toBe(400);
      expect(response.rejections).toEqual([{ reason: 'MISSING_FIELD', status: 400, level: 'WARN' }]);
    });

    it('rejects a push without an Encrypt element with 400', async () => {
      const { request } = freshTicketPush();

      const response = await send({ ...request, body: `<xml><AppId><![CDATA[${TEST_SECRETS.componentAppid}]]></AppId></xml>` });

      expect(response.status).toBe(400);
      expect(response.rejections).toEqual([{ reason: 'MISSING_FIELD', status: 400, level: 'WARN' }]);
    });

    it.each([
      ['an empty body', () => ''],
      ['a truncated body', (body: string) => body.slice(0, body.length - 10)],
      ['a body that is not XML', () => '{"AppId":"wx1234567890abcdef"}'],
      ['a body with two roots', (body: string) => `${body}${body}`],
      [
        'a body with a repeated AppId',
        (body: string) => body.replace('<Encrypt>', `<AppId><![CDATA[${TEST_SECRETS.componentAppid}]]></AppId><Encrypt>`),
      ],
    ])('rejects %s with 400', async (_label, mangle) => {
      const before = await storedState();
      const { request } = freshTicketPush();

      const response = await send({ ...request, body: mangle(request.body) });

      expect(response.status).toBe(400);
      expect(response.rejections).toEqual([{ reason: 'XML_MALFORMED', status: 400, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });
  });

  describe('XML declarations', () => {
    const declarations = [
      ['an external entity (XXE)', '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'],
      [
        'billion laughs',
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
      ],
      ['a bare DOCTYPE', '<!DOCTYPE xml>'],
      ['a DOCTYPE written with whitespace and lower case', '<! doctype xml [<!entity e "x">]>'],
    ] as const;

    it.each(declarations)('rejects an outer body with %s with 400 and stores nothing', async (_label, declaration) => {
      const before = await storedState();
      // Authentically signed, so only the declaration check stands between this body and the store.
      const { request } = freshTicketPush();

      const response = await send({ ...request, body: `<?xml version="1.0"?>${declaration}${request.body}` });

      expect(response.status).toBe(400);
      expect(response.rejections).toEqual([{ reason: 'XML_FORBIDDEN_DECLARATION', status: 400, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });

    it.each(declarations)(
      'never interprets an authentic message whose decrypted XML carries %s: no ticket stored, kept sealed as unparsed',
      async (_label, declaration) => {
        const before = await storedState();
        const inner = `${declaration}${ticketXml(h.clock.nowSec, newTicket())}`;

        const { result, output } = await withCapturedOutput(() => h.sim.pushRaw({ xml: inner }));

        // Authentic, so refusing it would only make WeChat retry and give up; the declaration is still never processed.
        expect(result).toMatchObject({ status: 200, acked: true });
        expect(output.logs('push unparsed')).toEqual([expect.objectContaining({ reason: 'XML_FORBIDDEN_DECLARATION' })]);
        expect(await h.stores.tickets.loadCreateTime()).toBe(before.ticketCreateTime);
      },
    );
  });

  describe('oversize bodies', () => {
    const oversizeBody = (bytes: number) => {
      const head = `<xml><AppId><![CDATA[${TEST_SECRETS.componentAppid}]]></AppId><Encrypt><![CDATA[`;
      const tail = ']]></Encrypt></xml>';
      return `${head}${'A'.repeat(bytes - head.length - tail.length)}${tail}`;
    };

    it.each([
      ['one byte over the 8 KiB cap as text/xml', MAX_BODY_BYTES + 1, 'text/xml'],
      ['62 KB as text/xml', 62_000, 'text/xml'],
      ['200 KB as text/xml', 200_000, 'text/xml'],
      ['one byte over the 8 KiB cap base64-encoded', MAX_BODY_BYTES + 1, 'application/octet-stream'],
      ['200 KB base64-encoded', 200_000, 'application/octet-stream'],
    ])('rejects a body of %s with 413', async (_label, bytes, contentType) => {
      const before = await storedState();
      const { request } = freshTicketPush();
      const body = oversizeBody(bytes);

      const response = await send({ ...request, body }, { contentType });

      expect(Buffer.byteLength(body)).toBe(bytes);
      expect(response.status).toBe(413);
      // The handler's own limit, not the gateway's (1 MiB): the rejection is logged by the receiver.
      expect(response.rejections).toEqual([{ reason: 'BODY_TOO_LARGE', status: 413, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });

    it('accepts a body of exactly the 8 KiB cap base64-encoded', async () => {
      const { ticket, request } = freshTicketPush();
      const padding = ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(request.body));
      const body = request.body.replace('<xml>', `<xml>${padding}`);

      const response = await sendPush(h.gateway.url, { ...request, body }, { contentType: 'application/octet-stream' });

      expect(response.acked).toBe(true);
      expect((await h.stores.tickets.load())?.componentVerifyTicket).toBe(ticket);
    });
  });

  describe('timestamp window', () => {
    it.each([
      ['601 s old', -601],
      ['a day old', -86_400],
      ['601 s in the future', 601],
    ])('rejects an authentic push whose timestamp is %s with 401', async (_label, offsetSec) => {
      const before = await storedState();
      const { request } = freshTicketPush({ timestampSec: h.clock.nowSec + offsetSec });

      const response = await send(request);

      expect(response.status).toBe(401);
      expect(response.rejections).toEqual([{ reason: 'TIMESTAMP_OUT_OF_WINDOW', status: 401, level: 'WARN' }]);
      expect(await storedState()).toEqual(before);
    });
  });

  describe('methods', () => {
    it('answers GET on the push URL with 405', async () => {
      // The harness routes only POST (a GET never reaches the function there), so this gateway sends every method.
      const gateway = await startHttpGateway({
        routes: [{ routeKey: `ANY ${PUSH_PATH}`, functionName: 'push-receiver', handler: makePushReceiverHandler(h.pushDeps) }],
        now: h.clock.now,
      });
      try {
        const { request } = freshTicketPush();

        const response = await sendPush(gateway.url, request, { method: 'GET' });

        expect(response.status).toBe(405);
        expect(response.body).not.toBe('success');
      } finally {
        await gateway.close();
      }
    });
  });

  describe('logs', () => {
    it('logs every rejection with its reason and status and never a secret, ticket or ciphertext', async () => {
      const forged = freshTicketPush({ tamper: 'signature' });
      const undecryptable = freshTicketPush({ tamper: 'ciphertext' });
      const stale = freshTicketPush({ timestampSec: h.clock.nowSec - 3600 });
      const xxe = freshTicketPush();
      const storeFailure = freshTicketPush();
      const oversize = freshTicketPush();
      const requests = [forged, undecryptable, stale, xxe, storeFailure, oversize];
      h.aws.injectFault({ service: 'kms', operation: 'Encrypt', errorType: 'KMSInternalException', count: 10, httpStatus: 500 });

      const { result: statuses, output } = await withCapturedOutput(async () => {
        try {
          return [
            (await sendPush(h.gateway.url, forged.request)).status,
            (await sendPush(h.gateway.url, undecryptable.request)).status,
            (await sendPush(h.gateway.url, stale.request)).status,
            (
              await sendPush(h.gateway.url, {
                ...xxe.request,
                body: `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${xxe.request.body}`,
              })
            ).status,
            (await sendPush(h.gateway.url, storeFailure.request)).status,
            (await sendPush(h.gateway.url, { ...oversize.request, body: oversize.request.body.padEnd(MAX_BODY_BYTES + 1, ' ') })).status,
          ];
        } finally {
          h.aws.clearFaults();
        }
      });

      expect(statuses).toEqual([401, 400, 401, 400, 500, 413]);
      expect(rejectionsIn(output)).toEqual([
        { reason: 'SIGNATURE_MISMATCH', status: 401, level: 'WARN' },
        { reason: 'DECRYPTION_FAILED', status: 400, level: 'WARN' },
        { reason: 'TIMESTAMP_OUT_OF_WINDOW', status: 401, level: 'WARN' },
        { reason: 'XML_FORBIDDEN_DECLARATION', status: 400, level: 'WARN' },
        { reason: 'STORE_FAILED', status: 500, level: 'ERROR' },
        { reason: 'BODY_TOO_LARGE', status: 413, level: 'WARN' },
      ]);
      const forbidden = [
        TEST_SECRETS.appsecret,
        TEST_SECRETS.token,
        TEST_SECRETS.encodingAesKey,
        ...requests.flatMap(({ ticket, request }) => [
          ticket,
          Buffer.from(ticket).toString('base64'),
          encryptOf(request),
          request.query.msg_signature ?? '',
        ]),
      ];
      for (const value of forbidden) expect(output.text).not.toContain(value);
    });

    it('logs an accepted push without the ticket, the ciphertext or any secret', async () => {
      const { ticket, request } = freshTicketPush();

      const { result, output } = await withCapturedOutput(() => sendPush(h.gateway.url, request));

      expect(result.acked).toBe(true);
      expect(output.logs('push accepted')).toEqual([expect.objectContaining({ infoType: 'component_verify_ticket', outcome: 'stored' })]);
      for (const value of [TEST_SECRETS.appsecret, TEST_SECRETS.token, TEST_SECRETS.encodingAesKey, ticket, encryptOf(request)]) {
        expect(output.text).not.toContain(value);
      }
    });
  });
});
