import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AuthorizerStore } from '../store/authorizer-store';
import type { ComponentStores } from '../store/component-stores';
import type { H5OAuthStateStore } from '../store/h5-oauth-state-store';
import type { LoginCodeStore } from '../store/login-code-store';
import type { SessionRevocationStore } from '../store/session-revocation-store';
import type { UserStore } from '../store/user-store';
import type { ComponentTokenReader } from '../token/component-token-reader';
import type { SnsApi } from '../wechat/sns-api';
import type { ReturnToRule } from './return-to';
import { createRevokedAuthorizers, type RevokedAuthorizers } from './revoked-authorizers';
import type { SessionTokens } from './session-token';

/** Everything h5-oauth needs, built once per container (functions/h5-oauth/deps.ts) or by tests. */
export interface H5OAuthDeps {
  componentAppid: string;
  /** Our /h5-oauth/callback URL, the redirect_uri WeChat sends users back to. */
  callbackUrl: string;
  /** https://open.weixin.qq.com, or the simulator. */
  openBaseUrl: string;
  returnToRules: ReturnToRule[];
  /** Authorizers allowed by configuration (WECHAT_AUTHORIZER_APPIDS), on top of those the authorizer store knows. */
  configuredAuthorizers: ReadonlySet<string>;
  /** The authorizer store's status of each official account (h5-oauth may read nothing else of it). */
  authorizers: Pick<AuthorizerStore, 'getStatus'>;
  states: H5OAuthStateStore;
  loginCodes: LoginCodeStore;
  users: UserStore;
  /** Logged-out sessions (DELETE /h5-oauth/session). */
  sessionRevocations: SessionRevocationStore;
  /** Whether an authorizer revoked the platform, cached briefly: its sessions are refused. */
  revokedAuthorizers: RevokedAuthorizers;
  tokenReader: ComponentTokenReader;
  sns: SnsApi;
  getSessionTokens: () => Promise<SessionTokens>;
  /** Binds each sign-in to the browser that started it with a cookie; off only for webviews that lose cookies. */
  cookieBinding: boolean;
  stateTtlMs: number;
  /** How long after its first use a callback may be replayed from the same browser. */
  replayWindowMs: number;
  /** How a replayed callback waits between reads of the first callback's outcome. */
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  logger: Logger;
  metrics: Metrics;
}

/** The stores of H5OAuthDeps, from the component's stores; authorizer revocations are read through a one-minute cache. */
export function h5OAuthStores(
  stores: ComponentStores,
  now: () => number,
): Pick<H5OAuthDeps, 'authorizers' | 'states' | 'loginCodes' | 'users' | 'sessionRevocations' | 'revokedAuthorizers'> {
  return {
    authorizers: stores.authorizers,
    states: stores.h5OAuthStates,
    loginCodes: stores.loginCodes,
    users: stores.users,
    sessionRevocations: stores.sessionRevocations,
    revokedAuthorizers: createRevokedAuthorizers({ authorizers: stores.authorizers, now }),
  };
}
