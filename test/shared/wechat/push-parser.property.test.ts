/**
 * Property-based tests of everything that reads a push body or message (fast-check): whatever the input, it either
 * returns or throws a typed WechatMessageError; never a TypeError, a RangeError or a parser's own exception, which the
 * receiver would answer with 500 (and WeChat would retry forever). A failure prints the seed and the path of the shrunk
 * counterexample; rerun with both to reproduce it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeMsgSignature, encryptMessage } from '../../../local/wechat-sim/sim-crypto';
import { scanPushEnvelope } from '../../../shared/wechat/envelope-scan';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { createMessageCrypto } from '../../../shared/wechat/msg-crypto';
import { openComponentPush, openPushMessage, parseComponentPush } from '../../../shared/wechat/push-message';
import { parseWechatXml } from '../../../shared/wechat/xml';

const SEED = 20261130;
const NUM_RUNS = 10_000;
// 10,000 runs of a property take up to about 1.5 s here: a bound of its own, above the unit project's 5 s, that a
// loaded machine stays well inside and a property that stops terminating still hits.
const PROPERTY_TIMEOUT_MS = 20_000;

const TOKEN = 'propertyTestToken';
const APPID = 'wx1234567890abcdef';
const ENCODING_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const NOW_SEC = 1_764_000_000;
const crypto = createMessageCrypto({ encodingAesKey: ENCODING_AES_KEY, appid: APPID });

const NAMES = [
  'xml',
  'AppId',
  'Encrypt',
  'CreateTime',
  'InfoType',
  'ComponentVerifyTicket',
  'AuthorizerAppid',
  'AuthorizationCode',
  'info',
  'a',
  '__proto__',
  'constructor',
  'toString',
  'x:y',
  '名',
];
const FRAGMENTS = [
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<!DOCTYPE x>',
  '<!ENTITY e "v">',
  '<?xml version="1.0"?>',
  '<?php ?>',
  '&amp;',
  '&lt;',
  '&#x41;',
  '&#0;',
  '&#x110000;',
  '&#99999999;',
  '&nope;',
  '&',
  '<',
  '>',
  '/>',
  '</',
  ' ',
  '\n',
  '"',
  "'",
  '=',
  ' a="1"',
  '\uFEFF',
  '\u0000',
  String(NOW_SEC),
  '0012',
  'component_verify_ticket',
  'authorized',
  'unauthorized',
  APPID,
  'wxffffffffffffffff',
];
const name = fc.constantFrom(...NAMES);
const token = fc.oneof(
  name.map((n) => `<${n}>`),
  name.map((n) => `</${n}>`),
  name.map((n) => `<${n}/>`),
  fc.constantFrom(...FRAGMENTS),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
/** Strings made of XML pieces, mostly malformed, some well-formed, often inside an <xml> root. */
const xmlish = fc.oneof(
  fc.array(token, { maxLength: 40 }).map((tokens) => tokens.join('')),
  fc.array(token, { maxLength: 40 }).map((tokens) => `<xml>${tokens.join('')}</xml>`),
);
/** Well-formed pushes with a field dropped, repeated, nested or changed: what an authentic but odd push looks like. */
const pushShaped = fc
  .record({
    fields: fc.array(fc.tuple(name, fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'grapheme', maxLength: 12 }))), {
      maxLength: 8,
    }),
    nested: fc.array(name, { maxLength: 5 }),
    createTime: fc.oneof(fc.constant(String(NOW_SEC)), fc.constant(String(NOW_SEC + 10_000)), fc.string({ maxLength: 14 })),
    infoType: fc.constantFrom(
      'component_verify_ticket',
      'authorized',
      'updateauthorized',
      'unauthorized',
      'notify_third_fasteregister',
      '',
    ),
  })
  .map(({ fields, nested, createTime, infoType }) => {
    const body = fields.map(([n, v]) => `<${n}><![CDATA[${v.replaceAll(']]>', '')}]]></${n}>`).join('');
    const deep = `${nested.map((n) => `<${n}>`).join('')}1${[...nested]
      .reverse()
      .map((n) => `</${n}>`)
      .join('')}`;
    return `<xml><AppId>${APPID}</AppId><CreateTime>${createTime}</CreateTime><InfoType>${infoType}</InfoType>${body}${deep}</xml>`;
  });
const anyText = fc.string({ unit: 'binary', maxLength: 300 });

/** Runs `fn`; true when it returned or threw a WechatMessageError (and, if given, one of `codes`), false otherwise. */
function returnsOrThrowsTyped(fn: () => unknown, codes?: readonly string[]): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    return err instanceof WechatMessageError && (codes === undefined || codes.includes(err.code));
  }
}

const run = (property: fc.IProperty<[unknown, ...unknown[]]>) =>
  fc.assert(property as fc.IProperty<unknown[]>, { seed: SEED, numRuns: NUM_RUNS });

