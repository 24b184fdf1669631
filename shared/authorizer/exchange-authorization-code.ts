import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AWAITING_PUSH, type ClaimResult, type StoredCode } from '../store/authorization-code-store';
import { ComponentTokenError } from '../token/component-token-error';
import type { AuthorizerApiResult } from '../wechat/authorizer-api';
import { WechatApiError } from '../wechat/errors';
import type { AuthorizerDeps } from './authorizer-deps';
import { retryDelayMs } from './authorizer-errcode-policy';

/** How one exchange attempt ended. `retry` and thrown errors mean "try again later" (the SQS message is retried). */
export type ExchangeOutcome =
  | { status: 'exchanged'; authorizerAppid: string; recovered: boolean }
  | { status: 'refused'; reason: string; errcode?: number }
  | { status: 'retry'; reason: string }
  | { status: 'lost'; reason: string }
  /** Nothing to do: already exchanged or refused, claimed by another attempt, or unknown. */
  | { status: 'skipped'; reason: string };

// 61009: code invalid (never issued, or already used); 61010: code expired (docs/wechat-protocol.md §4).
const CODE_USED_OR_INVALID = new Set([61009, 61010]);

/**
 * Exchanges one authorization code for the authorizer's tokens, exactly once however many times it is asked (the
 * push and the consent redirect carry the same code, SQS redelivers, workers crash).
 *
 * The claim (a conditional write) lets one attempt at a time call api_query_auth. If an earlier attempt may have
 * reached WeChat and WeChat now answers "code used" (61009/61010), the earlier attempt did use it and its answer was
 * lost: the refresh token is then recovered with api_get_authorizer_info instead, never by exchanging again. A code
 * WeChat refuses on its first attempt changes no authorizer and is never retried.
 */
export async function exchangeAuthorizationCode(deps: AuthorizerDeps, codeSha256: string): Promise<ExchangeOutcome> {
  const claim = await deps.codes.claim(codeSha256);
  if (!claim.claimed) return { status: 'skipped', reason: claim.item ? `code is ${claim.item.status}` : 'unknown code' };

  // The previous attempt already learned the code is used: recover without spending another call on it.
  if (claim.maybeUsedBefore && claim.item.lastErrcode !== undefined && CODE_USED_OR_INVALID.has(claim.item.lastErrcode))
    return recover(deps, claim);
  if (!claim.maybeUsedBefore && claim.item.codeExpiresAtMs <= deps.now()) return refuse(deps, claim, 'expired');

  let exchanged: AuthorizerApiResult<'queryAuth'>;
  try {
    exchanged = await deps.componentToken.withComponentAccessToken((componentAccessToken) =>
      deps.api.queryAuth({ componentAppid: deps.componentAppid, componentAccessToken, authorizationCode: claim.code }),
    );
  } catch (err) {
    return answerFailure(deps, claim, err);
  }

  if (claim.item.authorizerAppid && claim.item.authorizerAppid !== exchanged.authorizerAppid) {
    deps.logger.warn('authorization code exchanged for another authorizer than its push named; WeChat is believed', {
      ...codeKeys(claim),
      pushAuthorizerAppid: claim.item.authorizerAppid,
      authorizerAppid: exchanged.authorizerAppid,
    });
  }
  // From here on the code is used up: a failure to store rethrows, the claim stays until its lease ends, and the next
  // attempt finds "maybe used before" and recovers the refresh token instead of losing it.
  const applied = await deps.authorizers.applyAuthorization({
    authorizerAppid: exchanged.authorizerAppid,
    eventCreateTime: claim.item.eventCreateTime,
    refreshToken: exchanged.refreshToken!,
    ...(exchanged.accessToken ? { accessToken: { ...exchanged.accessToken, fetchedAtMs: deps.now() } } : {}),
    funcInfo: exchanged.funcInfo,
  });
  await deps.codes.finish({
    codeSha256,
    holder: claim.holder,
    status: 'exchanged',
    outcome: applied === 'applied' ? 'exchanged' : 'exchanged-but-superseded',
    authorizerAppid: exchanged.authorizerAppid,
  });
  deps.metrics.addMetric('AuthorizationsExchanged', MetricUnit.Count, 1);
  deps.logger.info('authorization code exchanged', {
    ...codeKeys(claim),
    authorizerAppid: exchanged.authorizerAppid,
    infoType: claim.item.infoType,
    applied,
  });
  if (applied === 'applied') await fetchProfile(deps, exchanged.authorizerAppid);
  return { status: 'exchanged', authorizerAppid: exchanged.authorizerAppid, recovered: false };
}

