/**
 * Encrypts and signs an inner push message into the HTTP request WeChat sends (docs/wechat-protocol.md §1, §2).
 */
import { randomInt } from 'node:crypto';
import { computeMsgSignature, computeSignature, encryptMessage } from '../sim-crypto';
import type { PushTamper } from '../types';

/** Query parameters and XML body of one push request. */
export interface PushEnvelope {
  query: { signature: string; timestamp: string; nonce: string; encrypt_type: 'aes'; msg_signature: string };
  body: string;
}

/** Keys the envelope is built with. */
export interface PushKeys {
  appid: string;
  token: string;
  encodingAesKey: string;
}

/** An appid that is not ours, for the `appid` tamper. */
const FOREIGN_APPID = 'wxffffffffffffffff';

/** Encrypts `xml` for `keys.appid` and signs it at `nowSec`; `tamper` spoils one part so receivers must refuse it. */
export function buildPushEnvelope(input: { xml: string; keys: PushKeys; nowSec: number; tamper?: PushTamper | undefined }): PushEnvelope {
  const { keys, tamper } = input;
  const timestamp = String(Math.floor(input.nowSec));
  const nonce = String(randomInt(100_000_000, 10_000_000_000));
  const trailerAppid = tamper === 'appid' ? foreignAppid(keys.appid) : keys.appid;
  let encrypt = encryptMessage({ encodingAesKey: keys.encodingAesKey, appid: trailerAppid, xml: input.xml });
  if (tamper === 'ciphertext') encrypt = corruptPadding(encrypt);

  // With `ciphertext` the signature covers the corrupted Encrypt: the push is authentic but undecryptable.
  let msgSignature = computeMsgSignature(keys.token, timestamp, nonce, encrypt);
  // Only msg_signature is spoiled: `signature` stays valid, catching receivers that check only that one.
  if (tamper === 'signature') msgSignature = flipFirstHexDigit(msgSignature);

  return {
    query: {
      signature: computeSignature(keys.token, timestamp, nonce),
      timestamp,
      nonce,
      encrypt_type: 'aes',
      msg_signature: msgSignature,
    },
    body: `<xml><AppId><![CDATA[${keys.appid}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  };
}

function foreignAppid(ours: string): string {
  return ours === FOREIGN_APPID ? 'wxeeeeeeeeeeeeeeee' : FOREIGN_APPID;
}

/**
 * Flips every bit of the last byte of the second-to-last AES block. In CBC that flips the last plaintext byte,
 * the pad value, from 1..32 to 223..254, so padding validation fails every time rather than by chance.
 */
function corruptPadding(encrypt: string): string {
  const bytes = Buffer.from(encrypt, 'base64');
  const index = bytes.length - 16 - 1;
  bytes[index] = (bytes[index] ?? 0) ^ 0xff;
  return bytes.toString('base64');
}

function flipFirstHexDigit(hex: string): string {
  return `${hex.startsWith('0') ? '1' : '0'}${hex.slice(1)}`;
}
