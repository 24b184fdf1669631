import type { AuthorizerRefreshOutcome } from '../authorizer/refresh-authorizer-token';

export type AuthorizerTokenErrorCode =
  /** The account revoked its authorization (`unauthorized`): no token until it authorizes again. */
  | 'REVOKED'
  /** WeChat refused the account's refresh token: it must authorize again (send its administrator an authorization link). */
  | 'NEEDS_REAUTH'
  /** No such authorizer of this component in the store: it never authorized, or its record was lost (run the import). */
  | 'UNKNOWN_AUTHORIZER'
  /** No usable token appeared within the reader's bounded wait. */
  | 'TIMEOUT'
  /** The worker answered that it could not refresh now (backoff after a quota or configuration errcode, or a failure it retries later). */
  | 'REFRESH_FAILED'
  /** The store, KMS or the worker itself could not be reached. */
  | 'UNAVAILABLE';

/** Why getAuthorizerAccessToken() could not return a token. Never carries a token. */
export class AuthorizerTokenError extends Error {
  readonly authorizerAppid: string;
  /** The worker's answer, when there was one (it never contains a token). */
  readonly refreshOutcome?: AuthorizerRefreshOutcome;

  constructor(
    readonly code: AuthorizerTokenErrorCode,
    message: string,
    details: { authorizerAppid: string; refreshOutcome?: AuthorizerRefreshOutcome; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AuthorizerTokenError';
    this.authorizerAppid = details.authorizerAppid;
    if (details.refreshOutcome) this.refreshOutcome = details.refreshOutcome;
  }
}

/** The error for an authorizer whose status rules out a token; the message says what the operator does about it. */
export function authorizerStatusError(
  authorizerAppid: string,
  status: 'revoked' | 'needs_reauth' | 'unknown',
  refreshOutcome?: AuthorizerRefreshOutcome,
): AuthorizerTokenError {
  const details = { authorizerAppid, ...(refreshOutcome ? { refreshOutcome } : {}) };
  switch (status) {
    case 'revoked':
      return new AuthorizerTokenError(
        'REVOKED',
        `authorizer ${authorizerAppid} revoked its authorization of this component: it has no token until its administrator authorizes again (send an authorization link)`,
        details,
      );
    case 'needs_reauth':
      return new AuthorizerTokenError(
        'NEEDS_REAUTH',
        `authorizer ${authorizerAppid} must authorize again: WeChat refused its refresh token; send its administrator an authorization link`,
        details,
      );
    case 'unknown':
      return new AuthorizerTokenError(
        'UNKNOWN_AUTHORIZER',
        `authorizer ${authorizerAppid} is not an authorizer of this component: send its administrator an authorization link, or run the worker's import if it authorized before`,
        details,
      );
  }
}
