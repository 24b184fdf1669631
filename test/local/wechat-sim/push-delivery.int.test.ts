import { createDecipheriv } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPushSignatures, closeTestReceivers, openPush, startTestReceiver, xmlField } from './push-receiver-stub';
import { CANARY, closeTestSims, fakeClock, NOON_BEIJING_MS, postJson, startTestSim } from './sim-harness';

afterEach(async () => {
  await closeTestSims();
  await closeTestReceivers();
});

describe('ticket pushes', () => {
  it('delivers a ticket signed with signature and msg_signature that wechat-crypto decrypts', async () => {
    const clock = fakeClock();
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url, now: clock.now });

    const result = await sim.pushTicketNow();

    expect(result).toEqual({ status: 200, body: 'success', acked: true });
    expect(rx.pushes).toHaveLength(1);
    const push = rx.pushes[0]!;
    const opened = openPush(push);
    expect(opened.msgSignatureMatches).toBe(true);
    expect(opened.signatureMatches).toBe(true);
    expect(opened.outerAppid).toBe(CANARY.componentAppid);
    expect(opened.trailerAppid).toBe(CANARY.componentAppid);
    expect(push.query.get('encrypt_type')).toBe('aes');
    expect(push.query.get('timestamp')).toBe(String(NOON_BEIJING_MS / 1000));
    expect(push.query.get('nonce')).toMatch(/^\d+$/);
    expect(push.contentType).toBe('text/xml');
  });

  it('carries AppId, CreateTime on the sim clock, InfoType and the ticket the sim reports as latest', async () => {
    const clock = fakeClock();
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url, now: clock.now });

    await sim.pushTicketNow();

    const inner = openPush(rx.pushes[0]!).innerXml;
    expect(xmlField(inner, 'AppId')).toBe(CANARY.componentAppid);
    expect(xmlField(inner, 'CreateTime')).toBe(String(NOON_BEIJING_MS / 1000));
    expect(xmlField(inner, 'InfoType')).toBe('component_verify_ticket');
    const ticket = xmlField(inner, 'ComponentVerifyTicket');
    expect(ticket).toMatch(/^ticket@@@[A-Za-z0-9_-]{40,}$/);
    expect(sim.latestTicket()).toEqual({ ticket, createTime: NOON_BEIJING_MS / 1000 });
  });

  it('issues a different ticket on every push', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    await sim.pushTicketNow();
    await sim.pushTicketNow();

    const tickets = rx.pushes.map((p) => xmlField(openPush(p).innerXml, 'ComponentVerifyTicket'));
    expect(new Set(tickets).size).toBe(2);
  });

  it('counts a push as acked only for HTTP 200 with a body of exactly success', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    const replies = [
      { reply: { status: 200, body: 'success' }, acked: true },
      { reply: { status: 200, body: 'success\n' }, acked: false },
      { reply: { status: 200, body: 'SUCCESS' }, acked: false },
      { reply: { status: 200, body: '' }, acked: false },
      { reply: { status: 500, body: 'success' }, acked: false },
    ];

    for (const { reply, acked } of replies) {
      rx.setReply(reply);

      const result = await sim.pushTicketNow();

      expect(result.acked).toBe(acked);
      expect(result.status).toBe(reply.status);
      expect(result.body).toBe(reply.body);
    }
  });

  it('still issues the ticket but sends nothing when no pushUrl is configured', async () => {
    const sim = await startTestSim();

    const result = await sim.pushTicketNow();

    expect(result).toMatchObject({ status: null, acked: false, error: 'no pushUrl configured' });
    expect(sim.latestTicket()).not.toBeNull();
    expect(sim.stats().pushes.sent).toBe(0);
  });

  it('reports a receiver that refuses connections as a failed push without throwing', async () => {
    const rx = await startTestReceiver();
    const deadUrl = rx.url;
    await rx.close();
    const sim = await startTestSim({ pushUrl: deadUrl });

    const result = await sim.pushTicketNow();

    expect(result.status).toBeNull();
    expect(result.acked).toBe(false);
    expect(result.error).toMatch(/ECONNREFUSED/);
    expect(sim.stats().pushes).toMatchObject({ sent: 1, failed: 1, acked: 0 });
  });
});

