import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { sameDigest, sha256Hex } from '../crypto/digests';
import type { H5OAuthOutcome, H5OAuthState } from '../store/h5-oauth-state-store';
import { StoreError } from '../store/store-errors';
import type { SealedUserTokens, UserOAuthTokens, WechatUserProfile } from '../store/user-store';
import { ComponentTokenError } from '../token/component-token-error';
import { WechatApiError } from '../wechat/errors';
import { type Binding, bindingCookieName, checkBinding } from './browser-binding';
import type { H5OAuthDeps } from './h5-oauth-deps';
import { H5OAuthError, type H5OAuthErrorCode } from './h5-oauth-errors';
import { retryUrlFor, withResultParam } from './return-page';

const STATE_PATTERN = /^[A-Za-z0-9]{1,128}$/;

/**
 * GET /h5-oauth/callback: WeChat sends the browser back with `code`, `state` and `appid` (no code: the user refused).
 * Returns where to send the browser: return_to with a single-use `wx_login` code, or with `wx_error`.
 *
 * Order matters: the state is read and the browser binding checked before anything is consumed or exchanged, the
 * state is consumed atomically (one of any number of concurrent callbacks wins), and WeChat is called at most once
 * per state. A replay from the same browser within the replay window gets the first outcome again.
 */
export async function completeH5OAuth(
  deps: H5OAuthDeps,
  request: { query: Record<string, string | undefined>; cookies: Record<string, string> },
): Promise<{ location: string }> {
  const { state, code, appid } = request.query;
  if (!state || !STATE_PATTERN.test(state)) throw new H5OAuthError('UNKNOWN_STATE', 'the sign-in state is missing or malformed');
  const record = await deps.states.get(state);
  if (!record) throw new H5OAuthError('UNKNOWN_STATE', 'unknown or expired sign-in state');
  const retryUrl = retryUrlFor(record);
  const sameBrowser = checkBinding(record, request.cookies[bindingCookieName(state)]);

  if (record.consumedAtMs !== undefined) return replay(deps, record, sameBrowser, code, retryUrl);
  if (sameBrowser !== 'same') {
    throw new H5OAuthError(
      sameBrowser === 'missing' ? 'COOKIE_MISSING' : 'COOKIE_MISMATCH',
      'this sign-in was started in another browser',
      retryUrl,
    );
  }
  if (record.expiresAtMs <= deps.now()) throw new H5OAuthError('STATE_EXPIRED', 'the sign-in took too long', retryUrl);
  // A refusal carries only `state`; with a code, WeChat names the authorizer it was issued for.
  if (code !== undefined && appid !== record.authorizerAppid)
    throw new H5OAuthError('APPID_MISMATCH', 'the callback is for another official account', retryUrl);

  const consumed = await deps.states.consume(state, code ? sha256Hex(code) : null);
  if (consumed === 'already-consumed') return replay(deps, (await deps.states.get(state)) ?? record, sameBrowser, code, retryUrl);
  if (consumed === 'expired') throw new H5OAuthError('STATE_EXPIRED', 'the sign-in took too long', retryUrl);

  if (!code) {
    await deps.states.complete(state, { kind: 'refused' });
    deps.metrics.addMetric('H5OAuthRefused', MetricUnit.Count, 1);
    deps.logger.info('h5-oauth refused by the user', { authorizerAppid: record.authorizerAppid });
    return { location: withResultParam(record.returnTo, 'wx_error', 'access_denied') };
  }

  let outcome: SignedIn;
  let loginCode: Promise<string>;
  try {
    const user = await exchangeCode(deps, record, code);
    outcome = { kind: 'signed-in', openid: user.openid, ...(user.unionid ? { unionid: user.unionid } : {}) };
    // The login code depends on the exchange only, so it is written while the user is: it reaches the browser only
    // once the user is stored and the outcome kept; after a failed user write it is never handed out, and expires.
    loginCode = issueLoginCode(deps, record, outcome);
    loginCode.catch(() => undefined);
    await storeUser(deps, record, user);
  } catch (err) {
    const failure = toOAuthError(err, retryUrl);
    // Remember why, so a replay from the same browser sees the same failure instead of a new WeChat call.
    const error = failure instanceof H5OAuthError ? failure.code : 'WECHAT_UNAVAILABLE';
    await deps.states.complete(state, { kind: 'failed', error }).catch(() => undefined);
    throw failure;
  }
  await deps.states.complete(state, outcome);
  return { location: withResultParam(record.returnTo, 'wx_login', await loginCode) };
}

type SignedIn = Extract<H5OAuthOutcome, { kind: 'signed-in' }>;

/** What the code exchange (and, for snsapi_userinfo, the profile read) tells about the user. */
interface ExchangedUser {
  openid: string;
  unionid: string | undefined;
  profile: WechatUserProfile | undefined;
  tokens: UserOAuthTokens;
  /** The tokens sealed while the profile was read. */
  sealed?: SealedUserTokens;
}

async function exchangeCode(deps: H5OAuthDeps, record: H5OAuthState, code: string): Promise<ExchangedUser> {
  const exchanged = await deps.tokenReader.withComponentAccessToken((componentAccessToken) =>
    deps.sns.exchangeCode({ authorizerAppid: record.authorizerAppid, code, componentAppid: deps.componentAppid, componentAccessToken }),
  );
  const tokens: UserOAuthTokens = {
    accessToken: exchanged.accessToken,
    refreshToken: exchanged.refreshToken,
    accessTokenExpiresAtMs: deps.now() + exchanged.expiresInSec * 1000,
    scope: record.scope,
  };
  // Sealing needs only the exchange: it runs while the profile is read (snsapi_userinfo), else the upsert seals.
  if (record.scope !== 'snsapi_userinfo') return { openid: exchanged.openid, unionid: exchanged.unionid, profile: undefined, tokens };
  const sealing = deps.users.sealTokens(tokens);
  // Handled here too: a failed profile read throws below before `sealing` is awaited.
  sealing.catch(() => undefined);
  const { unionid: infoUnionid, ...rest } = await deps.sns.getUserInfo({ accessToken: exchanged.accessToken, openid: exchanged.openid });
  const profile = { ...rest, isSnapshotUser: rest.isSnapshotUser || exchanged.isSnapshotUser };
  return { openid: exchanged.openid, unionid: exchanged.unionid ?? infoUnionid, profile, tokens, sealed: await sealing };
}

