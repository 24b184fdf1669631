import { describe, expect, it, vi } from 'vitest';
import WXBizMsgCrypt from 'wechat-crypto';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { createMessageCrypto, type WechatMessageCrypto } from '../../../shared/wechat/msg-crypto';
import {
  type ComponentPush,
  type OpenPushInput,
  openPushMessage,
  parseComponentPush,
  readComponentPush,
  requireCreateTimeNotAhead,
} from '../../../shared/wechat/push-message';
import { parseWechatXml } from '../../../shared/wechat/xml';
import { catchError } from '../../support/catch-error';

// The real parser, wrapped in a spy, so tests can prove it did not run on a body whose signature is forged.
vi.mock('../../../shared/wechat/xml', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../shared/wechat/xml')>();
  return { ...actual, parseWechatXml: vi.fn(actual.parseWechatXml) };
});

const TOKEN = 'push-token';
const ENCODING_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const COMPONENT_APPID = 'wx1234567890abcdef';
const NOW_SEC = 1_700_000_000;
const TICKET = 'ticket@@@0012AbCd';

const TICKET_MESSAGE =
  `<xml><AppId>${COMPONENT_APPID}</AppId><CreateTime>${NOW_SEC}</CreateTime>` +
  `<InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>${TICKET}</ComponentVerifyTicket></xml>`;