describe(`push parsing, property-based (fast-check seed ${SEED}, ${NUM_RUNS} runs each)`, () => {
  it.each([
    ['arbitrary strings', anyText],
    ['XML-ish strings', xmlish],
  ])('parseWechatXml returns a map of strings or throws a WechatMessageError for %s', { timeout: PROPERTY_TIMEOUT_MS }, (_label, input) => {
    run(
      fc.property(input, (xml) =>
        returnsOrThrowsTyped(() => {
          const fields = parseWechatXml(xml);
          if (Object.values(fields).some((value) => typeof value !== 'string')) throw new TypeError('a field is not a string');
        }),
      ),
    );
  });

  it.each([
    ['arbitrary strings', anyText],
    ['XML-ish strings', xmlish],
  ])('scanPushEnvelope returns or throws a WechatMessageError for %s', { timeout: PROPERTY_TIMEOUT_MS }, (_label, input) => {
    run(fc.property(input, (body) => returnsOrThrowsTyped(() => scanPushEnvelope(body))));
  });

  it('openPushMessage throws only WechatMessageErrors for arbitrary bodies and query strings', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const queryValue = fc.option(fc.oneof(fc.string({ maxLength: 50 }), fc.constant('aes'), fc.constant(String(NOW_SEC))), {
      nil: undefined,
    });
    const query = fc.record({ timestamp: queryValue, nonce: queryValue, msg_signature: queryValue, encrypt_type: queryValue });
    const body = fc.oneof(
      anyText,
      xmlish,
      xmlish.map((inner) => `<xml><AppId>${APPID}</AppId><Encrypt>${inner}</Encrypt></xml>`),
    );

    run(
      fc.property(query, body, (q, b) =>
        returnsOrThrowsTyped(() =>
          openPushMessage({ query: q, body: b, token: TOKEN, crypto, componentAppid: APPID, nowSec: NOW_SEC, maxSkewSec: 600 }),
        ),
      ),
    );
  });

  it('reads any authentic push as parsed or unparsed: only a foreign AppId or a future CreateTime is refused', {
    timeout: PROPERTY_TIMEOUT_MS,
  }, () => {
    run(
      fc.property(fc.oneof(xmlish, pushShaped, anyText), fc.stringMatching(/^[0-9]{1,10}$/), (inner, nonce) => {
        const encrypt = encryptMessage({ encodingAesKey: ENCODING_AES_KEY, appid: APPID, xml: inner });
        const timestamp = String(NOW_SEC);
        const query = { timestamp, nonce, encrypt_type: 'aes', msg_signature: computeMsgSignature(TOKEN, timestamp, nonce, encrypt) };
        const body = `<xml><AppId><![CDATA[${APPID}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;

        return returnsOrThrowsTyped(
          () => openComponentPush({ query, body, token: TOKEN, crypto, componentAppid: APPID, nowSec: NOW_SEC, maxSkewSec: 600 }),
          ['APPID_MISMATCH', 'CREATE_TIME_IN_FUTURE'],
        );
      }),
    );
  });

  it('parseComponentPush returns a typed push or throws a WechatMessageError for any string map', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const key = fc.oneof(
      name,
      fc.constantFrom('ComponentVerifyTicket', 'AuthorizationCodeExpiredTime', 'PreAuthCode', 'hasOwnProperty'),
      fc.string({ maxLength: 10 }),
    );
    const value = fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 20 }));

    run(fc.property(fc.dictionary(key, value, { maxKeys: 10 }), (message) => returnsOrThrowsTyped(() => parseComponentPush(message))));
  });

  it('reads every shape of the authentic-push generator at least once in each outcome (the properties reach the parser)', () => {
    const outcomes = new Set<string>();
    for (const inner of fc.sample(pushShaped, { seed: SEED, numRuns: 500 })) {
      const encrypt = encryptMessage({ encodingAesKey: ENCODING_AES_KEY, appid: APPID, xml: inner });
      const query = {
        timestamp: String(NOW_SEC),
        nonce: '1',
        encrypt_type: 'aes',
        msg_signature: computeMsgSignature(TOKEN, String(NOW_SEC), '1', encrypt),
      };
      try {
        const { reading } = openComponentPush({
          query,
          body: `<xml><AppId>${APPID}</AppId><Encrypt>${encrypt}</Encrypt></xml>`,
          token: TOKEN,
          crypto,
          componentAppid: APPID,
          nowSec: NOW_SEC,
          maxSkewSec: 600,
        });
        outcomes.add(reading.kind);
      } catch (err) {
        outcomes.add(err instanceof WechatMessageError ? err.code : 'untyped');
      }
    }

    expect([...outcomes].sort()).toEqual(['CREATE_TIME_IN_FUTURE', 'parsed', 'unparsed']);
  });
});
