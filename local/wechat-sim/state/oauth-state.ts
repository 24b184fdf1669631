/**
 * Everything H5 authorization (docs/wechat-protocol.md §5) remembers: which authorizers and redirect hosts
 * are configured, the simulated users, issued codes and user tokens.
 */
import type { OAuthScope } from '../types';
import { OAuthCodes, type OAuthGrant } from './oauth-codes';
import { OAuthUserTokens } from './oauth-user-tokens';
import { OAuthUserDirectory, REFUSE_CHOICE } from './oauth-users';

/** The two scopes an authorize request may ask for. */
export const OAUTH_SCOPES: readonly OAuthScope[] = ['snsapi_base', 'snsapi_userinfo'];

/** H5 authorization state of one simulator. */
export class OAuthState {
  readonly users: OAuthUserDirectory;
  readonly codes = new OAuthCodes();
  readonly userTokens = new OAuthUserTokens();
  private readonly authorizerAppids: ReadonlySet<string>;
  private readonly redirectHosts: ReadonlySet<string>;

  constructor(input: { componentAppid: string; authorizerAppids: readonly string[]; redirectHosts: readonly string[] }) {
    this.users = new OAuthUserDirectory(input.componentAppid);
    this.authorizerAppids = new Set(input.authorizerAppids);
    this.redirectHosts = new Set(input.redirectHosts.map((host) => host.toLowerCase()));
  }

  /** True for an authorizer that authorized this component. */
  isAuthorizer(appid: string): boolean {
    return this.authorizerAppids.has(appid);
  }

  /** True when `hostname` (as `URL.hostname` gives it) is on the official account development domain list. */
  allowsRedirectHost(hostname: string): boolean {
    return this.redirectHosts.has(hostname.toLowerCase());
  }

  /** Issues a code as if the user consented; throws TypeError naming the unknown authorizer, user or scope. */
  issueCode(grant: OAuthGrant, nowMs: number): string {
    if (!this.isAuthorizer(grant.authorizerAppid)) throw new TypeError('authorizerAppid is not one of authorizerAppids');
    if (grant.userId === REFUSE_CHOICE || !this.users.find(grant.userId)) throw new TypeError('userId is not a simulated user');
    if (!OAUTH_SCOPES.includes(grant.scope)) throw new TypeError('scope must be snsapi_base or snsapi_userinfo');
    return this.codes.issue(grant, nowMs);
  }
}
