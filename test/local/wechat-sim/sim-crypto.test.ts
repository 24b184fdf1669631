import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WXBizMsgCrypt from 'wechat-crypto';
import {
  computeMsgSignature,
  computeSignature,
  decodeEncodingAesKey,
  decryptMessage,
  encryptMessage,
  SimCryptoError,
} from '../../../local/wechat-sim/sim-crypto';
import { CANARY } from './sim-harness';

const { token, encodingAesKey, componentAppid: appid } = CANARY;
const oracle = () => new WXBizMsgCrypt(token, encodingAesKey, appid);
const TICKET_XML =
  '<xml><AppId><![CDATA[wx1234567890abcdef]]></AppId><CreateTime>1413192605</CreateTime>' +
  '<InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>';

function expectDecryptionFailed(encrypt: string): void {
  let caught: unknown;
  try {
    decryptMessage({ encodingAesKey, encrypt });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SimCryptoError);
  expect((caught as SimCryptoError).code).toBe('DECRYPTION_FAILED');
}

describe('encryptMessage', () => {
  it('produces ciphertext that wechat-crypto decrypts to the same XML and appid', () => {
    const encrypt = encryptMessage({ encodingAesKey, appid, xml: TICKET_XML });

    const opened = oracle().decrypt(encrypt);

    expect(opened).toEqual({ message: TICKET_XML, id: appid });
  });

  it('round-trips through wechat-crypto for every message length across two 32-byte pad blocks', () => {
    for (let length = 0; length <= 70; length += 1) {
      const xml = 'x'.repeat(length);

      const encrypt = encryptMessage({ encodingAesKey, appid, xml });

      expect(Buffer.from(encrypt, 'base64').length % 32).toBe(0);
      expect(oracle().decrypt(encrypt)).toEqual({ message: xml, id: appid });
    }
  });

  it('counts the length field in bytes, so multi-byte UTF-8 survives the round trip', () => {
    const xml = '<xml><Nickname><![CDATA[微信用户]]></Nickname></xml>';

    const encrypt = encryptMessage({ encodingAesKey, appid, xml });

    expect(oracle().decrypt(encrypt).message).toBe(xml);
  });

  it('pads a 32-byte-aligned plaintext with a whole block of value 32', () => {
    // 16-byte prefix + 4-byte length + XML + appid adds up to exactly 64 bytes, two whole pad blocks.
    const xml = 'x'.repeat(64 - 16 - 4 - appid.length);
    const encrypt = encryptMessage({ encodingAesKey, appid, xml, randomPrefix: Buffer.alloc(16, 7) });

    const key = Buffer.from(`${encodingAesKey}=`, 'base64');
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);

    expect(padded.length).toBe(96);
    expect([...padded.subarray(64)]).toEqual(Array.from({ length: 32 }, () => 32));
    expect(padded.subarray(0, 16)).toEqual(Buffer.alloc(16, 7));
  });

  it('uses a fresh random prefix, so the same message encrypts differently each time', () => {
    const first = encryptMessage({ encodingAesKey, appid, xml: TICKET_XML });

    const second = encryptMessage({ encodingAesKey, appid, xml: TICKET_XML });

    expect(first).not.toBe(second);
  });
});

describe('decryptMessage', () => {
  it('decrypts ciphertext produced by wechat-crypto', () => {
    const encrypt = oracle().encrypt(TICKET_XML);

    const opened = decryptMessage({ encodingAesKey, encrypt });

    expect(opened).toEqual({ xml: TICKET_XML, appid });
  });

  it('decrypts wechat-crypto ciphertext for every message length across two pad blocks', () => {
    for (let length = 0; length <= 70; length += 1) {
      const xml = 'y'.repeat(length);

      const opened = decryptMessage({ encodingAesKey, encrypt: oracle().encrypt(xml) });

      expect(opened).toEqual({ xml, appid });
    }
  });

  it('rejects malformed ciphertext with DECRYPTION_FAILED', () => {
    const valid = Buffer.from(oracle().encrypt(TICKET_XML), 'base64');
    const badPadding = Buffer.from(valid);
    badPadding[badPadding.length - 17] = (badPadding[badPadding.length - 17] ?? 0) ^ 0xff;
    const malformed = {
      empty: '',
      truncated: valid.subarray(0, valid.length - 16).toString('base64'),
      'shorter than one block': valid.subarray(0, 16).toString('base64'),
      'bad padding': badPadding.toString('base64'),
      'not base64': '!!!!',
    };

    for (const encrypt of Object.values(malformed)) {
      expectDecryptionFailed(encrypt);
    }
  });

  it('rejects a length field pointing past the end of the plaintext', () => {
    const valid = Buffer.from(oracle().encrypt(TICKET_XML), 'base64');
    // In CBC, flipping ciphertext byte 0 flips plaintext byte 16: the top byte of the length field.
    valid[0] = (valid[0] ?? 0) ^ 0x80;

    expectDecryptionFailed(valid.toString('base64'));
  });

  it('throws a fixed message that reveals nothing about the input', () => {
    const encrypt = oracle().encrypt(TICKET_XML).slice(0, 20);

    expect(() => decryptMessage({ encodingAesKey, encrypt })).toThrow(/^message decryption failed$/);
  });
});

describe('computeMsgSignature', () => {
  it('matches the msg_signature wechat-crypto computes', () => {
    const encrypt = oracle().encrypt(TICKET_XML);

    const signature = computeMsgSignature(token, '1413192605', '372615285', encrypt);

    expect(signature).toBe(oracle().getSignature('1413192605', '372615285', encrypt));
  });

  it('changes when any part changes', () => {
    const base = computeMsgSignature(token, '1413192605', '372615285', 'abc');

    expect(computeMsgSignature(`${token}x`, '1413192605', '372615285', 'abc')).not.toBe(base);
    expect(computeMsgSignature(token, '1413192606', '372615285', 'abc')).not.toBe(base);
    expect(computeMsgSignature(token, '1413192605', '372615286', 'abc')).not.toBe(base);
    expect(computeMsgSignature(token, '1413192605', '372615285', 'abd')).not.toBe(base);
  });
});

describe('computeSignature', () => {
  it('matches wechat-crypto over [token, timestamp, nonce] (an empty Encrypt sorts first and adds nothing)', () => {
    const signature = computeSignature(token, '1413192605', '372615285');

    expect(signature).toBe(oracle().getSignature('1413192605', '372615285', ''));
  });
});

describe('decodeEncodingAesKey', () => {
  it('decodes the 43-character key to 32 bytes', () => {
    const key = decodeEncodingAesKey(encodingAesKey);

    expect(key.length).toBe(32);
  });

  it('rejects keys that are not 43 letters and digits with INVALID_ENCODING_AES_KEY', () => {
    for (const bad of [encodingAesKey.slice(1), `${encodingAesKey}A`, `${encodingAesKey.slice(1)}+`, '']) {
      expect(() => decodeEncodingAesKey(bad)).toThrow(
        expect.objectContaining({ name: 'SimCryptoError', code: 'INVALID_ENCODING_AES_KEY' }),
      );
    }
  });
});
