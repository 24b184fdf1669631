/**
 * Property-based tests of the message crypto and the push signature (fast-check). A failure prints the seed and the
 * path of the shrunk counterexample; rerun with both to reproduce it.
 *
 * Decryption alone cannot refuse every tampered ciphertext: AES-CBC has no integrity, so a flipped bit in one block
 * garbles that block and flips the same bit of the next one, which can still decrypt. msg_signature covers Encrypt,
 * nonce and timestamp, so the properties about tampering are stated on openPushMessage, which checks it first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeMsgSignature, encryptMessage } from '../../../local/wechat-sim/sim-crypto';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { createMessageCrypto, type WechatMessageCrypto } from '../../../shared/wechat/msg-crypto';
import { openPushMessage, type PushQuery } from '../../../shared/wechat/push-message';

const SEED = 20261130;
const NUM_RUNS = 10_000;
// 10,000 runs of a property take up to about 1.5 s here: a bound of its own, above the unit project's 5 s, that a
// loaded machine stays well inside and a property that stops terminating still hits.
const PROPERTY_TIMEOUT_MS = 20_000;

const TOKEN = 'propertyTestToken';
const APPID = 'wx1234567890abcdef';
const NOW_SEC = 1_764_000_000;
const MAX_SKEW_SEC = 600;

const encodingAesKey = fc.stringMatching(/^[A-Za-z0-9]{43}$/);
const random16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes));
/** Any well-formed Unicode text: empty, short, and long (up to 3,000 code points, about 12 KB of UTF-8). */
const message = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', minLength: 500, maxLength: 3_000, size: 'max' }),
);
const appid = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });

const run = (property: fc.IProperty<never> | fc.IProperty<[unknown, ...unknown[]]>) =>
  fc.assert(property as fc.IProperty<unknown[]>, { seed: SEED, numRuns: NUM_RUNS });

describe(`message crypto and push signatures, property-based (fast-check seed ${SEED}, ${NUM_RUNS} runs each)`, () => {
  it('decrypts what it encrypted, for any message, appid and key', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    run(
      fc.property(message, appid, encodingAesKey, random16, (text, id, key, prefix) => {
        const crypto = createMessageCrypto({ encodingAesKey: key, appid: id });

        return crypto.decrypt(crypto.encrypt(text, prefix)) === text;
      }),
    );
  });

  it("decrypts what the simulator's independent implementation encrypted, for any message and appid", {
    timeout: PROPERTY_TIMEOUT_MS,
  }, () => {
    run(
      fc.property(message, appid, encodingAesKey, random16, (text, id, key, prefix) => {
        const encrypt = encryptMessage({ encodingAesKey: key, appid: id, xml: text, randomPrefix: prefix });

        return createMessageCrypto({ encodingAesKey: key, appid: id }).decrypt(encrypt) === text;
      }),
    );
  });

  describe('any single-bit change of a signed value is refused before decryption', () => {
    /** A genuine push, built with the simulator's crypto; inputs come from the generator, so a failure reproduces. */
    const genuinePush = fc
      .record({
        xml: fc
          .string({ unit: 'grapheme', maxLength: 300 })
          .map((text) => `<xml><AppId>${APPID}</AppId><Note><![CDATA[${text.replaceAll(']]>', '')}]]></Note></xml>`),
        prefix: random16,
        nonce: fc.stringMatching(/^[0-9]{1,12}$/),
        skewSec: fc.integer({ min: -MAX_SKEW_SEC, max: MAX_SKEW_SEC }),
      })
      .map(({ xml, prefix, nonce, skewSec }) => {
        const encrypt = encryptMessage({ encodingAesKey: KEY, appid: APPID, xml, randomPrefix: prefix });
        const timestamp = String(NOW_SEC + skewSec);
        return {
          xml,
          encrypt,
          query: { timestamp, nonce, encrypt_type: 'aes', msg_signature: computeMsgSignature(TOKEN, timestamp, nonce, encrypt) },
        };
      });
    const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const realCrypto = createMessageCrypto({ encodingAesKey: KEY, appid: APPID });

    /** Opens a push with a crypto that records whether decrypt ran; returns what was thrown (or the plaintext). */
    function open(query: PushQuery, encrypt: string): { error: unknown; decrypted: boolean; plaintext?: string } {
      let decrypted = false;
      const crypto: WechatMessageCrypto = {
        encrypt: realCrypto.encrypt,
        decrypt: (text) => {
          decrypted = true;
          return realCrypto.decrypt(text);
        },
      };
      const body = `<xml><AppId><![CDATA[${APPID}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
      try {
        const plaintext = openPushMessage({
          query,
          body,
          token: TOKEN,
          crypto,
          componentAppid: APPID,
          nowSec: NOW_SEC,
          maxSkewSec: MAX_SKEW_SEC,
        });
        return { error: undefined, decrypted, plaintext };
      } catch (error) {
        return { error, decrypted };
      }
    }

    const refused = (outcome: ReturnType<typeof open>) =>
      outcome.error instanceof WechatMessageError && !outcome.decrypted && outcome.plaintext === undefined;

    /** `text` with bit `bit` of the UTF-16 code unit at `index` flipped. */
    const flipCharBit = (text: string, index: number, bit: number) =>
      `${text.slice(0, index)}${String.fromCharCode(text.charCodeAt(index) ^ (1 << bit))}${text.slice(index + 1)}`;
    const position = fc.nat();
    const bitOf = (bits: number) => fc.integer({ min: 0, max: bits - 1 });

    it('opens the genuine pushes these properties tamper with', () => {
      const pushes = fc.sample(genuinePush, { seed: SEED, numRuns: 200 });

      for (const push of pushes) expect(open(push.query, push.encrypt)).toEqual({ error: undefined, decrypted: true, plaintext: push.xml });
    });

    it('refuses a bit flipped in the decoded ciphertext bytes (then re-encoded)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
      run(
        fc.property(genuinePush, position, bitOf(8), (push, at, bit) => {
          const bytes = Buffer.from(push.encrypt, 'base64');
          const index = at % bytes.length;
          bytes[index] = (bytes[index] ?? 0) ^ (1 << bit);

          return refused(open(push.query, bytes.toString('base64')));
        }),
      );
    });

    it('refuses a bit flipped in the base64 text of Encrypt', { timeout: PROPERTY_TIMEOUT_MS }, () => {
      run(
        fc.property(genuinePush, position, bitOf(16), (push, at, bit) =>
          refused(open(push.query, flipCharBit(push.encrypt, at % push.encrypt.length, bit))),
        ),
      );
    });

    it.each(['msg_signature', 'nonce', 'timestamp'] as const)('refuses a bit flipped in %s', { timeout: PROPERTY_TIMEOUT_MS }, (name) => {
      run(
        fc.property(genuinePush, position, bitOf(16), (push, at, bit) => {
          const value = push.query[name];
          const query = { ...push.query, [name]: flipCharBit(value, at % value.length, bit) };

          return refused(open(query, push.encrypt));
        }),
      );
    });
  });
});
