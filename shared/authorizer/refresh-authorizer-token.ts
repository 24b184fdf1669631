import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { sha256Hex } from '../crypto/digests';
import type { RefreshReason, StoredAuthorizer } from '../store/authorizer-store';
import { READER_MIN_REMAINING_MS } from '../token/authorizer-token-reader';
import { ComponentTokenError } from '../token/component-token-error';
import type { AuthorizerApiResult } from '../wechat/authorizer-api';
import { WechatApiError } from '../wechat/errors';
import type { AuthorizerDeps } from './authorizer-deps';
import { AUTHORIZER_BACKOFF_MS, authorizerPolicyFor, retryDelayMs } from './authorizer-errcode-policy';

/** A refresh request: by the schedule (due), a reader with no usable token, a reader reporting a stale one, or an operator. */
export interface AuthorizerRefreshRequest {
  authorizerAppid: string;
  reason: RefreshReason;
  /** For `invalidate`: sha256 hex of the token WeChat answered 40001/42001 for. */
  staleTokenSha256?: string;
}

/** The worker's answer to a refresh request. Never contains a token. */
export type AuthorizerRefreshOutcome =
  | { status: 'refreshed'; version: number; expiresAtMs: number }
  | { status: 'fresh'; version: number; expiresAtMs: number | null }
  /** Another refresh holds the lease; its token will be in the store. */
  | { status: 'busy' }
  | { status: 'unknown' }
  | { status: 'revoked' }
  | { status: 'needs_reauth'; reason: string }
  | { status: 'backoff'; errcode: number; untilMs: number }
  /** This attempt failed and is retried later (the lease is kept until then). */
  | { status: 'failed'; error: string; errcode: number | null; retryAtMs: number };

export { READER_MIN_REMAINING_MS };

/**
 * A reader-miss refreshes when the token has less than this left: a minute more than readers require, so a reader
 * whose clock runs a little ahead of the worker's never hears "fresh" about a token it cannot use.
 */
const READER_MISS_WINDOW_MS = READER_MIN_REMAINING_MS + 60_000;
/**
 * An invalidation is ignored while the stored token is younger than this: WeChat does not revoke a token it just
 * issued, and it caps how fast a buggy or hostile reader could spend an authorizer's quota (one refresh a minute).
 */
export const MIN_TOKEN_AGE_FOR_INVALIDATION_MS = 60_000;

/**
 * Refreshes one authorizer's access token if the request is worth WeChat quota, under the authorizer's lease: one
 * refresh at a time whoever asks, and the write names the version it replaces. The refresh token WeChat answers with
 * is written in the same write, never blank, the one it replaces kept as previous. 61023 first tries to fetch the
 * refresh token again (WeChat's own advice) before the authorizer is marked needs_reauth.
 */
