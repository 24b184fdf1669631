import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { acceptAuthorizationCode } from '../authorizer/accept-authorization-code';
import type { AuthorizerJobQueue } from '../authorizer/authorizer-jobs';
import type { ComponentSecrets } from '../config/component-secrets';
import { secretRegistry } from '../log/redaction';
import type { AuthorizationCodeStore } from '../store/authorization-code-store';
import type { AuthorizationEventStore } from '../store/authorization-event-store';
import type { AuthorizerStore } from '../store/authorizer-store';
import type { PushAuditLog } from '../store/push-audit-log';
import type { TicketStore } from '../store/ticket-store';
import { createMessageCrypto, type WechatMessageCrypto } from '../wechat/msg-crypto';
import { type ComponentPush, openComponentPush, type PushQuery } from '../wechat/push-message';

export interface PushDeps {
  componentAppid: string;
  getSecrets: () => Promise<ComponentSecrets>;
  tickets: TicketStore;
  events: AuthorizationEventStore;
  audit: PushAuditLog;
  /** Authorization codes of `authorized` / `updateauthorized` pushes, exchanged by the worker. */
  codes: Pick<AuthorizationCodeStore, 'record'>;
  jobs: AuthorizerJobQueue;
  /** `unauthorized` pushes revoke the authorizer at once. */
  authorizers: Pick<AuthorizerStore, 'revoke'>;
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  maxSkewSec: number;
  maxBodyBytes: number;
}

export interface AcceptedPush {
  /** The InfoType, or null for a push kept as unparsed. */
  infoType: string | null;
  createTime: number | null;
  /** 'stored' / 'not-newer' for tickets, 'recorded' / 'duplicate' for authorization events and unparsed pushes. */
  outcome: string;
}

// One decoded AES key per secrets object: the secrets getter hands out the same object until it re-reads.
const cryptoBySecrets = new WeakMap<ComponentSecrets, WechatMessageCrypto>();

function cryptoFor(secrets: ComponentSecrets, componentAppid: string): WechatMessageCrypto {
  let crypto = cryptoBySecrets.get(secrets);
  if (!crypto) {
    crypto = createMessageCrypto({ encodingAesKey: secrets.encodingAesKey, appid: componentAppid });
    cryptoBySecrets.set(secrets, crypto);
  }
  return crypto;
}

/**
 * Verifies, decrypts and stores one push to the authorization event URL (docs/wechat-protocol.md §1).
 * Throws WechatMessageError for a push to refuse and StoreError when it could not be stored: the caller must then
 * not acknowledge it, so WeChat retries. Replays and late pushes are accepted and change nothing; an authentic push
 * we cannot interpret is kept whole as unparsed and accepted.
 */
export async function acceptPush(deps: PushDeps, input: { query: PushQuery; body: string }): Promise<AcceptedPush> {
  const secrets = await deps.getSecrets();
  const receivedAtMs = deps.now();
  const nowSec = Math.floor(receivedAtMs / 1000);
  const { plaintext, reading } = openComponentPush({
    query: input.query,
    body: input.body,
    token: secrets.token,
    crypto: cryptoFor(secrets, deps.componentAppid),
    componentAppid: deps.componentAppid,
    nowSec,
    maxSkewSec: deps.maxSkewSec,
    maxBodyBytes: deps.maxBodyBytes,
  });
  if (reading.kind === 'unparsed') return acceptUnparsed(deps, plaintext, reading.reason, receivedAtMs);

  const { push, fields } = reading;
  if (push.infoType === 'authorized' || push.infoType === 'updateauthorized')
    secretRegistry.add(push.authorizationCode, push.preAuthCode ?? undefined);
  const infoType = push.infoType === 'unknown' ? push.rawInfoType : push.infoType;
  deps.logger.appendKeys({ infoType, createTime: push.createTime });

  const outcome = await storePush(deps, push, fields, receivedAtMs);
  await deps.audit.record({
    infoType,
    createTime: push.createTime,
    receivedAtMs,
    outcome,
    ...('authorizerAppid' in push && push.authorizerAppid ? { authorizerAppid: push.authorizerAppid } : {}),
  });
  deps.metrics.addMetric('PushesAccepted', MetricUnit.Count, 1);
  deps.logger.info('push accepted', { outcome });
  return { infoType, createTime: push.createTime, outcome };
}

/** Keeps an authentic push we could not interpret, sealed, and accepts it: nothing WeChat sent is lost to our parser. */
async function acceptUnparsed(deps: PushDeps, plaintext: string, reason: string, receivedAtMs: number): Promise<AcceptedPush> {
  const outcome = await deps.events.recordUnparsed({ plaintext, reason });
  await deps.audit.record({ receivedAtMs, outcome, unparsedReason: reason });
  deps.metrics.addMetric('PushesUnparsed', MetricUnit.Count, 1);
  // The reason only: the text is WeChat's message and may carry codes.
  deps.logger.warn('push unparsed', { reason, outcome });
  return { infoType: null, createTime: null, outcome };
}

async function storePush(deps: PushDeps, push: ComponentPush, fields: Record<string, string>, receivedAtMs: number): Promise<string> {
  if (push.infoType === 'component_verify_ticket') {
    const outcome = await deps.tickets.save({
      componentVerifyTicket: push.componentVerifyTicket,
      createTime: push.createTime,
      receivedAtMs,
    });
    if (outcome === 'stored') deps.metrics.addMetric('TicketsStored', MetricUnit.Count, 1);
    return outcome;
  }
  const result = await deps.events.record({
    infoType: push.infoType === 'unknown' ? push.rawInfoType : push.infoType,
    createTime: push.createTime,
    authorizerAppid: push.authorizerAppid,
    fields,
  });
  if (push.infoType === 'authorized' || push.infoType === 'updateauthorized') {
    // The receiver never calls WeChat: the code is recorded and queued for the worker, and only then acknowledged.
    const code = await acceptAuthorizationCode(deps, {
      code: push.authorizationCode,
      source: 'push',
      authorizerAppid: push.authorizerAppid,
      infoType: push.infoType,
      eventCreateTime: push.createTime,
      // WeChat sends the expiry as a unix time; about an hour after the event when it is missing (docs §4).
      codeExpiresAtMs: (push.authorizationCodeExpiredTime ?? push.createTime + 3600) * 1000,
    });
    return `${result.event}, code ${code.status}`;
  }
  if (push.infoType === 'unauthorized') {
    const revoked = await deps.authorizers.revoke({ authorizerAppid: push.authorizerAppid, eventCreateTime: push.createTime });
    deps.logger.info('authorizer revocation', { authorizerAppid: push.authorizerAppid, revocation: revoked });
    return `${result.event}, ${revoked}`;
  }
  return result.event;
}
