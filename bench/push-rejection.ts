/**
 * What refusing junk costs the push receiver, as a ratio of what accepting a genuine push costs, measured in the same
 * run on the same code: readRequestBody (the handler's 413 check and base64 decoding) then openComponentPush (everything
 * acceptPush does before its first I/O). No I/O on either side: storing a genuine push would only add to its cost.
 *
 * "Worst case" is the most expensive of many junk shapes built at the body cap, each aimed at a part of the work done
 * before msg_signature is verified: random bytes, deep nesting, thousands of tags, attribute soup, entities, comments,
 * unclosed sections, long base64 to hash, and a genuine envelope with a forged signature. The bench checks that each
 * shape is refused for the reason it was built for, so a shape that stopped exercising its path would show.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readRequestBody } from '../functions/push-receiver/read-body';
import { TEST_COMPONENT_APPID, TEST_ENCODING_AES_KEY, TEST_MESSAGE_TOKEN } from '../local/wechat-sim/defaults';
import { buildPushEnvelope, type PushEnvelope } from '../local/wechat-sim/push/push-envelope';
import { buildTicketXml } from '../local/wechat-sim/push/push-message-xml';
import { WechatMessageError } from '../shared/wechat/errors';
import { createMessageCrypto } from '../shared/wechat/msg-crypto';
import { MAX_PUSH_BODY_BYTES } from '../shared/wechat/push-body-limit';
import { openComponentPush } from '../shared/wechat/push-message';
import { parseWechatXmlWithFastXmlParser } from '../test/support/reference-wechat-xml';
import { elapsedNs, median } from './stats';

/** Options of {@link measurePushRejection}. */
export interface PushRejectionOptions {
  /** Interleaved rounds. @default 15 */
  rounds?: number;
  /** Calls per case per round. @default 300 */
  callsPerRound?: number;
}

/** One junk shape's figures. */
export interface RejectionShapeResult {
  name: string;
  bodyBytes: number;
  /** The WechatMessageError code it was refused with (checked against the one it was built for). */
  rejectedAs: string;
  /** Median over rounds of the mean cost of one call in that round. */
  nsPerCall: number;
  /** Median over rounds of (this shape's ns per call) / (the genuine push's ns per call in the same round). */
  overValid: number;
  /**
   * For reference: what parsing this body in full first (fast-xml-parser and its validator, the order the receiver used
   * before the envelope scan) costs, over the genuine push's cost. A few calls only: it can take milliseconds. Null
   * for a body over the cap, which was refused before parsing then too.
   */
  fullParseFirstOverValid: number | null;
}

/** What {@link measurePushRejection} returns. */
export interface PushRejectionResult {
  bodyCapBytes: number;
  rounds: number;
  callsPerRound: number;
  valid: { name: string; bodyBytes: number; nsPerCall: number };
  shapes: RejectionShapeResult[];
  /** The shape with the largest ratio: the figure that must stay at or below 2. */
  worst: { name: string; overValid: number };
}

interface Case {
  name: string;
  event: APIGatewayProxyEventV2;
  /** The code the shape must be refused with; undefined for the genuine push, which must be accepted. */
  expected?: string;
}

const MAX_SKEW_SEC = 600;
const WARMUP_CALLS = 200;
const FULL_PARSE_CALLS = 5;
const KEYS = { appid: TEST_COMPONENT_APPID, token: TEST_MESSAGE_TOKEN, encodingAesKey: TEST_ENCODING_AES_KEY };