/** Builds a push as WeChat would, with wechat-crypto so our own signing and encryption are not used on both sides. */
function buildPush(options: { message?: string; trailerAppid?: string; outerAppid?: string; timestamp?: string; token?: string } = {}) {
  const wechat = new WXBizMsgCrypt(options.token ?? TOKEN, ENCODING_AES_KEY, options.trailerAppid ?? COMPONENT_APPID);
  const encrypt = wechat.encrypt(options.message ?? TICKET_MESSAGE);
  const timestamp = options.timestamp ?? String(NOW_SEC);
  const nonce = '1320562132';
  const body = `<xml><AppId><![CDATA[${options.outerAppid ?? COMPONENT_APPID}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
  const query = {
    signature: 'ignored',
    timestamp,
    nonce,
    encrypt_type: 'aes',
    msg_signature: wechat.getSignature(timestamp, nonce, encrypt),
  };
  return { query, body };
}

/** Real crypto wrapped in a spy, so tests can prove whether decrypt ran. */
function spyCrypto(): WechatMessageCrypto & { decrypt: ReturnType<typeof vi.fn> } {
  const real = createMessageCrypto({ encodingAesKey: ENCODING_AES_KEY, appid: COMPONENT_APPID });
  return { encrypt: real.encrypt, decrypt: vi.fn((text: string) => real.decrypt(text)) };
}

function openInput(push: { query: OpenPushInput['query']; body: string }, crypto = spyCrypto()): OpenPushInput {
  return { ...push, token: TOKEN, crypto, componentAppid: COMPONENT_APPID, nowSec: NOW_SEC, maxSkewSec: 300 };
}

describe('openPushMessage', () => {
  it('verifies and decrypts a component_verify_ticket push to its message text', () => {
    const input = openInput(buildPush());

    const message = openPushMessage(input);

    expect(message).toBe(TICKET_MESSAGE);
  });

  it('a push with a bad signature is not decrypted', () => {
    const crypto = spyCrypto();
    const input = openInput(buildPush({ token: 'attacker-guess' }), crypto);

    const err = catchError(() => openPushMessage(input));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'SIGNATURE_MISMATCH' });
    expect(crypto.decrypt).not.toHaveBeenCalled();
  });

  it.each([
    ['a genuine envelope', (body: string) => body],
    ['a body padded with 6 KB of whitespace', (body: string) => body.replace('<xml>', `<xml>${' '.repeat(6000)}`)],
    [
      'a body with extra flat elements and a comment',
      (body: string) => body.replace('<xml>', `<xml><!-- x --><A>1</A><B><![CDATA[2]]></B>`),
    ],
  ])('does not run the full XML parser on %s whose msg_signature is forged', (_label, mangle) => {
    const push = buildPush({ token: 'attacker-guess' });
    vi.mocked(parseWechatXml).mockClear();

    const err = catchError(() => openPushMessage(openInput({ ...push, body: mangle(push.body) })));

    expect(err).toMatchObject({ code: 'SIGNATURE_MISMATCH' });
    expect(parseWechatXml).not.toHaveBeenCalled();
  });

  it('runs the full XML checks once the signature passed, and still refuses what they refuse', () => {
    const push = buildPush();
    // Repeated elements that the envelope scan skips (it reads AppId and Encrypt only): the full parser refuses them.
    const body = push.body.replace('<xml>', '<xml><ToUserName>a</ToUserName><ToUserName>b</ToUserName>');
    const crypto = spyCrypto();

    const err = catchError(() => openPushMessage(openInput({ ...push, body }, crypto)));

    expect(err).toMatchObject({ code: 'XML_MALFORMED' });
    expect(crypto.decrypt).not.toHaveBeenCalled();
  });

  it('a push outside the timestamp window is not decrypted', () => {
    const crypto = spyCrypto();
    const input = openInput(buildPush({ timestamp: String(NOW_SEC - 3600) }), crypto);

    const err = catchError(() => openPushMessage(input));

    expect(err).toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW' });
    expect(crypto.decrypt).not.toHaveBeenCalled();
  });

  it('an oversize body is refused before it is parsed', () => {
    const crypto = spyCrypto();
    // Also carries a DOCTYPE and is not well-formed: only a size check that runs first reports BODY_TOO_LARGE.
    const body = `<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>${'A'.repeat(2000)}</Encrypt>`;
    const input = { ...openInput({ ...buildPush(), body }, crypto), maxBodyBytes: 1024 };

    const err = catchError(() => openPushMessage(input));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect(crypto.decrypt).not.toHaveBeenCalled();
  });

  it('rejects an outer body with a DOCTYPE', () => {
    const push = buildPush();
    const body = `<!DOCTYPE xml>${push.body}`;

    const err = catchError(() => openPushMessage(openInput({ ...push, body })));

    expect(err).toMatchObject({ code: 'XML_FORBIDDEN_DECLARATION' });
  });

  it.each(['timestamp', 'nonce', 'msg_signature', 'encrypt_type'] as const)('rejects a push without the %s query parameter', (name) => {
    const push = buildPush();
    const query = { ...push.query, [name]: undefined };
    const crypto = spyCrypto();

    const err = catchError(() => openPushMessage(openInput({ ...push, query }, crypto)));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'MISSING_FIELD' });
    expect(crypto.decrypt).not.toHaveBeenCalled();
  });

  it('rejects a plain-text mode push (encrypt_type other than aes)', () => {
    const push = buildPush();

    const err = catchError(() => openPushMessage(openInput({ ...push, query: { ...push.query, encrypt_type: 'raw' } })));

    expect(err).toMatchObject({ code: 'MISSING_FIELD' });
  });

  it.each([
    ['Encrypt', `<xml><AppId>${COMPONENT_APPID}</AppId></xml>`],
    ['AppId', '<xml><Encrypt>abcd</Encrypt></xml>'],
  ])('rejects an outer body without %s', (_field, body) => {
    const push = buildPush();

    const err = catchError(() => openPushMessage(openInput({ ...push, body })));

    expect(err).toMatchObject({ code: 'MISSING_FIELD' });
  });

  it('rejects a push addressed to another component before checking its signature', () => {
    const crypto = spyCrypto();
    const input = openInput(buildPush({ outerAppid: 'wxffffffffffffffff', token: 'attacker-guess' }), crypto);

    const err = catchError(() => openPushMessage(input));

    expect(err).toMatchObject({ code: 'APPID_MISMATCH' });
    expect(crypto.decrypt).not.toHaveBeenCalled();
  });

  it('rejects a ciphertext encrypted for another appid', () => {
    const input = openInput(buildPush({ trailerAppid: 'wxffffffffffffffff' }));

    const err = catchError(() => openPushMessage(input));

    expect(err).toMatchObject({ code: 'APPID_MISMATCH' });
  });
});

describe('readComponentPush', () => {
  const read = (plaintext: string, nowSec = NOW_SEC) =>
    readComponentPush(plaintext, { componentAppid: COMPONENT_APPID, nowSec, maxSkewSec: 600 });

  it('reads a ticket message into a typed push and its fields', () => {
    const reading = read(TICKET_MESSAGE);

    expect(reading).toEqual({
      kind: 'parsed',
      push: { infoType: 'component_verify_ticket', appid: COMPONENT_APPID, createTime: NOW_SEC, componentVerifyTicket: TICKET },
      fields: { AppId: COMPONENT_APPID, CreateTime: String(NOW_SEC), InfoType: 'component_verify_ticket', ComponentVerifyTicket: TICKET },
    });
  });

  it.each([
    ['nested deeper than WeChat ever nests', `<xml><AppId>${COMPONENT_APPID}</AppId><A><B><C><D>1</D></C></B></A></xml>`, 'XML_MALFORMED'],
    [
      'with a repeated element',
      TICKET_MESSAGE.replace('</xml>', `<ComponentVerifyTicket>again</ComponentVerifyTicket></xml>`),
      'XML_MALFORMED',
    ],
    ['that is not well-formed', '<xml><AppId>wx</AppId>', 'XML_MALFORMED'],
    ['with a DOCTYPE', `<!DOCTYPE x>${TICKET_MESSAGE}`, 'XML_FORBIDDEN_DECLARATION'],
    ['without InfoType', `<xml><AppId>${COMPONENT_APPID}</AppId><CreateTime>${NOW_SEC}</CreateTime></xml>`, 'MISSING_FIELD'],
    [
      'without AppId',
      `<xml><CreateTime>${NOW_SEC}</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wxa</AuthorizerAppid></xml>`,
      'MISSING_FIELD',
    ],
    ['with an unreadable CreateTime', TICKET_MESSAGE.replace(String(NOW_SEC), 'soon'), 'XML_MALFORMED'],
  ])('reports a decrypted message %s as unparsed with the reason instead of throwing', (_label, plaintext, reason) => {
    expect(read(plaintext)).toEqual({ kind: 'unparsed', reason });
  });

  it('rejects a decrypted message whose AppId is another component', () => {
    const err = catchError(() => read(TICKET_MESSAGE.replace(`<AppId>${COMPONENT_APPID}`, '<AppId>wxffffffffffffffff')));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'APPID_MISMATCH' });
  });

  it('checks a readable AppId before reporting missing fields: another component is refused, not kept', () => {
    const err = catchError(() => read(`<xml><AppId>wxffffffffffffffff</AppId><CreateTime>${NOW_SEC}</CreateTime></xml>`));

    expect(err).toMatchObject({ code: 'APPID_MISMATCH' });
  });

  it('rejects a parsed push whose CreateTime is beyond the skew window ahead of the clock', () => {
    const err = catchError(() => read(TICKET_MESSAGE, NOW_SEC - 601));

    expect(err).toMatchObject({ code: 'CREATE_TIME_IN_FUTURE' });
  });
});

describe('parseComponentPush', () => {
  const base = { AppId: COMPONENT_APPID, CreateTime: '1413192605' };

  it('reads a component_verify_ticket push without altering the ticket', () => {
    const message = parseWechatXml(TICKET_MESSAGE);

    const push = parseComponentPush(message);

    expect(push).toEqual({
      infoType: 'component_verify_ticket',
      appid: COMPONENT_APPID,
      createTime: NOW_SEC,
      componentVerifyTicket: TICKET,
    });
  });

  it.each(['authorized', 'updateauthorized'] as const)('reads an %s push with every field', (infoType) => {
    const message = {
      ...base,
      InfoType: infoType,
      AuthorizerAppid: 'wxauthorizer0000001',
      AuthorizationCode: 'queryauthcode@@@abc',
      AuthorizationCodeExpiredTime: '1413196205',
      PreAuthCode: 'preauthcode@@@xyz',
    };

    const push = parseComponentPush(message);

    expect(push).toEqual({
      infoType,
      appid: COMPONENT_APPID,
      createTime: 1413192605,
      authorizerAppid: 'wxauthorizer0000001',
      authorizationCode: 'queryauthcode@@@abc',
      authorizationCodeExpiredTime: 1413196205,
      preAuthCode: 'preauthcode@@@xyz',
    });
  });

  it('reads an authorized push without the optional expiry and pre-auth code as nulls', () => {
    const message = { ...base, InfoType: 'authorized', AuthorizerAppid: 'wxa', AuthorizationCode: 'code' };

    const push = parseComponentPush(message);

    expect(push).toMatchObject({ authorizationCodeExpiredTime: null, preAuthCode: null });
  });

  it('reads an unauthorized push', () => {
    const message = { ...base, InfoType: 'unauthorized', AuthorizerAppid: 'wxa' };

    const push = parseComponentPush(message);

    expect(push).toEqual({ infoType: 'unauthorized', appid: COMPONENT_APPID, createTime: 1413192605, authorizerAppid: 'wxa' });
  });

  it.each([
    [{ ...base, InfoType: 'notify_third_fasteregister' }, null],
    [{ ...base, InfoType: 'notify_third_fasteregister', AuthorizerAppid: 'wxa' }, 'wxa'],
  ])('reads an unknown InfoType as unknown instead of failing (%#)', (message, authorizerAppid) => {
    const push = parseComponentPush(message);

    expect(push).toEqual({
      infoType: 'unknown',
      rawInfoType: 'notify_third_fasteregister',
      appid: COMPONENT_APPID,
      createTime: 1413192605,
      authorizerAppid,
    });
  });

  it.each([
    ['AppId', { CreateTime: '1', InfoType: 'unauthorized', AuthorizerAppid: 'wxa' }],
    ['CreateTime', { AppId: 'wx', InfoType: 'unauthorized', AuthorizerAppid: 'wxa' }],
    ['InfoType', { ...base }],
    ['an empty InfoType', { ...base, InfoType: '' }],
    ['ComponentVerifyTicket', { ...base, InfoType: 'component_verify_ticket' }],
    ['AuthorizerAppid (authorized)', { ...base, InfoType: 'authorized', AuthorizationCode: 'code' }],
    ['AuthorizationCode', { ...base, InfoType: 'updateauthorized', AuthorizerAppid: 'wxa' }],
    ['AuthorizerAppid (unauthorized)', { ...base, InfoType: 'unauthorized' }],
  ])('rejects a push missing %s', (_label, message) => {
    const err = catchError(() => parseComponentPush(message));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'MISSING_FIELD' });
  });

  it.each(['0', '-1', '12.5', '1e9', 'abc', '0012', ' 1'])('rejects a CreateTime of %j as malformed', (createTime) => {
    const message = { ...base, CreateTime: createTime, InfoType: 'unauthorized', AuthorizerAppid: 'wxa' };

    const err = catchError(() => parseComponentPush(message));

    expect(err).toMatchObject({ code: 'XML_MALFORMED' });
  });

  it('rejects an authorized push whose AuthorizationCodeExpiredTime is not unix seconds', () => {
    const message = {
      ...base,
      InfoType: 'authorized',
      AuthorizerAppid: 'wxa',
      AuthorizationCode: 'c',
      AuthorizationCodeExpiredTime: 'soon',
    };

    const err = catchError(() => parseComponentPush(message));

    expect(err).toMatchObject({ code: 'XML_MALFORMED' });
  });

  it('does not read inherited properties as fields', () => {
    const message = Object.create({ InfoType: 'component_verify_ticket', ComponentVerifyTicket: 't' }) as Record<string, string>;
    Object.assign(message, base);

    const err = catchError(() => parseComponentPush(message));

    expect(err).toMatchObject({ code: 'MISSING_FIELD' });
  });
});

describe('requireCreateTimeNotAhead', () => {
  const pushAt = (createTime: number): ComponentPush => ({
    infoType: 'unauthorized',
    appid: COMPONENT_APPID,
    createTime,
    authorizerAppid: 'wxa',
  });

  it.each([
    ['in the past', NOW_SEC - 86_400],
    ['now', NOW_SEC],
    ['exactly the skew ahead', NOW_SEC + 600],
  ])('accepts a CreateTime %s', (_label, createTime) => {
    expect(() => requireCreateTimeNotAhead(pushAt(createTime), NOW_SEC, 600)).not.toThrow();
  });

  it.each([
    ['one second beyond the skew', NOW_SEC + 601],
    ['a year ahead', NOW_SEC + 365 * 86_400],
  ])('rejects a CreateTime %s', (_label, createTime) => {
    const err = catchError(() => requireCreateTimeNotAhead(pushAt(createTime), NOW_SEC, 600));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'CREATE_TIME_IN_FUTURE' });
  });
});