export async function refreshAuthorizerToken(deps: AuthorizerDeps, request: AuthorizerRefreshRequest): Promise<AuthorizerRefreshOutcome> {
  const { authorizerAppid } = request;
  const lease = await deps.authorizers.acquireLease({
    authorizerAppid,
    reason: request.reason,
    minRemainingMs: READER_MISS_WINDOW_MS,
    minTokenAgeMs: MIN_TOKEN_AGE_FOR_INVALIDATION_MS,
    ...(request.staleTokenSha256 ? { staleTokenSha256: request.staleTokenSha256 } : {}),
  });
  if (!lease.acquired) return whyNot(deps, lease.item, request);

  const { holder, item } = lease;
  const leased: Leased = { request, holder, item };
  if (!item.refreshToken) return markNeedsReauth(deps, leased, 'no refresh token stored');
  let refreshToken = await deps.authorizers.openRefreshToken(authorizerAppid, item.refreshToken);
  for (let recovered = false; ; recovered = true) {
    // Validity is measured from before the request: the token may have been issued at any point during it.
    const fetchedAtMs = deps.now();
    let answer: AuthorizerApiResult<'refreshAuthorizerToken'>;
    try {
      answer = await deps.componentToken.withComponentAccessToken((componentAccessToken) =>
        deps.api.refreshAuthorizerToken({ componentAppid: deps.componentAppid, componentAccessToken, authorizerAppid, refreshToken }),
      );
    } catch (err) {
      if (
        !recovered &&
        err instanceof WechatApiError &&
        err.code === 'ERRCODE' &&
        err.errcode !== undefined &&
        authorizerPolicyFor(err.errcode).action === 'recover'
      ) {
        const refetched = await refetchRefreshToken(deps, leased);
        // Not asked (WeChat busy, a timeout, no component token): that is no answer yet, so no verdict on the account.
        if ('failure' in refetched) return answerFailure(deps, leased, refetched.failure);
        if (refetched.refreshToken) {
          refreshToken = refetched.refreshToken;
          continue;
        }
        return markNeedsReauth(deps, leased, `errcode ${err.errcode}`);
      }
      return answerFailure(deps, leased, err);
    }
    // WeChat answered: from here a storage failure keeps the lease until it expires (no second call meanwhile).
    try {
      const stored = await deps.authorizers.storeRefresh({
        authorizerAppid,
        holder,
        expectedVersion: item.version,
        accessToken: answer.accessToken,
        expiresInSec: answer.expiresInSec,
        fetchedAtMs,
        ...(answer.refreshToken ? { refreshToken: answer.refreshToken } : {}),
        current: recovered ? { ...(await currentRefreshToken(deps, authorizerAppid)) } : item,
      });
      if (!stored) {
        deps.logger.warn('authorizer token write lost its lease or version; discarding ours', { authorizerAppid });
        return { status: 'busy' };
      }
      deps.metrics.addMetric('AuthorizerTokenRefreshes', MetricUnit.Count, 1);
      deps.logger.info('authorizer_access_token refreshed', {
        authorizerAppid,
        version: stored.version,
        expiresAt: new Date(stored.expiresAtMs).toISOString(),
        refreshTokenRotated: Boolean(answer.refreshToken && answer.refreshToken !== refreshToken),
      });
      return { status: 'refreshed', ...stored };
    } catch (err) {
      deps.metrics.addMetric('AuthorizerStoreFailures', MetricUnit.Count, 1);
      deps.logger.error('WeChat answered but the authorizer token could not be stored; keeping the lease until it expires', {
        authorizerAppid,
        error: err instanceof Error ? err.name : 'unknown',
      });
      throw err;
    }
  }
}

/** The stored refresh token after a recovery replaced it (storeRefresh must name it to keep it as previous). */
async function currentRefreshToken(deps: AuthorizerDeps, authorizerAppid: string): Promise<Pick<StoredAuthorizer, 'refreshToken'>> {
  const current = await deps.authorizers.get(authorizerAppid);
  return current?.refreshToken ? { refreshToken: current.refreshToken } : {};
}

/** A refresh under its lease: what was asked, the lease holder, and the item as the lease was taken. */
interface Leased {
  request: AuthorizerRefreshRequest;
  holder: string;
  item: StoredAuthorizer;
}

/**
 * After 61023: the refresh token WeChat holds for the account now (api_get_authorizer_info). A different one is
 * stored (the old one kept as previous) and returned; the same one, or none, is `null`: the account must authorize
 * again. When WeChat could not be asked, the failure is returned for the caller to treat like any failed call.
 */
async function refetchRefreshToken(
  deps: AuthorizerDeps,
  { item, holder }: Leased,
): Promise<{ refreshToken: string | null } | { failure: unknown }> {
  let found: string | undefined;
  try {
    const info = await deps.componentToken.withComponentAccessToken((componentAccessToken) =>
      deps.api.getAuthorizerInfo({ componentAppid: deps.componentAppid, componentAccessToken, authorizerAppid: item.authorizerAppid }),
    );
    found = info.authorization.refreshToken;
  } catch (err) {
    deps.logger.warn('refresh token refused (61023) and api_get_authorizer_info failed', {
      authorizerAppid: item.authorizerAppid,
      error: err instanceof WechatApiError ? err.code : 'unknown',
      errcode: err instanceof WechatApiError ? err.errcode : undefined,
    });
    return { failure: err };
  }
  // None, or the very token WeChat just refused: nothing better to try.
  if (!found || sha256Hex(found) === item.refreshToken?.sha256) return { refreshToken: null };
  if (!(await deps.authorizers.replaceRefreshToken({ authorizerAppid: item.authorizerAppid, holder, refreshToken: found, current: item })))
    return { refreshToken: null };
  deps.metrics.addMetric('AuthorizerRefreshTokensRecovered', MetricUnit.Count, 1);
  deps.logger.warn('refresh token refused (61023); a different one was found with api_get_authorizer_info and is used', {
    authorizerAppid: item.authorizerAppid,
  });
  return { refreshToken: found };
}

/**
 * The account must authorize again. Unless the lease was lost meanwhile: a revocation or a new authorization took the
 * item over (and is why WeChat refused the token), so the outcome is what the store holds now, and nothing is alarmed.
 */
