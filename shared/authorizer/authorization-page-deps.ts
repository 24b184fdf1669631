import type { PreAuthCodeRate } from '../store/pre-auth-code-rate';
import type { AuthorizationLinks } from './authorization-link';
import type { AuthorizerDeps } from './authorizer-deps';

/**
 * What the authorization page and its callback need, built once per container (functions/authorization-page/deps.ts)
 * or by tests. The callback runs the exchange itself, so it carries everything the worker's exchange needs.
 */
export interface AuthorizationPageDeps extends AuthorizerDeps {
  /** 'signed': only operator-made links open the page; 'open': unsigned `?auth_type=` links too. */
  pageMode: 'signed' | 'open';
  links: Pick<AuthorizationLinks, 'resolve'>;
  preAuthCodeRate: PreAuthCodeRate;
  /**
   * Callbacks recorded per minute: every real one follows a pre-auth code, so a flood of made-up codes (each would
   * be stored, queued and cost an api_query_auth) is cut off here; the push still delivers every real code.
   */
  callbackRate: PreAuthCodeRate;
  /** Our /authorize/callback URL: the redirect_uri of both links, on the same domain as the page. */
  callbackUrl: string;
  /** https://mp.weixin.qq.com (PC link), or the simulator. */
  mpBaseUrl: string;
  /** https://open.weixin.qq.com (in-WeChat link), or the simulator. */
  openBaseUrl: string;
  /** How the callback waits for an exchange another invocation holds: this many reads of the code, this far apart. */
  callbackWait: { polls: number; intervalMs: number };
  sleep: (ms: number) => Promise<void>;
}
