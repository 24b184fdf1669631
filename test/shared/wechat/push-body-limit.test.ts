import { describe, expect, it } from 'vitest';
import { buildPushEnvelope } from '../../../local/wechat-sim/push/push-envelope';
import { MAX_PUSH_BODY_BYTES, MAX_PUSH_MESSAGE_BYTES, MIN_PUSH_BODY_CAP_BYTES } from '../../../shared/wechat/push-body-limit';

describe('push body limit', () => {
  it('adds up as its comment says: 6060 bytes for a 4 KiB message, rounded up to 8 KiB', () => {
    expect([MAX_PUSH_MESSAGE_BYTES, MIN_PUSH_BODY_CAP_BYTES, MAX_PUSH_BODY_BYTES]).toEqual([4096, 6060, 8192]);
  });

  it('holds a genuine envelope around a message of the full budget, with the allowance to spare', () => {
    const xml = `<xml>${'m'.repeat(MAX_PUSH_MESSAGE_BYTES - 11)}</xml>`;

    const { body } = buildPushEnvelope({
      xml,
      keys: { appid: 'wx1234567890abcdef', token: 't', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' },
      nowSec: 1_700_000_000,
    });

    expect(Buffer.byteLength(xml)).toBe(MAX_PUSH_MESSAGE_BYTES);
    expect(Buffer.byteLength(body) + 400).toBeLessThanOrEqual(MIN_PUSH_BODY_CAP_BYTES);
  });
});