async function storeUser(deps: H5OAuthDeps, record: H5OAuthState, user: ExchangedUser): Promise<void> {
  await deps.users.upsert({
    authorizerAppid: record.authorizerAppid,
    openid: user.openid,
    ...(user.unionid ? { unionid: user.unionid } : {}),
    scope: record.scope,
    ...(user.profile ? { profile: user.profile } : {}),
    tokens: user.tokens,
    ...(user.sealed ? { sealed: user.sealed } : {}),
  });
  deps.metrics.addMetric('H5OAuthCompleted', MetricUnit.Count, 1);
  deps.logger.info('h5-oauth completed', { authorizerAppid: record.authorizerAppid, scope: record.scope });
}

/**
 * The same callback again (WeChat webviews and impatient users do that). From the browser that started the sign-in
 * and within the window, it gets the first outcome, with a fresh login code and no WeChat call; otherwise it is refused.
 */
async function replay(
  deps: H5OAuthDeps,
  record: H5OAuthState,
  binding: Binding,
  code: string | undefined,
  retryUrl: string,
): Promise<{ location: string }> {
  if (binding !== 'same' || record.bindingSha256 === null) {
    deps.metrics.addMetric('H5OAuthReplaysRefused', MetricUnit.Count, 1);
    throw new H5OAuthError('REPLAYED_ELSEWHERE', 'this sign-in link was already used', retryUrl);
  }
  const tooLate = deps.now() - (record.consumedAtMs ?? 0) > deps.replayWindowMs;
  const otherCode = code !== undefined && record.codeSha256 !== undefined && !sameDigest(sha256Hex(code), record.codeSha256);
  if (tooLate || otherCode || (code === undefined) !== (record.codeSha256 === undefined)) {
    throw new H5OAuthError('UNKNOWN_STATE', 'this sign-in link was already used', retryUrl);
  }
  const outcome = record.outcome ?? (await waitForOutcome(deps, record.state));
  deps.logger.info('h5-oauth callback replayed by the same browser', { authorizerAppid: record.authorizerAppid });
  switch (outcome?.kind) {
    case 'signed-in':
      return { location: await loginRedirect(deps, record, outcome) };
    case 'refused':
      return { location: withResultParam(record.returnTo, 'wx_error', 'access_denied') };
    case 'failed':
      throw new H5OAuthError(outcome.error as H5OAuthErrorCode, 'the sign-in failed', retryUrl);
    default:
      throw new H5OAuthError('WECHAT_UNAVAILABLE', 'the sign-in is still being completed', retryUrl);
  }
}

/** How a replay waits for the first callback's outcome: every 100 ms, for up to 4 s. */
const OUTCOME_POLL_MS = 100;
const OUTCOME_POLLS = 40;

/** The first callback may still be talking to WeChat: wait a little for its outcome. */
async function waitForOutcome(deps: H5OAuthDeps, state: string): Promise<H5OAuthOutcome | undefined> {
  for (let attempt = 0; attempt < OUTCOME_POLLS; attempt++) {
    await deps.sleep(OUTCOME_POLL_MS);
    const current = await deps.states.get(state);
    if (current?.outcome) return current.outcome;
  }
  return undefined;
}

async function loginRedirect(deps: H5OAuthDeps, record: H5OAuthState, outcome: SignedIn): Promise<string> {
  return withResultParam(record.returnTo, 'wx_login', await issueLoginCode(deps, record, outcome));
}

function issueLoginCode(deps: H5OAuthDeps, record: H5OAuthState, outcome: SignedIn): Promise<string> {
  return deps.loginCodes.issue({
    authorizerAppid: record.authorizerAppid,
    openid: outcome.openid,
    ...(outcome.unionid ? { unionid: outcome.unionid } : {}),
    // From the state record, so a same-browser replay's new code is bound to the same page as the first one.
    codeChallenge: record.codeChallenge,
  });
}

/** WeChat and token failures in sign-in terms (README: each has its own status and page). */
function toOAuthError(err: unknown, retryUrl: string): Error {
  if (err instanceof H5OAuthError || err instanceof StoreError) return err;
  if (err instanceof ComponentTokenError)
    return new H5OAuthError('TOKEN_UNAVAILABLE', 'the platform token is not available right now', retryUrl, { cause: err });
  if (err instanceof WechatApiError) {
    if (err.errcode === 40029 || err.errcode === 40163)
      return new H5OAuthError('CODE_REJECTED', 'WeChat refused the sign-in code (invalid or already used)', retryUrl);
    const unavailable = err.errcode === -1 || err.code === 'TIMEOUT' || err.code === 'NETWORK' || (err.httpStatus ?? 0) >= 500;
    if (unavailable) return new H5OAuthError('WECHAT_UNAVAILABLE', 'WeChat did not answer in time', retryUrl);
    return new H5OAuthError('WECHAT_ERROR', `WeChat refused the sign-in (errcode ${err.errcode ?? err.code})`, retryUrl);
  }
  return err instanceof Error ? err : new Error('sign-in failed');
}
