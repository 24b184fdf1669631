/**
 * Opening and reading the encrypted pushes WeChat sends to the authorization event URL
 * (component_verify_ticket and authorization events, docs/wechat-protocol.md §1 and §2).
 */

import { scanPushEnvelope } from './envelope-scan';
import { WechatMessageError, type WechatMessageErrorCode } from './errors';
import type { WechatMessageCrypto } from './msg-crypto';
import { verifyMsgSignature } from './msg-signature';
import { MAX_PUSH_BODY_BYTES } from './push-body-limit';
import { parseWechatXml } from './xml';

/** The query string WeChat adds to a push (`signature` is ignored: it does not cover the body). */
export interface PushQuery {
  timestamp?: string | undefined;
  nonce?: string | undefined;
  msg_signature?: string | undefined;
  encrypt_type?: string | undefined;
}

/** Everything {@link openPushMessage} needs; `nowSec` is the caller's frozen clock. */
export interface OpenPushInput {
  query: PushQuery;
  body: string;
  token: string;
  crypto: WechatMessageCrypto;
  componentAppid: string;
  nowSec: number;
  maxSkewSec: number;
  /** @default MAX_PUSH_BODY_BYTES */
  maxBodyBytes?: number;
}

/**
 * Checks and decrypts a push, cheapest checks first and nothing expensive before msg_signature is verified:
 * size (BODY_TOO_LARGE) -> required query params and encrypt_type=aes (MISSING_FIELD) -> a bounded scan of the outer
 * envelope for Encrypt and AppId (envelope-scan.ts) -> outer AppId equals ours (APPID_MISMATCH) -> msg_signature
 * (+ timestamp window) -> the full well-formedness checks of the outer XML -> decrypt (padding, length, trailing appid).
 * Returns the decrypted message text, not yet interpreted: see {@link readComponentPush}.
 */
export function openPushMessage(input: OpenPushInput): string {
  const maxBytes = input.maxBodyBytes ?? MAX_PUSH_BODY_BYTES;
  if (Buffer.byteLength(input.body, 'utf8') > maxBytes) {
    throw new WechatMessageError('BODY_TOO_LARGE', `XML body is larger than ${maxBytes} bytes`);
  }
  const timestamp = requireField(input.query.timestamp, 'query parameter timestamp');
  const nonce = requireField(input.query.nonce, 'query parameter nonce');
  const msgSignature = requireField(input.query.msg_signature, 'query parameter msg_signature');
  // Plain-text mode would mean an unauthenticated body: only the encrypted ("safe") mode is accepted.
  if (input.query.encrypt_type !== 'aes') {
    throw new WechatMessageError('MISSING_FIELD', 'query parameter encrypt_type must be "aes": enable safe mode');
  }
  const envelope = scanPushEnvelope(input.body);
  const encrypt = requireField(envelope.encrypt, 'XML element Encrypt');
  requireAppid(envelope.appId, input.componentAppid, 'outer');

  verifyMsgSignature({
    token: input.token,
    timestamp,
    nonce,
    encrypt,
    msgSignature,
    nowSec: input.nowSec,
    maxSkewSec: input.maxSkewSec,
  });

  // Only now, with WeChat's signature over Encrypt verified, is the whole body worth the full parser's time. The scan
  // and the parser must agree on what was signed and what is decrypted.
  const outer = parseWechatXml(input.body, { maxBytes });
  if (outer.Encrypt !== encrypt || outer.AppId !== envelope.appId)
    throw new WechatMessageError('XML_MALFORMED', 'XML body is malformed: its fields read differently');
  return input.crypto.decrypt(encrypt);
}

/** What an authenticated, decrypted push turned out to be. */
export type PushReading =
  | { kind: 'parsed'; push: ComponentPush; fields: Record<string, string> }
  /** Authentic but not interpretable by us: kept whole and acknowledged, never acted upon. */
  | { kind: 'unparsed'; reason: WechatMessageErrorCode };

/**
 * Interprets a decrypted push (the text {@link openPushMessage} returns). The message is authentic by then, so a shape
 * our parser does not take (malformed XML, repeated or deeply nested elements, a DOCTYPE, a missing or unreadable
 * required field) is reported as `unparsed` with the reason instead of thrown: refusing it would make WeChat retry and
 * then give up on a genuine push. Still thrown: APPID_MISMATCH when a readable inner AppId names another component
 * (a binding check), and CREATE_TIME_IN_FUTURE for a parsed push stamped beyond the skew window.
 */
export function readComponentPush(plaintext: string, input: { componentAppid: string; nowSec: number; maxSkewSec: number }): PushReading {
  let fields: Record<string, string>;
  try {
    fields = parseWechatXml(plaintext, { maxBytes: Number.POSITIVE_INFINITY });
  } catch (err) {
    return unparsedOrThrow(err);
  }
  const appid = own(fields, 'AppId');
  if (appid !== undefined && appid !== '') requireAppid(appid, input.componentAppid, 'decrypted');

  let push: ComponentPush;
  try {
    push = parseComponentPush(fields);
  } catch (err) {
    return unparsedOrThrow(err);
  }
  requireCreateTimeNotAhead(push, input.nowSec, input.maxSkewSec);
  return { kind: 'parsed', push, fields };
}