async function markNeedsReauth(deps: AuthorizerDeps, { request, holder, item }: Leased, reason: string): Promise<AuthorizerRefreshOutcome> {
  const { authorizerAppid } = item;
  if (!(await deps.authorizers.markNeedsReauth({ authorizerAppid, holder, reason }))) {
    deps.logger.warn('authorizer changed while its refresh token was refused; the store has the newer state', { authorizerAppid, reason });
    return whyNot(deps, await deps.authorizers.get(authorizerAppid), request);
  }
  deps.metrics.addMetric('AuthorizersNeedReauth', MetricUnit.Count, 1);
  deps.logger.error('authorizer needs to authorize again: its refresh token is refused', { authorizerAppid, reason });
  return { status: 'needs_reauth', reason };
}

async function answerFailure(deps: AuthorizerDeps, leased: Leased, err: unknown): Promise<AuthorizerRefreshOutcome> {
  const { holder, item } = leased;
  const { authorizerAppid } = item;
  deps.metrics.addMetric('AuthorizerTokenRefreshFailures', MetricUnit.Count, 1);
  if (err instanceof WechatApiError && err.code === 'ERRCODE' && err.errcode !== undefined && err.errcode !== -1) {
    const policy = authorizerPolicyFor(err.errcode);
    if (policy.action === 'reauth' || policy.action === 'recover') return markNeedsReauth(deps, leased, `errcode ${err.errcode}`);
    if (policy.action === 'quota' || policy.action === 'config') {
      const untilMs = deps.now() + AUTHORIZER_BACKOFF_MS[policy.action];
      await deps.authorizers.backOff({ authorizerAppid, holder, untilMs, errcode: err.errcode });
      deps.metrics.addMetric(policy.action === 'quota' ? 'WechatQuotaExhausted' : 'WechatConfigErrors', MetricUnit.Count, 1);
      deps.logger.error('authorizer token refresh refused; not retrying until the backoff ends', {
        authorizerAppid,
        errcode: err.errcode,
        meaning: policy.meaning,
        operatorAction: policy.operator,
        backoffUntil: new Date(untilMs).toISOString(),
      });
      return { status: 'backoff', errcode: err.errcode, untilMs };
    }
  }
  if (!(err instanceof WechatApiError) && !(err instanceof ComponentTokenError)) throw err;
  // -1, a timeout, a dropped connection, 5xx, or no component token: the lease is kept until it expires, and each
  // failure in a row waits longer (1, 2, 4 ... min), so ten thousand authorizers do not keep hammering a WeChat in trouble.
  const failures = (item.refreshFailures ?? 0) + 1;
  const retryAtMs = deps.now() + retryDelayMs(failures);
  await deps.authorizers.retryLater({ authorizerAppid, holder, retryAtMs, failures });
  const error = err instanceof WechatApiError ? err.code : `COMPONENT_TOKEN_${err.code}`;
  const errcode = err instanceof WechatApiError ? (err.errcode ?? null) : null;
  deps.logger.warn('authorizer token refresh failed; retried later', {
    authorizerAppid,
    error,
    errcode,
    failuresInARow: failures,
    retryAt: new Date(retryAtMs).toISOString(),
  });
  return { status: 'failed', error, errcode, retryAtMs };
}

/** Why no refresh happened, from the item the failed lease condition was checked against. */
function whyNot(deps: AuthorizerDeps, item: StoredAuthorizer | null, request: AuthorizerRefreshRequest): AuthorizerRefreshOutcome {
  if (!item) return { status: 'unknown' };
  if (item.status === 'revoked') return { status: 'revoked' };
  if (item.status === 'needs_reauth') return { status: 'needs_reauth', reason: item.reauthReason ?? 'refresh token refused' };
  const nowMs = deps.now();
  if (item.lease && item.lease.untilMs > nowMs) return { status: 'busy' };
  if (item.backoff && item.backoff.untilMs > nowMs && request.reason !== 'operator')
    return { status: 'backoff', errcode: item.backoff.errcode, untilMs: item.backoff.untilMs };
  if (request.reason === 'invalidate' && item.accessToken && nowMs - item.accessToken.fetchedAtMs < MIN_TOKEN_AGE_FOR_INVALIDATION_MS) {
    deps.logger.warn('invalidation ignored: the stored authorizer token is too young to be stale', {
      authorizerAppid: request.authorizerAppid,
      tokenAgeMs: nowMs - item.accessToken.fetchedAtMs,
    });
  }
  return { status: 'fresh', version: item.version, expiresAtMs: item.accessToken?.expiresAtMs ?? null };
}
