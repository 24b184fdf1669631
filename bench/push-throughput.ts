/**
 * Push-handling throughput: msg_signature check + decrypt + XML parse of ticket pushes, ours (openComponentPush, as
 * the receiver runs it) against the pipeline a Node developer would otherwise assemble, as co-wechat and node-webot
 * do: `xml2js` for the outer and the inner XML around `wechat-crypto`. A second run times the signature check and
 * decrypt alone against `wechat-crypto`, so the crypto (with our stricter checks) is compared with crypto.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Parser as Xml2jsParser } from 'xml2js';
import { TEST_COMPONENT_APPID, TEST_ENCODING_AES_KEY, TEST_MESSAGE_TOKEN } from '../local/wechat-sim/defaults';
import { buildPushEnvelope, type PushEnvelope } from '../local/wechat-sim/push/push-envelope';
import { buildTicketXml } from '../local/wechat-sim/push/push-message-xml';
import { createMessageCrypto } from '../shared/wechat/msg-crypto';
import { verifyMsgSignature } from '../shared/wechat/msg-signature';
import { type ComponentPush, openComponentPush, parseComponentPush } from '../shared/wechat/push-message';
import { parseWechatXml } from '../shared/wechat/xml';
import { elapsedNs, median } from './stats';

/** The shape of npm `wechat-crypto` 0.0.2 used here (CommonJS, ships no types). */
type LegacyWXBizMsgCrypt = new (
  token: string,
  encodingAesKey: string,
  appid: string,
) => {
  getSignature(timestamp: string, nonce: string, encrypt: string): string;
  decrypt(encryptBase64: string): { message: string; id: string };
};

/** Options of {@link measurePushThroughput}. */
export interface PushThroughputOptions {
  /** Distinct authentic pushes built up front. @default 1000 */
  pushCount?: number;
  /** Interleaved rounds; each side handles every push once per round. @default 15 */
  rounds?: number;
}

/** One side's figures: pushes per second in each round, their median, and ours relative to this side. */
export interface PushSideResult {
  name: string;
  pushesPerSecRounds: number[];
  medianPushesPerSec: number;
  /** Median over rounds of (ours pushes/s) / (this side's pushes/s) in the same round; ours reports 1. */
  oursOverThis: number;
}

/** Both measurements: `full` is the whole push handling, `cryptoOnly` isolates what differs between the sides. */
export interface PushThroughputResult {
  pushCount: number;
  rounds: number;
  /** Signature + decrypt + outer and inner XML parse + parseComponentPush. `sides[0]` is ours. */
  full: PushSideResult[];
  /** Signature + decrypt (+ appid check) on the already extracted Encrypt, no XML. `sides[0]` is ours. */
  cryptoOnly: PushSideResult[];
}

interface BenchPush {
  envelope: PushEnvelope;
  /** The outer Encrypt value, extracted up front for the crypto-only runs. */
  encrypt: string;
  ticket: string;
}

interface Side {
  name: string;
  /** Full handling of one push, returning the typed push. */
  handle: (push: BenchPush) => ComponentPush;
  /** Signature check and decrypt only, returning the inner XML. */
  open: (push: BenchPush) => string;
}

const MAX_SKEW_SEC = 600;
const WARMUP_PASSES = 3;
const CRYPTO_ONLY_REPEATS = 4;

/** Builds the pushes, checks every side opens them all correctly, then times the sides interleaved, A B / B A / ... */
export function measurePushThroughput(options: PushThroughputOptions = {}): PushThroughputResult {
  const pushCount = options.pushCount ?? 1000;
  const rounds = options.rounds ?? 15;
  const nowSec = Math.floor(Date.now() / 1000);
  const pushes = buildTicketPushes(pushCount, nowSec);
  const { ours, wechatCrypto, coWechat } = createSides(nowSec);

  for (const side of [ours, wechatCrypto, coWechat]) assertOpensAll(side, pushes);
  return {
    pushCount,
    rounds,
    full: timeInterleaved([ours, coWechat], pushes, rounds, 1, (side, push) => side.handle(push).createTime),
    // The crypto alone is several times faster; going over the pushes 4 times keeps a pass long enough that a single
    // scheduler hiccup on the shared machine does not decide the round.
    cryptoOnly: timeInterleaved([ours, wechatCrypto], pushes, rounds, CRYPTO_ONLY_REPEATS, (side, push) => side.open(push).length),
  };
}

function timeInterleaved(
  sides: Side[],
  pushes: BenchPush[],
  rounds: number,
  repeats: number,
  work: (side: Side, push: BenchPush) => number,
): PushSideResult[] {
  const pass = (side: Side) => runPass(pushes, repeats, (push) => work(side, push));
  for (let i = 0; i < WARMUP_PASSES; i++) for (const side of sides) pass(side);

  const rates: number[][] = sides.map(() => []);
  for (let round = 0; round < rounds; round++) {
    // Rotating the order keeps any "runs first after a GC" or "runs after the peer warmed the cache" effect from
    // always landing on the same side.
    for (let k = 0; k < sides.length; k++) {
      const index = (round + k) % sides.length;
      (rates[index] as number[]).push((pushes.length * repeats) / (pass(sides[index] as Side) / 1e9));
    }
  }

  const ours = rates[0] as number[];
  return sides.map((side, i) => {
    const own = rates[i] as number[];
    return {
      name: side.name,
      pushesPerSecRounds: own,
      medianPushesPerSec: median(own),
      // Paired by round: a slow spell on the shared machine hits both sides of a pair, and the ratio cancels it.
      oursOverThis: median(own.map((rate, round) => (ours[round] as number) / rate)),
    };
  });
}

