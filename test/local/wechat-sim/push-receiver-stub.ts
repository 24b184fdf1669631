/**
 * A tiny node:http receiver that records pushes, and a decoder that checks them with `wechat-crypto`.
 */
import { createServer } from 'node:http';
import WXBizMsgCrypt from 'wechat-crypto';
import { CANARY } from './sim-harness';

/** One request the receiver got. */
export interface RecordedPush {
  query: URLSearchParams;
  contentType: string | undefined;
  body: string;
}

/** What the receiver answers. */
export type Reply = { status: number; body: string };

/** A running receiver. */
export interface PushReceiver {
  url: string;
  pushes: RecordedPush[];
  setReply(reply: Reply): void;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 that answers 200 `success` until told otherwise. */
export async function startPushReceiver(): Promise<PushReceiver> {
  const pushes: RecordedPush[] = [];
  let reply: Reply = { status: 200, body: 'success' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      pushes.push({
        query: new URL(req.url ?? '/', 'http://receiver.invalid').searchParams,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(reply.status, { 'Content-Type': 'text/plain' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/wechat/push`,
    pushes,
    setReply: (next) => {
      reply = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const running: PushReceiver[] = [];

/** Starts a receiver that {@link closeTestReceivers} will close. */
export async function startTestReceiver(): Promise<PushReceiver> {
  const receiver = await startPushReceiver();
  running.push(receiver);
  return receiver;
}

/** Closes every receiver started by startTestReceiver; call from afterEach. */
export async function closeTestReceivers(): Promise<void> {
  await Promise.all(running.splice(0).map((receiver) => receiver.close()));
}

/** The first text of `<name>` in flat WeChat XML, CDATA or not; undefined when absent. */
export function xmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Both push signatures checked with the wechat-crypto oracle, without decrypting. */
export function checkPushSignatures(push: RecordedPush): { msgSignatureMatches: boolean; signatureMatches: boolean } {
  const oracle = new WXBizMsgCrypt(CANARY.token, CANARY.encodingAesKey, CANARY.componentAppid);
  const encrypt = xmlField(push.body, 'Encrypt') ?? '';
  const timestamp = push.query.get('timestamp') ?? '';
  const nonce = push.query.get('nonce') ?? '';
  return {
    msgSignatureMatches: oracle.getSignature(timestamp, nonce, encrypt) === push.query.get('msg_signature'),
    // With an empty Encrypt the sorted join is exactly that of [token, timestamp, nonce].
    signatureMatches: oracle.getSignature(timestamp, nonce, '') === push.query.get('signature'),
  };
}

/** A push checked and opened with the wechat-crypto oracle. */
export interface OpenedPush {
  outerAppid: string | undefined;
  msgSignatureMatches: boolean;
  signatureMatches: boolean;
  innerXml: string;
  trailerAppid: string;
}

/** Verifies both signatures and decrypts with `wechat-crypto`, never with the simulator's own crypto. */
export function openPush(push: RecordedPush): OpenedPush {
  const oracle = new WXBizMsgCrypt(CANARY.token, CANARY.encodingAesKey, CANARY.componentAppid);
  const { message, id } = oracle.decrypt(xmlField(push.body, 'Encrypt') ?? '');
  return {
    outerAppid: xmlField(push.body, 'AppId'),
    ...checkPushSignatures(push),
    innerXml: message,
    trailerAppid: id,
  };
}