/** Builds the genuine push and the junk shapes, checks each is handled as intended, then times them interleaved. */
export function measurePushRejection(options: PushRejectionOptions = {}): PushRejectionResult {
  const rounds = options.rounds ?? 15;
  const callsPerRound = options.callsPerRound ?? 300;
  const nowSec = Math.floor(Date.now() / 1000);
  const crypto = createMessageCrypto({ encodingAesKey: TEST_ENCODING_AES_KEY, appid: TEST_COMPONENT_APPID });
  const receive = (event: APIGatewayProxyEventV2): string => {
    try {
      const body = readRequestBody(event, MAX_PUSH_BODY_BYTES);
      const { reading } = openComponentPush({
        query: event.queryStringParameters ?? {},
        body,
        token: TEST_MESSAGE_TOKEN,
        crypto,
        componentAppid: TEST_COMPONENT_APPID,
        nowSec,
        maxSkewSec: MAX_SKEW_SEC,
        maxBodyBytes: MAX_PUSH_BODY_BYTES,
      });
      return reading.kind === 'parsed' ? 'accepted' : `unparsed ${reading.reason}`;
    } catch (err) {
      if (err instanceof WechatMessageError) return err.code;
      throw err;
    }
  };

  const genuine = buildPushEnvelope({
    xml: buildTicketXml({ appid: TEST_COMPONENT_APPID, createTime: nowSec, ticket: `ticket@@@${randomBytes(48).toString('base64url')}` }),
    keys: KEYS,
    nowSec,
  });
  const valid: Case = { name: 'genuine component_verify_ticket push', event: eventOf(genuine) };
  const shapes = buildJunkShapes(genuine);
  for (const c of [valid, ...shapes]) {
    const outcome = receive(c.event);
    if (outcome !== (c.expected ?? 'accepted'))
      throw new Error(`bench case "${c.name}" was handled as ${outcome}, not ${c.expected ?? 'accepted'}`);
  }

  const cases = [valid, ...shapes];
  for (const c of cases) for (let i = 0; i < WARMUP_CALLS; i++) receive(c.event);
  const perRound: number[][] = cases.map(() => []);
  for (let round = 0; round < rounds; round++) {
    // Rotating the order keeps "runs right after a GC" from always landing on the same case.
    for (let k = 0; k < cases.length; k++) {
      const index = (round + k) % cases.length;
      const event = (cases[index] as Case).event;
      const start = process.hrtime.bigint();
      for (let i = 0; i < callsPerRound; i++) receive(event);
      (perRound[index] as number[]).push(elapsedNs(start) / callsPerRound);
    }
  }

  const validRounds = perRound[0] as number[];
  const results = shapes.map((shape, i) => {
    const own = perRound[i + 1] as number[];
    return {
      name: shape.name,
      bodyBytes: bodyBytesOf(shape.event),
      rejectedAs: shape.expected ?? 'accepted',
      nsPerCall: median(own),
      // Paired by round: a slow spell on the shared machine hits both sides of a pair, and the ratio cancels it.
      overValid: median(own.map((ns, round) => ns / (validRounds[round] as number))),
      fullParseFirstOverValid: null as number | null,
    };
  });
  const validNs = median(validRounds);
  for (const [i, shape] of shapes.entries()) {
    if (shape.expected !== 'BODY_TOO_LARGE')
      (results[i] as RejectionShapeResult).fullParseFirstOverValid = fullParseNs(shape.event) / validNs;
  }
  const worst = results.reduce((a, b) => (b.overValid > a.overValid ? b : a));
  return {
    bodyCapBytes: MAX_PUSH_BODY_BYTES,
    rounds,
    callsPerRound,
    valid: { name: valid.name, bodyBytes: bodyBytesOf(valid.event), nsPerCall: validNs },
    shapes: results,
    worst: { name: worst.name, overValid: worst.overValid },
  };
}