/**
 * {@link openPushMessage} then {@link readComponentPush}: all the CPU work the receiver does on a push before any I/O,
 * in one call, so that what the bench measures is what the receiver runs.
 */
export function openComponentPush(input: OpenPushInput): { plaintext: string; reading: PushReading } {
  const plaintext = openPushMessage(input);
  return { plaintext, reading: readComponentPush(plaintext, input) };
}

function unparsedOrThrow(err: unknown): PushReading {
  if (err instanceof WechatMessageError) return { kind: 'unparsed', reason: err.code };
  throw err;
}

/** A decrypted push, typed by InfoType. */
export type ComponentPush =
  | { infoType: 'component_verify_ticket'; appid: string; createTime: number; componentVerifyTicket: string }
  | {
      infoType: 'authorized' | 'updateauthorized';
      appid: string;
      createTime: number;
      authorizerAppid: string;
      authorizationCode: string;
      authorizationCodeExpiredTime: number | null;
      preAuthCode: string | null;
    }
  | { infoType: 'unauthorized'; appid: string; createTime: number; authorizerAppid: string }
  | { infoType: 'unknown'; rawInfoType: string; appid: string; createTime: number; authorizerAppid: string | null };

// Unix seconds: a positive decimal integer, short enough for Number() to stay exact.
const POSITIVE_UNIX_SECONDS = /^[1-9][0-9]{0,11}$/;

/**
 * Maps a decrypted message to a typed push; MISSING_FIELD / XML_MALFORMED (CreateTime not a positive integer) when
 * required fields are absent. Unknown InfoTypes are not errors (they must be acknowledged and recorded).
 */
export function parseComponentPush(message: Record<string, string>): ComponentPush {
  const field = (name: string): string => requireField(own(message, name), `XML element ${name}`);
  const appid = field('AppId');
  const createTime = readUnixSeconds(field('CreateTime'), 'CreateTime');
  const infoType = field('InfoType');

  switch (infoType) {
    case 'component_verify_ticket':
      return { infoType, appid, createTime, componentVerifyTicket: field('ComponentVerifyTicket') };
    case 'authorized':
    case 'updateauthorized': {
      const expiredTime = own(message, 'AuthorizationCodeExpiredTime');
      return {
        infoType,
        appid,
        createTime,
        authorizerAppid: field('AuthorizerAppid'),
        authorizationCode: field('AuthorizationCode'),
        authorizationCodeExpiredTime:
          expiredTime === undefined || expiredTime === '' ? null : readUnixSeconds(expiredTime, 'AuthorizationCodeExpiredTime'),
        preAuthCode: own(message, 'PreAuthCode') || null,
      };
    }
    case 'unauthorized':
      return { infoType, appid, createTime, authorizerAppid: field('AuthorizerAppid') };
    default:
      return { infoType: 'unknown', rawInfoType: infoType, appid, createTime, authorizerAppid: own(message, 'AuthorizerAppid') || null };
  }
}

/**
 * Refuses (CREATE_TIME_IN_FUTURE) a push whose CreateTime is more than `maxSkewSec` ahead of `nowSec`. The stored
 * ticket and each authorizer's status only ever move forward, so one future CreateTime, once stored, would make every
 * later genuine push "not newer" until someone deleted the item by hand.
 */
export function requireCreateTimeNotAhead(push: ComponentPush, nowSec: number, maxSkewSec: number): void {
  if (push.createTime - nowSec > maxSkewSec) {
    throw new WechatMessageError('CREATE_TIME_IN_FUTURE', 'CreateTime is ahead of our clock by more than the accepted skew');
  }
}

// Own properties only: a message without InfoType must not pick up something like Object.prototype.constructor.
function own(message: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(message, name) ? message[name] : undefined;
}

function requireField(value: string | undefined, what: string): string {
  if (value === undefined || value === '') {
    throw new WechatMessageError('MISSING_FIELD', `push is missing ${what}`);
  }
  return value;
}

function requireAppid(value: string | undefined, componentAppid: string, which: 'outer' | 'decrypted'): void {
  const appid = requireField(value, `${which} XML element AppId`);
  if (appid !== componentAppid) {
    throw new WechatMessageError('APPID_MISMATCH', `${which} AppId is not this component's appid: check COMPONENT_APPID`);
  }
}

function readUnixSeconds(value: string, name: string): number {
  if (!POSITIVE_UNIX_SECONDS.test(value)) {
    throw new WechatMessageError('XML_MALFORMED', `XML element ${name} is not a positive integer of unix seconds`);
  }
  return Number(value);
}
