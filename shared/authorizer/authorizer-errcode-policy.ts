/**
 * What the authorizer worker does about each WeChat errcode from api_authorizer_token (docs/wechat-protocol.md §4,
 * §6): the component token's policy, extended. The README's authorizer errcode table is checked against this map.
 */
export type AuthorizerErrcodeAction =
  /** Try again later (the lease is kept until then, so no other invocation spends quota meanwhile). */
  | 'retry'
  /** The refresh token is refused: fetch it again (api_get_authorizer_info) once, else the account must re-authorize. */
  | 'recover'
  /** The account no longer authorizes us: it must authorize again. */
  | 'reauth'
  /** The authorizer's daily quota is used up: no calls for it for a while. */
  | 'quota'
  /** A configuration problem another call cannot fix: no calls for a while, and alarm. */
  | 'config';

export interface AuthorizerErrcodePolicy {
  meaning: string;
  action: AuthorizerErrcodeAction;
  operator: string;
}

export const AUTHORIZER_TOKEN_ERRCODES: Readonly<Record<number, AuthorizerErrcodePolicy>> = {
  [-1]: { meaning: 'system busy', action: 'retry', operator: 'Nothing; the authorizer is retried within minutes.' },
  61023: {
    meaning: 'refresh token invalid',
    action: 'recover',
    operator: 'If it stays needs_reauth, send the account an authorization link: only the account can issue a new refresh token.',
  },
  61003: {
    meaning: 'account does not authorize this platform',
    action: 'reauth',
    operator: 'Ask the account to authorize again (authorization link).',
  },
  45009: { meaning: 'daily quota reached', action: 'quota', operator: 'Find who else refreshes this account; the quota resets daily.' },
  61004: { meaning: 'caller IP not on the allow list', action: 'config', operator: 'Add the egress IP to the component IP allow list.' },
  61011: { meaning: 'invalid component', action: 'config', operator: 'Check WECHAT_COMPONENT_APPID and that the platform is approved.' },
  48001: { meaning: 'API not authorized', action: 'config', operator: 'Check the platform permissions on the Open Platform.' },
};

/** How long the worker leaves an authorizer alone after each kind of non-retryable failure. */
export const AUTHORIZER_BACKOFF_MS: Record<'quota' | 'config', number> = {
  quota: 30 * 60_000,
  config: 10 * 60_000,
};

/** Retries after -1, timeouts and storage trouble, by attempt: 1, 2, 4 ... minutes, at most 15. */
export function retryDelayMs(attempt: number): number {
  return Math.min(15 * 60_000, 60_000 * 2 ** Math.max(0, attempt - 1));
}

/** The policy for an errcode; unknown ones are treated like configuration problems: alert, do not loop. */
export function authorizerPolicyFor(errcode: number): AuthorizerErrcodePolicy {
  return (
    AUTHORIZER_TOKEN_ERRCODES[errcode] ?? {
      meaning: 'unexpected errcode',
      action: 'config',
      operator: 'Look the errcode up in the WeChat documentation.',
    }
  );
}