describe('automatic pushes', () => {
  it('pushes once at start and then every ticketIntervalSec on the wall clock', async () => {
    const rx = await startTestReceiver();

    const sim = await startTestSim({ pushUrl: rx.url, autoPush: true, ticketIntervalSec: 0.05 });
    await expect.poll(() => rx.pushes.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    await sim.close();

    expect(sim.stats().ticketsIssued).toBeGreaterThanOrEqual(3);
  });

  it('pushes once at start and never again when ticketIntervalSec is 0', async () => {
    const rx = await startTestReceiver();

    const sim = await startTestSim({ pushUrl: rx.url, autoPush: true, ticketIntervalSec: 0 });
    await sim.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(rx.pushes).toHaveLength(1);
  });

  it('pushes nothing on its own when autoPush is false', async () => {
    const rx = await startTestReceiver();

    const sim = await startTestSim({ pushUrl: rx.url, autoPush: false, ticketIntervalSec: 0.02 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sim.whenIdle();

    expect(rx.pushes).toHaveLength(0);
    expect(sim.latestTicket()).toBeNull();
  });
});

describe('api_start_push_ticket', () => {
  it('answers ok and pushes a fresh ticket that whenIdle waits for', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    const { json } = await postJson(`${sim.url}/cgi-bin/component/api_start_push_ticket`, {
      component_appid: CANARY.componentAppid,
      component_secret: CANARY.componentAppsecret,
    });
    await sim.whenIdle();

    expect(json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(rx.pushes).toHaveLength(1);
    const ticket = xmlField(openPush(rx.pushes[0]!).innerXml, 'ComponentVerifyTicket');
    expect(sim.latestTicket()?.ticket).toBe(ticket);
  });

  it('rejects bad credentials with the same errcodes as api_component_token and pushes nothing', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    const cases = [
      { body: '{not json', errcode: 47001 },
      { body: { component_appid: 'wx0000000000000bad', component_secret: CANARY.componentAppsecret }, errcode: 61011 },
      { body: { component_appid: CANARY.componentAppid }, errcode: 41004 },
      { body: { component_appid: CANARY.componentAppid, component_secret: 'wrong' }, errcode: 40125 },
      // The start-push API names the field component_secret; component_appsecret does not count.
      { body: { component_appid: CANARY.componentAppid, component_appsecret: CANARY.componentAppsecret }, errcode: 41004 },
    ];

    for (const { body, errcode } of cases) {
      const { status, json } = await postJson(`${sim.url}/cgi-bin/component/api_start_push_ticket`, body);

      expect(status).toBe(200);
      expect(json.errcode).toBe(errcode);
    }
    await sim.whenIdle();
    expect(rx.pushes).toHaveLength(0);
    expect(sim.latestTicket()).toBeNull();
  });
});

describe('authorization event pushes', () => {
  it('pushes authorized with AuthorizerAppid, AuthorizationCode, AuthorizationCodeExpiredTime and PreAuthCode', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    const result = await sim.pushEvent({
      infoType: 'authorized',
      createTime: 1_700_000_000,
      fields: { AuthorizerAppid: 'wxaaaaaaaaaaaaaaaa' },
    });

    expect(result.acked).toBe(true);
    const opened = openPush(rx.pushes[0]!);
    expect(opened.msgSignatureMatches).toBe(true);
    const inner = opened.innerXml;
    expect(xmlField(inner, 'InfoType')).toBe('authorized');
    expect(xmlField(inner, 'CreateTime')).toBe('1700000000');
    expect(xmlField(inner, 'AuthorizerAppid')).toBe('wxaaaaaaaaaaaaaaaa');
    expect(xmlField(inner, 'AuthorizationCode')).toMatch(/^queryauthcode@@@/);
    expect(xmlField(inner, 'AuthorizationCodeExpiredTime')).toBe('1700003600');
    expect(xmlField(inner, 'PreAuthCode')).toMatch(/^preauthcode@@@/);
  });

  it('pushes unauthorized with AuthorizerAppid only, CreateTime defaulting to the sim clock', async () => {
    const clock = fakeClock();
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url, now: clock.now });

    await sim.pushEvent({ infoType: 'unauthorized' });

    const inner = openPush(rx.pushes[0]!).innerXml;
    expect(xmlField(inner, 'AuthorizerAppid')).toMatch(/^wx[0-9a-f]{16}$/);
    expect(xmlField(inner, 'CreateTime')).toBe(String(NOON_BEIJING_MS / 1000));
    expect(xmlField(inner, 'AuthorizationCode')).toBeUndefined();
  });

  it('pushes an unknown InfoType with exactly the fields given', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    await sim.pushEvent({ infoType: 'notify_third_fasteregister', fields: { status: '0', msg: 'OK ]]> done' } });

    const inner = openPush(rx.pushes[0]!).innerXml;
    expect(xmlField(inner, 'InfoType')).toBe('notify_third_fasteregister');
    expect(xmlField(inner, 'status')).toBe('0');
    expect(inner).toContain('<msg><![CDATA[OK ]]]]><![CDATA[> done]]></msg>');
  });

  it('throws for a field name that is not an XML element name', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    await expect(sim.pushEvent({ infoType: 'authorized', fields: { 'bad name': 'x' } })).rejects.toThrow(RangeError);
    expect(rx.pushes).toHaveLength(0);
  });
});

