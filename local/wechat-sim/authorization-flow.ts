/**
 * Authorizing the component for an account and revoking it (docs/wechat-protocol.md §1 and §4): the state
 * change, the authorization code, and the push, shared by the consent pages and the programmatic methods.
 */
import type { SimContext } from './sim-context';
import { DEFAULT_FUNC_INFO } from './state/authorizer-profile';
import type { PushResult, SimAuthType } from './types';

/** An authorization that just happened; the push may still be on its way. */
export interface CompletedAuthorization {
  authorizationCode: string;
  infoType: 'authorized' | 'updateauthorized';
  push: Promise<PushResult>;
}

/**
 * Authorizes `authorizerAppid` (an account `authType` covers, checked by the caller): new refresh token and
 * authorization code, `preAuthCode` spent, then `authorized` / `updateauthorized` pushed with AuthorizerAppid,
 * AuthorizationCode, AuthorizationCodeExpiredTime and PreAuthCode (section 1). The state changes before the push
 * starts, so the code can be exchanged as soon as the receiver sees it.
 */
export function completeAuthorization(
  ctx: SimContext,
  input: { authorizerAppid: string; authType: SimAuthType; preAuthCode: string; funcInfo?: readonly number[] },
): CompletedAuthorization {
  const { authorizerAppid, preAuthCode } = input;
  const kind = ctx.authorizers.kindOf(authorizerAppid);
  if (kind === undefined || !ctx.authorizers.isEligible(authorizerAppid, input.authType)) {
    throw new TypeError('authorizerAppid is not a simulated account this auth type covers');
  }
  const nowMs = ctx.now();
  const { infoType, generation } = ctx.authorizers.authorize(authorizerAppid, input.funcInfo ?? DEFAULT_FUNC_INFO[kind], nowMs);
  ctx.preAuthCodes.markUsed(preAuthCode);
  const { authorizationCode, expiresAtMs } = ctx.authorizationCodes.issue(authorizerAppid, generation, nowMs);
  ctx.log(`${infoType}: authorizer ${authorizerAppid} authorized the component (auth_type ${input.authType})`);

  const push = ctx.pushEvent(infoType, Math.floor(nowMs / 1000), {
    AuthorizerAppid: authorizerAppid,
    AuthorizationCode: authorizationCode,
    AuthorizationCodeExpiredTime: String(Math.floor(expiresAtMs / 1000)),
    PreAuthCode: preAuthCode,
  });
  return { authorizationCode, infoType, push };
}

/** Revokes an authorized account and pushes `unauthorized`; throws TypeError when it is unknown or not authorized. */
export function endAuthorization(ctx: SimContext, authorizerAppid: string): Promise<PushResult> {
  if (!ctx.authorizers.revoke(authorizerAppid)) throw new TypeError('authorizerAppid is not an authorized simulated account');
  ctx.log(`unauthorized: authorizer ${authorizerAppid} revoked the component's authorization`);
  return ctx.pushEvent('unauthorized', Math.floor(ctx.now() / 1000), { AuthorizerAppid: authorizerAppid });
}