async function answerFailure(deps: AuthorizerDeps, claim: Extract<ClaimResult, { claimed: true }>, err: unknown): Promise<ExchangeOutcome> {
  if (err instanceof ComponentTokenError) return retry(deps, claim, { notSent: true, reason: `component token ${err.code}` });
  if (!(err instanceof WechatApiError)) throw err;
  if (err.code === 'ERRCODE' && err.errcode !== undefined) {
    if (CODE_USED_OR_INVALID.has(err.errcode)) {
      if (claim.maybeUsedBefore) {
        // Remembered before recovering: if this attempt dies too, the next one goes straight to recovery.
        await deps.codes.noteErrcode({ codeSha256: claim.item.codeSha256, holder: claim.holder, errcode: err.errcode });
        return recover(deps, claim);
      }
      return refuse(deps, claim, err.errcode === 61010 ? 'expired' : 'invalid', err.errcode);
    }
    // -1: WeChat answered that it is busy, so the code was not used.
    if (err.errcode === -1) return retry(deps, claim, { notSent: true, reason: 'errcode -1', errcode: -1 });
    return refuse(deps, claim, `errcode ${err.errcode}`, err.errcode);
  }
  // A timeout, a dropped connection, a 5xx: the request may have been processed. Only a connection refused before
  // anything was sent (retryable on a single-use call, see wechat-http.ts) certainly left the code unused.
  return retry(deps, claim, { notSent: err.code === 'NETWORK' && err.retryable, reason: err.code });
}

/**
 * The code was used by an attempt whose answer was lost: api_get_authorizer_info returns the authorization's refresh
 * token (docs/wechat-protocol.md §4). It needs the authorizer's appid, which only the push names.
 */
async function recover(deps: AuthorizerDeps, claim: Extract<ClaimResult, { claimed: true }>): Promise<ExchangeOutcome> {
  const { item, holder } = claim;
  if (!item.authorizerAppid) {
    await deps.codes.finish({ codeSha256: item.codeSha256, holder, status: 'lost', outcome: AWAITING_PUSH });
    deps.logger.warn('authorization code used by a lost attempt; waiting for its push to name the authorizer', codeKeys(claim));
    return { status: 'lost', reason: AWAITING_PUSH };
  }
  let info: AuthorizerApiResult<'getAuthorizerInfo'>;
  try {
    info = await deps.componentToken.withComponentAccessToken((componentAccessToken) =>
      deps.api.getAuthorizerInfo({ componentAppid: deps.componentAppid, componentAccessToken, authorizerAppid: item.authorizerAppid! }),
    );
  } catch (err) {
    if (
      err instanceof ComponentTokenError ||
      (err instanceof WechatApiError && (err.retryable || err.errcode === -1 || err.code !== 'ERRCODE'))
    ) {
      return retry(deps, claim, { notSent: false, reason: 'recovery not answered', errcode: item.lastErrcode ?? 61009 });
    }
    if (err instanceof WechatApiError) return lose(deps, claim, `api_get_authorizer_info errcode ${err.errcode}`);
    throw err;
  }
  if (!info.authorization.refreshToken) return lose(deps, claim, 'no refresh token in api_get_authorizer_info');
  const applied = await deps.authorizers.applyAuthorization({
    authorizerAppid: item.authorizerAppid,
    eventCreateTime: item.eventCreateTime,
    refreshToken: info.authorization.refreshToken,
    funcInfo: info.authorization.funcInfo,
    profile: info.profile,
  });
  await deps.codes.finish({
    codeSha256: item.codeSha256,
    holder,
    status: 'exchanged',
    outcome: applied === 'applied' ? 'recovered' : 'recovered-but-superseded',
  });
  deps.metrics.addMetric('AuthorizationsRecovered', MetricUnit.Count, 1);
  deps.logger.warn('authorization recovered with api_get_authorizer_info after a lost exchange answer', {
    ...codeKeys(claim),
    authorizerAppid: item.authorizerAppid,
    applied,
  });
  return { status: 'exchanged', authorizerAppid: item.authorizerAppid, recovered: true };
}