describe('pushRaw', () => {
  const innerXml = '<xml><AppId><![CDATA[wx1234567890abcdef]]></AppId><CreateTime>1</CreateTime><InfoType><![CDATA[x]]></InfoType></xml>';

  it('sends the given inner XML, correctly signed and encrypted, when not tampered', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    await sim.pushRaw({ xml: innerXml });

    const opened = openPush(rx.pushes[0]!);
    expect(opened.msgSignatureMatches).toBe(true);
    expect(opened.innerXml).toBe(innerXml);
    expect(opened.trailerAppid).toBe(CANARY.componentAppid);
  });

  it('with tamper signature spoils msg_signature but keeps the plain signature valid', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    await sim.pushRaw({ xml: innerXml, tamper: 'signature' });

    const opened = openPush(rx.pushes[0]!);
    expect(opened.msgSignatureMatches).toBe(false);
    expect(opened.signatureMatches).toBe(true);
  });

  it('with tamper ciphertext signs a ciphertext whose padding byte is out of range', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    await sim.pushRaw({ xml: innerXml, tamper: 'ciphertext' });

    const push = rx.pushes[0]!;
    const encrypt = xmlField(push.body, 'Encrypt') ?? '';
    const key = Buffer.from(`${CANARY.encodingAesKey}=`, 'base64');
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
    const padValue = padded[padded.length - 1] ?? 0;
    expect(padValue < 1 || padValue > 32).toBe(true);
    expect(checkPushSignatures(push).msgSignatureMatches).toBe(true);
  });

  it('with tamper appid encrypts for another appid while the outer AppId stays ours', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    await sim.pushRaw({ xml: innerXml, tamper: 'appid' });

    const opened = openPush(rx.pushes[0]!);
    expect(opened.msgSignatureMatches).toBe(true);
    expect(opened.outerAppid).toBe(CANARY.componentAppid);
    expect(opened.trailerAppid).not.toBe(CANARY.componentAppid);
    expect(opened.innerXml).toBe(innerXml);
  });
});

describe('close', () => {
  it('aborts a push the receiver never answers instead of waiting for the timeout', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const sim = await startTestSim({ pushUrl: `http://127.0.0.1:${port}/push` });

    const pending = sim.pushTicketNow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await sim.close();
    const result = await pending;

    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toMatchObject({ status: null, acked: false });
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});
