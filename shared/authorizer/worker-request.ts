import type { SQSEvent } from 'aws-lambda';
import { type AuthorizationLinkTarget, readLinkRequest } from './authorization-link';
import type { AuthorizerRefreshRequest } from './refresh-authorizer-token';

/**
 * What the authorizer worker is asked to do. SQS batches carry refresh and exchange jobs; readers ask for a refresh
 * (through the `reader` alias: reader-miss and invalidate only); the schedules ask for the due sweep and the daily
 * reconcile; operators (the unqualified function) may force a refresh, import every refresh token WeChat lists, or
 * make a signed authorization link.
 */
export type WorkerRequest =
  | { action: 'jobs'; event: SQSEvent }
  | ({ action: 'refresh' } & AuthorizerRefreshRequest)
  | { action: 'schedule' }
  | { action: 'reconcile' }
  | { action: 'import' }
  | ({ action: 'authorization-link'; ttlSec: number } & AuthorizationLinkTarget);

/** Actions a caller of an alias (a token reader) may ask for; the rest only through the unqualified function. */
export const READER_ACTIONS = new Set(['refresh:reader-miss', 'refresh:invalidate']);

const APPID = /^wx[0-9A-Za-z]{16}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const REASONS = new Set(['schedule', 'reader-miss', 'invalidate', 'operator']);

/**
 * The worker's input, or null for anything else (refused by the handler); an authorization-link request with a bad
 * field throws AuthorizationLinkRequestError naming it. Checked by hand: the worker runs on every
 * refresh of every authorizer, and a validation library would be most of its bundle (see bench, cold start).
 */
export function parseWorkerRequest(event: unknown): WorkerRequest | null {
  if (typeof event !== 'object' || event === null) return null;
  const input = event as Record<string, unknown>;
  if (Array.isArray(input.Records) && input.Records.every((record) => (record as { eventSource?: unknown })?.eventSource === 'aws:sqs')) {
    return { action: 'jobs', event: event as SQSEvent };
  }
  switch (input.action) {
    case 'schedule':
    case 'reconcile':
    case 'import':
      return { action: input.action };
    case 'authorization-link':
      return { action: 'authorization-link', ...readLinkRequest(input) };
    case 'refresh': {
      if (typeof input.authorizerAppid !== 'string' || !APPID.test(input.authorizerAppid)) return null;
      if (typeof input.reason !== 'string' || !REASONS.has(input.reason)) return null;
      const reason = input.reason as AuthorizerRefreshRequest['reason'];
      if (reason === 'invalidate') {
        if (typeof input.staleTokenSha256 !== 'string' || !SHA256_HEX.test(input.staleTokenSha256)) return null;
        return { action: 'refresh', authorizerAppid: input.authorizerAppid, reason, staleTokenSha256: input.staleTokenSha256 };
      }
      return { action: 'refresh', authorizerAppid: input.authorizerAppid, reason };
    }
    default:
      return null;
  }
}

/** The key READER_ACTIONS is checked with. */
export function actionKey(request: WorkerRequest): string {
  return request.action === 'refresh' ? `refresh:${request.reason}` : request.action;
}