function createSides(nowSec: number): { ours: Side; wechatCrypto: Side; coWechat: Side } {
  const crypto = createMessageCrypto({ encodingAesKey: TEST_ENCODING_AES_KEY, appid: TEST_COMPONENT_APPID });
  const signed = (push: BenchPush) => ({
    token: TEST_MESSAGE_TOKEN,
    timestamp: push.envelope.query.timestamp,
    nonce: push.envelope.query.nonce,
    encrypt: push.encrypt,
    msgSignature: push.envelope.query.msg_signature,
    nowSec,
    maxSkewSec: MAX_SKEW_SEC,
  });
  const ours: Side = {
    name: 'ours (shared/wechat)',
    handle: ({ envelope: { query, body } }) => {
      const { reading } = openComponentPush({
        query,
        body,
        token: TEST_MESSAGE_TOKEN,
        crypto,
        componentAppid: TEST_COMPONENT_APPID,
        nowSec,
        maxSkewSec: MAX_SKEW_SEC,
      });
      if (reading.kind !== 'parsed') throw new Error(`bench push was not parsed: ${reading.reason}`);
      return reading.push;
    },
    open: (push) => {
      verifyMsgSignature(signed(push));
      return crypto.decrypt(push.encrypt);
    },
  };

  const WXBizMsgCrypt = createRequire(import.meta.url)('wechat-crypto') as LegacyWXBizMsgCrypt;
  const legacy = new WXBizMsgCrypt(TEST_MESSAGE_TOKEN, TEST_ENCODING_AES_KEY, TEST_COMPONENT_APPID);
  const wechatCrypto = peerSide(
    'wechat-crypto 0.0.2',
    (timestamp, nonce, encrypt) => legacy.getSignature(timestamp, nonce, encrypt),
    (encrypt) => legacy.decrypt(encrypt),
  );
  const coWechat: Side = {
    name: 'xml2js 0.6.2 + wechat-crypto 0.0.2 (co-wechat style)',
    handle: ({ envelope: { query, body } }) =>
      parseComponentPush(
        parseWithXml2js(wechatCrypto.open({ envelope: { query, body }, encrypt: parseWithXml2js(body).Encrypt ?? '', ticket: '' })),
      ),
    open: wechatCrypto.open,
  };
  return { ours, wechatCrypto, coWechat };
}

// As co-wechat reads a body: xml2js with trim, then each one-element array flattened to its value.
const xml2js = new Xml2jsParser({ trim: true });
function parseWithXml2js(xml: string): Record<string, string> {
  let parsed: { xml?: Record<string, unknown[]> } | undefined;
  // xml2js calls back synchronously (its sax parser is synchronous unless `async` is set).
  xml2js.parseString(xml, (err: Error | null, result: typeof parsed) => {
    if (err) throw err;
    parsed = result;
  });
  const fields: Record<string, string> = {};
  for (const [key, values] of Object.entries(parsed?.xml ?? {})) fields[key] = String(values[0] ?? '');
  return fields;
}

/**
 * A peer's push handling as its README suggests: signature compare, decrypt, appid compare. The plain `!==` compare
 * and no timestamp window are how peers are used.
 */
function peerSide(
  name: string,
  getSignature: (timestamp: string, nonce: string, encrypt: string) => string,
  decrypt: (encrypt: string) => { message: string; id: string },
): Side {
  const open = (query: PushEnvelope['query'], encrypt: string): string => {
    if (getSignature(query.timestamp, query.nonce, encrypt) !== query.msg_signature) throw new Error('bad msg_signature');
    const { message, id } = decrypt(encrypt);
    if (id !== TEST_COMPONENT_APPID) throw new Error('appid mismatch');
    return message;
  };
  return {
    name,
    handle: ({ envelope: { query, body } }) => parseComponentPush(parseWechatXml(open(query, parseWechatXml(body).Encrypt ?? ''))),
    open: ({ envelope: { query }, encrypt }) => open(query, encrypt),
  };
}

function buildTicketPushes(count: number, nowSec: number): BenchPush[] {
  const keys = { appid: TEST_COMPONENT_APPID, token: TEST_MESSAGE_TOKEN, encodingAesKey: TEST_ENCODING_AES_KEY };
  return Array.from({ length: count }, (_, i) => {
    // Same shape as the simulator's tickets ("ticket@@@" + 64 base64url chars), each push distinct.
    const ticket = `ticket@@@${randomBytes(48).toString('base64url')}`;
    const xml = buildTicketXml({ appid: TEST_COMPONENT_APPID, createTime: nowSec - (i % 60), ticket });
    const envelope = buildPushEnvelope({ xml, keys, nowSec });
    return { envelope, encrypt: parseWechatXml(envelope.body).Encrypt ?? '', ticket };
  });
}

// A side that silently returned garbage fast would win the benchmark, so each must first open every push correctly.
function assertOpensAll(side: Side, pushes: BenchPush[]): void {
  for (const push of pushes) {
    const typed = side.handle(push);
    if (
      typed.infoType !== 'component_verify_ticket' ||
      typed.componentVerifyTicket !== push.ticket ||
      !side.open(push).includes(push.ticket)
    ) {
      throw new Error(`${side.name} did not open a bench push to its ticket`);
    }
  }
}

// Returns nanoseconds for `repeats` passes over every push; results feed a sink so the work cannot be optimised away.
let sink = 0;
function runPass(pushes: BenchPush[], repeats: number, work: (push: BenchPush) => number): number {
  const start = process.hrtime.bigint();
  for (let r = 0; r < repeats; r++) for (const push of pushes) sink += work(push) & 1;
  const ns = elapsedNs(start);
  if (sink < 0) throw new Error('unreachable');
  return ns;
}
