/**
 * The WechatSim methods about accounts that authorize the component (docs/wechat-protocol.md §4), on top of
 * the routes' shared context. Inputs come from tests and from JSON control requests, so each is checked.
 */
import { completeAuthorization, endAuthorization } from './authorization-flow';
import type { SimContext } from './sim-context';
import { parseAuthType } from './state/authorizer-record';
import type { SimAuthorizeInput, WechatSim } from './types';

/** The methods this module adds to the simulator. */
export type AuthorizerMethods = Pick<
  WechatSim,
  | 'authorize'
  | 'revokeAuthorization'
  | 'addAuthorizedAccounts'
  | 'authorizerSnapshot'
  | 'authorizers'
  | 'checkAuthorizerAccessToken'
  | 'authorizationCodeStats'
>;

/** Builds the account methods over `ctx`. */
export function createAuthorizerMethods(ctx: SimContext): AuthorizerMethods {
  return {
    async authorize(input) {
      const checked = checkAuthorizeInput(input);
      if (!ctx.authorizers.isEligible(checked.authorizerAppid, checked.authType)) {
        throw new TypeError('authorizerAppid is not a simulated account this auth type covers');
      }
      // Without a browser nobody opens a consent page, but WeChat's flow always spends a pre-auth code.
      const { preAuthCode } = ctx.preAuthCodes.issue(ctx.now());
      const done = completeAuthorization(ctx, { ...checked, preAuthCode });
      return { authorizationCode: done.authorizationCode, infoType: done.infoType, push: await done.push };
    },
    revokeAuthorization: async (authorizerAppid) => endAuthorization(ctx, authorizerAppid),
    addAuthorizedAccounts(count, options = {}) {
      const appids = ctx.authorizers.addAuthorized(count, options, ctx.now());
      ctx.log(`added ${appids.length} authorized accounts`);
      return appids;
    },
    authorizerSnapshot: (authorizerAppid) => ctx.authorizers.snapshot(authorizerAppid),
    authorizers: () => ctx.authorizers.listing(),
    checkAuthorizerAccessToken: (authorizerAppid, token) => ctx.authorizers.checkAccessToken(authorizerAppid, token, ctx.now()),
    authorizationCodeStats: () => ctx.authorizationCodes.stats(),
  };
}

function checkAuthorizeInput(input: SimAuthorizeInput): { authorizerAppid: string; authType: 1 | 2 | 3; funcInfo?: number[] } {
  if (typeof input !== 'object' || input === null) throw new TypeError('authorize input must be an object');
  const { authorizerAppid, funcInfo } = input;
  if (typeof authorizerAppid !== 'string' || authorizerAppid === '') throw new TypeError('authorizerAppid must be a non-empty string');
  const authType = input.authType === undefined ? 3 : parseAuthType(input.authType);
  if (authType === null) throw new TypeError('authType must be 1, 2 or 3');
  if (input.redirect !== undefined && input.redirect !== false) throw new TypeError('redirect can only be false: no browser takes part');
  if (funcInfo !== undefined && (!Array.isArray(funcInfo) || funcInfo.some((id) => !Number.isSafeInteger(id) || id <= 0))) {
    throw new TypeError('funcInfo must be an array of positive whole numbers');
  }
  return { authorizerAppid, authType, ...(funcInfo === undefined ? {} : { funcInfo: [...funcInfo] }) };
}