/** Junk at the body cap (one shape just over it), each refused before or at the signature check. */
function buildJunkShapes(genuine: PushEnvelope): Case[] {
  const cap = MAX_PUSH_BODY_BYTES;
  const head = `<xml><AppId><![CDATA[${TEST_COMPONENT_APPID}]]></AppId>`;
  const encrypt = (base64: string) => `<Encrypt><![CDATA[${base64}]]></Encrypt>`;
  const fakeEncrypt = encrypt(randomBytes(96).toString('base64'));
  /** `open` + as many `unit`s as fit + `close`, at most `cap` bytes. */
  const fill = (open: string, unit: string, close: string) =>
    `${open}${unit.repeat(Math.floor((cap - open.length - close.length) / unit.length))}${close}`;
  const longBase64 = randomBytes(Math.floor((cap - head.length - 40) / 4) * 3).toString('base64');
  const forged = { ...genuine.query, msg_signature: '0'.repeat(40) };
  const text = (name: string, body: string, expected: string, query: Record<string, string> = genuine.query): Case => ({
    name,
    event: eventOf({ query, body }),
    expected,
  });

  return [
    text('random printable ASCII', randomAscii(cap), 'XML_MALFORMED'),
    text('random CJK text', randomCjk(cap), 'XML_MALFORMED'),
    {
      name: 'random text, base64-encoded by the gateway',
      event: eventOf({ query: genuine.query, body: Buffer.from(randomAscii(cap)).toString('base64') }, true),
      expected: 'XML_MALFORMED',
    },
    {
      name: 'random binary, base64-encoded by the gateway',
      event: eventOf({ query: genuine.query, body: randomBytes(cap).toString('base64') }, true),
      expected: 'XML_MALFORMED',
    },
    text('deeply nested XML', fill('<xml>', '<a>', '</xml>'), 'XML_MALFORMED'),
    text('deeply nested XML after a valid-looking envelope', fill(`${head}${fakeEncrypt}`, '<a>', '</xml>'), 'XML_MALFORMED'),
    text('thousands of flat tags', fill(`${head}${fakeEncrypt}`, '<T>1</T>', '</xml>'), 'XML_MALFORMED'),
    text('a thousand comments', fill('<xml>', '<!-- c -->', `${head.slice(5)}${fakeEncrypt}</xml>`), 'XML_MALFORMED'),
    text(
      'Encrypt split into thousands of CDATA sections',
      fill(`${head}<Encrypt>`, '<![CDATA[QUJD]]>', '</Encrypt></xml>'),
      'XML_MALFORMED',
    ),
    text('a cap-sized valid-looking Encrypt with a wrong signature', `${head}${encrypt(longBase64)}</xml>`, 'SIGNATURE_MISMATCH', forged),
    text(
      'a cap-sized Encrypt of CJK text with a wrong signature',
      `${head}<Encrypt>${randomCjk(cap - head.length - 30)}</Encrypt></xml>`,
      'SIGNATURE_MISMATCH',
      forged,
    ),
    text(
      'the envelope padded to the cap with whitespace (forged signature)',
      fill('<xml>', ' ', `${head.slice(5)}${fakeEncrypt}</xml>`),
      'SIGNATURE_MISMATCH',
      forged,
    ),
    text(
      'a cap-sized skipped element beside the envelope (forged signature)',
      fill(`${head}${fakeEncrypt}<Note>`, 'x>', '</Note></xml>'),
      'SIGNATURE_MISMATCH',
      forged,
    ),
    text(
      'entity-looking text beside the envelope (forged signature)',
      fill(`${head}${fakeEncrypt}<Note>`, '&amp;&lt;&#x41;&lol;', '</Note></xml>'),
      'SIGNATURE_MISMATCH',
      forged,
    ),
    text('entity-looking text in Encrypt', fill(`${head}<Encrypt>`, '&amp;&#x41;', '</Encrypt></xml>'), 'XML_MALFORMED'),
    text('"]]]]" filling a CDATA section', fill(`${head}<Encrypt><![CDATA[`, ']', ']]></Encrypt></xml>'), 'XML_MALFORMED'),
    text('"-----" filling an unterminated comment', fill('<xml><!--', '-', ''), 'XML_MALFORMED'),
    text('an unterminated CDATA section', fill(`${head}<Encrypt><![CDATA[`, 'A', ''), 'XML_MALFORMED'),
    text('attribute soup on the root', fill('<xml', ' a="x"', '></xml>'), 'XML_MALFORMED'),
    text(
      'a billion-laughs DOCTYPE',
      fill('<!DOCTYPE lolz [<!ENTITY lol "lol">', '<!ENTITY l "&lol;&lol;">', ']><xml/>'),
      'XML_FORBIDDEN_DECLARATION',
    ),
    text('the genuine envelope with a forged signature', genuine.body, 'SIGNATURE_MISMATCH', forged),
    text('one byte over the cap', `${genuine.body}${' '.repeat(cap + 1 - genuine.body.length)}`, 'BODY_TOO_LARGE'),
  ];
}

/** `bytes` random printable ASCII characters. */
function randomAscii(bytes: number): string {
  return Buffer.from(randomBytes(bytes).map((b) => 0x20 + (b % 0x5f))).toString('latin1');
}

/** Random CJK ideographs (3 UTF-8 bytes each) filling at most `bytes` bytes: a two-byte string for V8. */
function randomCjk(bytes: number): string {
  return String.fromCodePoint(...[...randomBytes(Math.floor(bytes / 3))].map((b, i) => 0x4e00 + (((b << 4) ^ i) % 0x5000)));
}

/** Median ns of a fast-xml-parser parse of the body as the handler would see it (errors are the expected outcome). */
function fullParseNs(event: APIGatewayProxyEventV2): number {
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const samples: number[] = [];
  for (let i = 0; i < FULL_PARSE_CALLS; i++) {
    const start = process.hrtime.bigint();
    try {
      parseWechatXmlWithFastXmlParser(body, { maxBytes: Number.POSITIVE_INFINITY });
    } catch {
      // Refused, as junk should be: only the time it took matters here.
    }
    samples.push(elapsedNs(start));
  }
  return median(samples);
}

function eventOf(request: { query: Record<string, string>; body: string }, isBase64Encoded = false): APIGatewayProxyEventV2 {
  return { queryStringParameters: request.query, body: request.body, isBase64Encoded } as unknown as APIGatewayProxyEventV2;
}

function bodyBytesOf(event: APIGatewayProxyEventV2): number {
  return event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').length : Buffer.byteLength(event.body ?? '');
}
