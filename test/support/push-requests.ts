/**
 * Crafting and sending pushes to the receiver by hand, for tests that need what the simulator's own push methods
 * do not offer: the exact same request twice, old timestamps, custom bodies, other content types.
 *
 * Envelopes come from the simulator's independent builder (local/wechat-sim/push/push-envelope.ts), never from
 * shared/: a crypto bug shared by sender and receiver would otherwise pass every test.
 */
import { randomBytes } from 'node:crypto';
import { buildPushEnvelope, type PushEnvelope, type PushKeys } from '../../local/wechat-sim/push/push-envelope';
import { buildPushMessageXml } from '../../local/wechat-sim/push/push-message-xml';
import type { PushTamper } from '../../local/wechat-sim/types';
import { ROUTES } from '../../shared/contract';
import { CapturedOutput } from './captured-output';
import { TEST_SECRETS } from './test-secrets';

/** Path of the authorization event receive URL on the harness gateway. */
export const PUSH_PATH = ROUTES.pushEvents;

/** The keys WeChat would use for the test component. */
export const TEST_PUSH_KEYS: PushKeys = {
  appid: TEST_SECRETS.componentAppid,
  token: TEST_SECRETS.token,
  encodingAesKey: TEST_SECRETS.encodingAesKey,
};

/** A push request as sent: query parameters (any may be left out) and the raw body. */
export interface PushRequest {
  query: Partial<Record<keyof PushEnvelope['query'], string>>;
  body: string;
}

/** What the receiver answered. */
export interface PushResponse {
  status: number;
  body: string;
  contentType: string | null;
  /** True only for HTTP 200 with a body of exactly `success` (docs/wechat-protocol.md §1). */
  acked: boolean;
}

/** An authentic push of inner `xml`, signed at `nowSec` for the test component unless `keys` say otherwise. */
export function signPush(xml: string, nowSec: number, options: { tamper?: PushTamper | undefined; keys?: PushKeys } = {}): PushEnvelope {
  return buildPushEnvelope({ xml, keys: options.keys ?? TEST_PUSH_KEYS, nowSec, tamper: options.tamper });
}

/** A fresh, unique ticket value shaped like WeChat's. */
export function newTicket(): string {
  return `ticket@@@${randomBytes(48).toString('base64url')}`;
}

/** Inner XML of a component_verify_ticket push for the test component. */
export function ticketXml(createTime: number, ticket: string): string {
  return buildPushMessageXml({
    appid: TEST_SECRETS.componentAppid,
    createTime,
    infoType: 'component_verify_ticket',
    fields: { ComponentVerifyTicket: ticket },
  });
}

/** Inner XML of any other push (authorization events, unknown InfoTypes) for the test component. */
export function eventXml(infoType: string, createTime: number, fields: Record<string, string> = {}): string {
  return buildPushMessageXml({ appid: TEST_SECRETS.componentAppid, createTime, infoType, fields });
}

/**
 * POSTs `request` to the receiver under `baseUrl` as WeChat does (text/xml), or with another method or content
 * type: a binary content type makes the gateway hand the body over base64-encoded, as API Gateway does.
 */
export async function sendPush(
  baseUrl: string,
  request: PushRequest,
  options: { method?: string; contentType?: string } = {},
): Promise<PushResponse> {
  const url = new URL(PUSH_PATH, baseUrl);
  for (const [name, value] of Object.entries(request.query)) if (value !== undefined) url.searchParams.set(name, value);
  const method = options.method ?? 'POST';
  const res = await fetch(url, {
    method,
    headers: { 'content-type': options.contentType ?? 'text/xml' },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: request.body }),
  });
  const body = await res.text();
  return { status: res.status, body, contentType: res.headers.get('content-type'), acked: res.status === 200 && body === 'success' };
}

/** The Encrypt element of an outer push body. */
export function encryptOf(request: PushRequest): string {
  const match = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(request.body);
  if (!match?.[1]) throw new Error('push body has no Encrypt element');
  return match[1];
}

/**
 * Runs `action` with stdout and stderr captured (Powertools' Logger and Metrics write there) and always restores
 * them, so a failing action cannot leave the streams swallowed for the rest of the run.
 */
export async function withCapturedOutput<T>(action: () => Promise<T>): Promise<{ result: T; output: CapturedOutput }> {
  const output = new CapturedOutput().start();
  try {
    return { result: await action(), output };
  } finally {
    output.stop();
  }
}

/** The `push rejected` log lines in `output`, reduced to what a test asserts on. */
export function rejectionsIn(output: CapturedOutput): Array<{ reason: unknown; status: unknown; level: unknown }> {
  return output.logs('push rejected').map((line) => ({ reason: line.reason, status: line.status, level: line.level }));
}
