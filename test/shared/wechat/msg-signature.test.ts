import { describe, expect, it } from 'vitest';
import WXBizMsgCrypt from 'wechat-crypto';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { computeMsgSignature, verifyMsgSignature } from '../../../shared/wechat/msg-signature';
import { catchError } from '../../support/catch-error';

const NOW_SEC = 1_700_000_000;
const MAX_SKEW_SEC = 300;
const signed = { token: 'testtoken', timestamp: String(NOW_SEC), nonce: 'nonce123', encrypt: 'ENCRYPTED+base64/value==' };
// Computed independently: python3 hashlib.sha1("".join(sorted([...]))).hexdigest()
const KNOWN_SIGNATURE = '20700abe81ae8e97d7af9c5eb645291943b6cb4b';

function verifyInput(overrides: Partial<Parameters<typeof verifyMsgSignature>[0]> = {}) {
  return { ...signed, msgSignature: KNOWN_SIGNATURE, nowSec: NOW_SEC, maxSkewSec: MAX_SKEW_SEC, ...overrides };
}

describe('computeMsgSignature', () => {
  it('matches a vector computed independently with Python', () => {
    const signature = computeMsgSignature(signed);

    expect(signature).toBe(KNOWN_SIGNATURE);
  });

  it('agrees with wechat-crypto on values that sort differently from their argument order', () => {
    const input = { token: 'zToken', timestamp: '1413192605', nonce: 'Abc', encrypt: 'mNop+/==' };
    // Its constructor wants a well-formed EncodingAESKey and an appid; the signature uses neither.
    const oracle = new WXBizMsgCrypt(input.token, 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1234567890abcdef');

    const signature = computeMsgSignature(input);

    expect(signature).toBe(oracle.getSignature(input.timestamp, input.nonce, input.encrypt));
  });
});

describe('verifyMsgSignature', () => {
  it('accepts a push signed with our token inside the clock window', () => {
    const input = verifyInput();

    const act = () => verifyMsgSignature(input);

    expect(act).not.toThrow();
  });

  it.each([
    ['in upper case', KNOWN_SIGNATURE.toUpperCase()],
    ['with one letter in upper case (a single flipped bit)', KNOWN_SIGNATURE.replace('a', 'A')],
  ])('rejects a msg_signature %s: WeChat sends lower-case hex, and a signature has one spelling only', (_label, msgSignature) => {
    const input = verifyInput({ msgSignature });

    const err = catchError(() => verifyMsgSignature(input));

    expect(msgSignature.toLowerCase()).toBe(KNOWN_SIGNATURE);
    expect(err).toMatchObject({ code: 'SIGNATURE_MISMATCH' });
  });

  it('rejects a push whose msg_signature was computed with another token', () => {
    const input = verifyInput({ msgSignature: computeMsgSignature({ ...signed, token: 'othertoken' }) });

    const err = catchError(() => verifyMsgSignature(input));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'SIGNATURE_MISMATCH' });
  });

  it('rejects a push whose Encrypt was changed after signing', () => {
    const input = verifyInput({ encrypt: `${signed.encrypt}x` });

    const err = catchError(() => verifyMsgSignature(input));

    expect(err).toMatchObject({ code: 'SIGNATURE_MISMATCH' });
  });

  it.each([
    ['empty', ''],
    ['too short', KNOWN_SIGNATURE.slice(0, 39)],
    ['too long', `${KNOWN_SIGNATURE}0`],
    ['not hex', 'z'.repeat(40)],
    ['padded with whitespace', ` ${KNOWN_SIGNATURE.slice(1)}`],
    ['base64 instead of hex', Buffer.from(KNOWN_SIGNATURE, 'hex').toString('base64')],
  ])('rejects a msg_signature that is %s as a mismatch', (_label, msgSignature) => {
    const input = verifyInput({ msgSignature });

    const err = catchError(() => verifyMsgSignature(input));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'SIGNATURE_MISMATCH' });
  });

  it('compares signatures before the timestamp window, so a forged push learns nothing about our clock', () => {
    const input = verifyInput({ msgSignature: 'f'.repeat(40), nowSec: NOW_SEC + 10 * MAX_SKEW_SEC });

    const err = catchError(() => verifyMsgSignature(input));

    expect(err).toMatchObject({ code: 'SIGNATURE_MISMATCH' });
  });

  it.each([
    ['old', NOW_SEC + MAX_SKEW_SEC + 1],
    ['from the future', NOW_SEC - MAX_SKEW_SEC - 1],
  ])('rejects a correctly signed push whose timestamp is too %s', (_label, nowSec) => {
    const input = verifyInput({ nowSec });

    const err = catchError(() => verifyMsgSignature(input));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW' });
  });

  it.each([NOW_SEC + MAX_SKEW_SEC, NOW_SEC - MAX_SKEW_SEC])('accepts a timestamp exactly at the window edge (now %i)', (nowSec) => {
    const input = verifyInput({ nowSec });

    const act = () => verifyMsgSignature(input);

    expect(act).not.toThrow();
  });

  it.each(['', '1.7e9', '-1700000000', ' 1700000000', '0x6553f100', '1700000000.0', '9'.repeat(20)])(
    'rejects a correctly signed timestamp that is not a plain decimal integer (%j)',
    (timestamp) => {
      const input = verifyInput({ timestamp, msgSignature: computeMsgSignature({ ...signed, timestamp }) });

      const err = catchError(() => verifyMsgSignature(input));

      expect(err).toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW' });
    },
  );

  it('throws a TypeError when the clock is not a finite number', () => {
    const input = verifyInput({ nowSec: Number.NaN });

    const act = () => verifyMsgSignature(input);

    expect(act).toThrow(TypeError);
  });

  it('never puts the token or the signatures into the error message', () => {
    const input = verifyInput({ token: 'CANARY-token-value' });

    const err = catchError(() => verifyMsgSignature(input)) as Error;

    expect(err.message).not.toContain('CANARY-token-value');
    expect(err.message).not.toContain(KNOWN_SIGNATURE);
  });
});
