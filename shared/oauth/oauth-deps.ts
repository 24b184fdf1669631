import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AuthorizationEventStore } from '../store/authorization-event-store';
import type { LoginCodeStore } from '../store/login-code-store';
import type { OAuthStateStore } from '../store/oauth-state-store';
import type { UserStore } from '../store/user-store';
import type { ComponentTokenReader } from '../token/component-token-reader';
import type { ReturnToRule } from './return-to';
import type { SessionTokens } from './session-token';
import type { SnsApi } from './sns-api';

/** Everything the H5 sign-in needs, built once per container (functions/h5-oauth/deps.ts) or by tests. */
export interface OAuthDeps {
  componentAppid: string;
  /** Our /oauth/callback URL, the redirect_uri WeChat sends users back to. */
  callbackUrl: string;
  /** https://open.weixin.qq.com, or the simulator. */
  openBaseUrl: string;
  returnToRules: ReturnToRule[];
  /** Authorizers allowed by configuration (WECHAT_AUTHORIZER_APPIDS), on top of those the authorizer store knows. */
  configuredAuthorizers: ReadonlySet<string>;
  authorizers: Pick<AuthorizationEventStore, 'getAuthorizer'>;
  states: OAuthStateStore;
  loginCodes: LoginCodeStore;
  users: UserStore;
  tokenReader: ComponentTokenReader;
  sns: SnsApi;
  getSessionTokens: () => Promise<SessionTokens>;
  /** Binds each sign-in to the browser that started it with a cookie; off only for webviews that lose cookies. */
  cookieBinding: boolean;
  stateTtlMs: number;
  /** How long after its first use a callback may be replayed from the same browser. */
  replayWindowMs: number;
  now: () => number;
  logger: Logger;
  metrics: Metrics;
}
