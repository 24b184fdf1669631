import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { secretRegistry } from '../log/redaction';
import { AWAITING_PUSH, type StoredCode } from '../store/authorization-code-store';
import { acceptAuthorizationCode } from './accept-authorization-code';
import type { AuthorizationPageDeps } from './authorization-page-deps';
import { AuthorizationPageError } from './authorization-page-errors';
import { exchangeAuthorizationCode } from './exchange-authorization-code';

/** What the administrator is told after consent. */
export type AuthorizationResult =
  /** The account's tokens are stored; `nickname` when its profile is known, the appid when only that is. */
  | { status: 'authorized'; authorizerAppid?: string; nickname?: string }
  /** Recorded and queued; the worker (or the push) finishes it. */
  | { status: 'processing' };

// WeChat's codes are short printable ASCII; anything else is not one, and is refused before anything is stored.
const AUTH_CODE = /^[\x21-\x7e]{1,512}$/;
const EXPIRES_IN = /^[1-9][0-9]{0,5}$/;
/** docs/wechat-protocol.md §4: an authorization code lives about an hour. */
const DEFAULT_CODE_TTL_SEC = 3600;

/**
 * GET /authorize/callback?auth_code=…&expires_in=…: WeChat's redirect after consent. The code is recorded like the
 * push records it (and queued for the worker), then exchanged here at once, so the administrator sees the result.
 * The claim in the code's item makes the exchange run once whoever asks: this callback, the push's worker job, or a
 * reload of this page. When someone else holds the claim, the callback reads the code's item for a few seconds.
 */
export async function completeAuthorization(
  deps: AuthorizationPageDeps,
  query: Record<string, string | undefined>,
): Promise<AuthorizationResult> {
  const code = query.auth_code;
  if (code === undefined || code === '') throw new AuthorizationPageError('CODE_MISSING', 'the callback carries no auth_code');
  if (!AUTH_CODE.test(code))
    throw new AuthorizationPageError('CODE_MALFORMED', 'auth_code is not printable ASCII of at most 512 characters');
  secretRegistry.add(code);
  const rate = await deps.callbackRate.take().catch((err: unknown) => {
    throw new AuthorizationPageError('STORE_UNAVAILABLE', 'the callback rate could not be counted', { cause: err });
  });
  if (!rate.allowed) {
    deps.metrics.addMetric('AuthorizationCallbacksRateLimited', MetricUnit.Count, 1);
    throw new AuthorizationPageError('CALLBACK_RATE_LIMITED', 'the callback allowance of this minute is spent', {
      retryAfterSec: rate.retryAfterSec,
    });
  }
  const expiresInSec =
    query.expires_in !== undefined && EXPIRES_IN.test(query.expires_in) ? Number(query.expires_in) : DEFAULT_CODE_TTL_SEC;

  const nowMs = deps.now();
  let item: StoredCode;
  try {
    item = await acceptAuthorizationCode(deps, {
      code,
      source: 'callback',
      eventCreateTime: Math.floor(nowMs / 1000),
      codeExpiresAtMs: nowMs + expiresInSec * 1000,
    });
  } catch (err) {
    throw new AuthorizationPageError('STORE_UNAVAILABLE', 'the authorization code could not be recorded', { cause: err });
  }
  const known = await settled(deps, item);
  if (known) return known;

  // From here the code is durable and queued: a failure leaves it to the worker, and the page says it is in hand.
  try {
    const outcome = await exchangeAuthorizationCode(deps, item.codeSha256);
    switch (outcome.status) {
      case 'skipped':
        return await waitForOutcome(deps, item.codeSha256);
      case 'retry':
        return { status: 'processing' };
      default:
        return await ended(deps, outcome);
    }
  } catch (err) {
    if (err instanceof AuthorizationPageError) throw err;
    deps.metrics.addMetric('AuthorizationCallbackFailures', MetricUnit.Count, 1);
    deps.logger.error('authorization callback could not finish the exchange; the worker will', {
      error: err instanceof Error ? err.name : 'unknown',
    });
    return { status: 'processing' };
  }
}

/** Reads the code's item while another invocation exchanges it, until it ends or the wait is over. */
async function waitForOutcome(deps: AuthorizationPageDeps, codeSha256: string): Promise<AuthorizationResult> {
  for (let poll = 0; poll < deps.callbackWait.polls; poll++) {
    await deps.sleep(deps.callbackWait.intervalMs);
    const item = await deps.codes.get(codeSha256);
    const known = item && (await settled(deps, item));
    if (known) return known;
  }
  return { status: 'processing' };
}

/** The result for a code whose exchange has ended, or null while it is pending or being exchanged. */
function settled(deps: AuthorizationPageDeps, item: StoredCode): Promise<AuthorizationResult> | null {
  if (item.status === 'pending' || item.status === 'exchanging') return null;
  return ended(deps, { status: item.status, authorizerAppid: item.authorizerAppid, reason: item.outcome });
}

/**
 * What the administrator is told about an exchange that ended: the account's name (its profile is best effort: the
 * exchange fetched it, a failure leaves it out), or why not. A code lost while waiting for its push is still in hand.
 */
async function ended(
  deps: AuthorizationPageDeps,
  end: { status: 'exchanged' | 'refused' | 'lost'; authorizerAppid?: string | undefined; reason?: string | undefined },
): Promise<AuthorizationResult> {
  if (end.status === 'refused')
    throw new AuthorizationPageError('CODE_REFUSED', 'WeChat refused the authorization code (unknown, used or expired)');
  if (end.status === 'lost') {
    if (end.reason === AWAITING_PUSH) return { status: 'processing' };
    throw new AuthorizationPageError('AUTHORIZATION_LOST', 'the authorization could not be completed');
  }
  if (!end.authorizerAppid) return { status: 'authorized' };
  const stored = await deps.authorizers.get(end.authorizerAppid).catch(() => null);
  const nickname = stored?.profile?.nickname;
  return { status: 'authorized', authorizerAppid: end.authorizerAppid, ...(nickname ? { nickname } : {}) };
}
