/**
 * POSTs one push envelope to the receiver and reports how it answered.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { PushResult } from '../types';
import type { PushEnvelope } from './push-envelope';

/** WeChat gives the receiver about 5 seconds to answer a push. */
export const PUSH_TIMEOUT_MS = 5000;
/** A receiver's answer is only ever `success`; anything longer is cut off here. */
const MAX_REPLY_BYTES = 64 * 1024;

/** Sends `envelope` to `pushUrl`; never throws: network errors and timeouts come back as `error`. */
export function sendPush(pushUrl: string, envelope: PushEnvelope, signal: AbortSignal): Promise<PushResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(pushUrl);
      for (const [name, value] of Object.entries(envelope.query)) url.searchParams.set(name, value);
    } catch {
      resolve(notAnswered('pushUrl is not a valid URL'));
      return;
    }
    const body = Buffer.from(envelope.body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml', 'Content-Length': body.length },
      signal,
      timeout: PUSH_TIMEOUT_MS,
    });
    req.on('timeout', () => req.destroy(new Error(`receiver did not answer within ${PUSH_TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve(notAnswered(err.message)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_REPLY_BYTES) chunks.push(chunk);
      });
      res.on('error', (err) => resolve(notAnswered(err.message)));
      res.on('end', () => {
        const status = res.statusCode ?? null;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status, body: text, acked: status === 200 && text === 'success' });
      });
    });
    req.end(body);
  });
}

/** A result for a push that got no HTTP answer. */
export function notAnswered(error: string): PushResult {
  return { status: null, body: '', acked: false, error };
}