async function refuse(
  deps: AuthorizerDeps,
  claim: Extract<ClaimResult, { claimed: true }>,
  reason: string,
  errcode?: number,
): Promise<ExchangeOutcome> {
  await deps.codes.finish({
    codeSha256: claim.item.codeSha256,
    holder: claim.holder,
    status: 'refused',
    outcome: reason,
    ...(errcode === undefined ? {} : { errcode }),
  });
  deps.metrics.addMetric('AuthorizationCodesRefused', MetricUnit.Count, 1);
  deps.logger.warn('authorization code refused; no authorizer changed', {
    ...codeKeys(claim),
    reason,
    errcode,
    sources: claim.item.sources,
  });
  return { status: 'refused', reason, ...(errcode === undefined ? {} : { errcode }) };
}

async function lose(deps: AuthorizerDeps, claim: Extract<ClaimResult, { claimed: true }>, reason: string): Promise<ExchangeOutcome> {
  await deps.codes.finish({ codeSha256: claim.item.codeSha256, holder: claim.holder, status: 'lost', outcome: reason });
  deps.metrics.addMetric('AuthorizationsLost', MetricUnit.Count, 1);
  deps.logger.error('authorization lost: the account must authorize again', {
    ...codeKeys(claim),
    authorizerAppid: claim.item.authorizerAppid,
    reason,
  });
  return { status: 'lost', reason };
}

async function retry(
  deps: AuthorizerDeps,
  claim: Extract<ClaimResult, { claimed: true }>,
  attempt: { notSent: boolean; reason: string; errcode?: number },
): Promise<ExchangeOutcome> {
  const item: StoredCode = claim.item;
  const retryAtMs = deps.now() + retryDelayMs(item.attempts);
  await deps.codes.retryLater({
    codeSha256: item.codeSha256,
    holder: claim.holder,
    retryAtMs,
    notSent: attempt.notSent,
    ...(attempt.errcode === undefined ? {} : { errcode: attempt.errcode }),
  });
  deps.metrics.addMetric('AuthorizationExchangeRetries', MetricUnit.Count, 1);
  deps.logger.warn('authorization code exchange will be retried', {
    ...codeKeys(claim),
    reason: attempt.reason,
    retryAt: new Date(retryAtMs).toISOString(),
  });
  return { status: 'retry', reason: attempt.reason };
}

/** The account's profile for operators (nickname, kind, principal); best effort, a later refresh does not need it. */
async function fetchProfile(deps: AuthorizerDeps, authorizerAppid: string): Promise<void> {
  try {
    const { profile } = await deps.componentToken.withComponentAccessToken((componentAccessToken) =>
      deps.api.getAuthorizerInfo({ componentAppid: deps.componentAppid, componentAccessToken, authorizerAppid }),
    );
    await deps.authorizers.setProfile({ authorizerAppid, profile });
  } catch (err) {
    deps.logger.warn('authorizer profile not fetched; it is fetched again at the next authorization', {
      authorizerAppid,
      error: err instanceof Error ? err.name : 'unknown',
    });
  }
}

/** What identifies an attempt in a log line: the code's hash prefix (never the code) and the attempt number. */
function codeKeys(claim: Extract<ClaimResult, { claimed: true }>): Record<string, unknown> {
  return { codeSha256Prefix: claim.item.codeSha256.slice(0, 12), attempt: claim.item.attempts };
}
