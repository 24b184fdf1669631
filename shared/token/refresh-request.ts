import * as v from 'valibot';
import { REFRESHER_READER_ALIAS } from '../contract';

export { invocationQualifier } from '../runtime/invocation-qualifier';

/**
 * Why a refresh was asked for. Readers may only ask for 'reader-miss' and 'invalidate' (see mayAskFor); 'operator' is
 * for a person invoking the refresher by hand (it also ignores a backoff after they fixed the configuration).
 */
export const refreshRequestSchema = v.variant('reason', [
  v.object({ action: v.literal('refresh'), reason: v.literal('schedule') }),
  v.object({ action: v.literal('refresh'), reason: v.literal('reader-miss') }),
  v.object({
    action: v.literal('refresh'),
    reason: v.literal('invalidate'),
    staleTokenSha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  }),
  v.object({ action: v.literal('refresh'), reason: v.literal('operator') }),
]);

export type RefreshRequest = v.InferOutput<typeof refreshRequestSchema>;
export type RefreshReason = RefreshRequest['reason'];

/** The refresher's answer. It never contains the token. */
export type RefreshOutcome =
  | { status: 'fresh'; version: number; expiresAtMs: number }
  | { status: 'refreshed'; version: number; expiresAtMs: number }
  /** Another refresh holds the lease; the token will appear in the store when it is done. */
  | { status: 'busy' }
  /** A slower refresher wrote first (see refresh-lease.ts); its token is in the store. */
  | { status: 'superseded' }
  | { status: 'no-ticket'; startPushTicket: 'called' | 'throttled' | 'failed' }
  | { status: 'backoff'; errcode: number; untilMs: number }
  | { status: 'failed'; errcode: number | null; error: string };

/**
 * Reads the refresher's input: a refresh request, or an EventBridge "Scheduled Event" (treated as 'schedule').
 * Returns null for anything else, which the handler rejects.
 */
export function parseRefreshEvent(event: unknown): RefreshRequest | null {
  const parsed = v.safeParse(refreshRequestSchema, event);
  if (parsed.success) return parsed.output;
  if (event && typeof event === 'object' && (event as Record<string, unknown>)['detail-type'] === 'Scheduled Event') {
    return { action: 'refresh', reason: 'schedule' };
  }
  return null;
}

/** What a token reader may ask for. 'schedule' and 'operator' come only through the unqualified function. */
const READER_REASONS: ReadonlySet<RefreshReason> = new Set(['reader-miss', 'invalidate']);

/**
 * Whether a request for `reason` may run when invoked through `qualifier`. IAM lets token readers invoke only the
 * `reader` alias; every qualified invocation (that alias, or any version or alias added later) gets only the reader
 * reasons, so a reader can never skip a backoff with 'operator'.
 */
export function mayAskFor(reason: RefreshReason, qualifier: string | null): boolean {
  return qualifier === null || READER_REASONS.has(reason);
}

/** The error a refused request fails with: says what is allowed and who may do the rest. */
export function refusedReasonMessage(reason: RefreshReason, qualifier: string): string {
  const via = qualifier === REFRESHER_READER_ALIAS ? `the '${REFRESHER_READER_ALIAS}' alias` : `qualifier '${qualifier}'`;
  return `refresh reason '${reason}' is refused through ${via}: readers may ask for ${[...READER_REASONS].join(' or ')}; operators invoke the unqualified function`;
}
