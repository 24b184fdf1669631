/** Why the authorization page or its callback refused a request. Each code has one HTTP status and one page (functions/authorization-page). */
export type AuthorizationPageErrorCode =
  | 'LINK_MALFORMED'
  | 'LINK_SIGNATURE_MISSING'
  | 'LINK_SIGNATURE_INVALID'
  | 'LINK_EXPIRED'
  | 'RATE_LIMITED'
  | 'TOKEN_UNAVAILABLE'
  | 'WECHAT_UNAVAILABLE'
  | 'WECHAT_ERROR'
  | 'CODE_MISSING'
  | 'CODE_MALFORMED'
  | 'CALLBACK_RATE_LIMITED'
  | 'CODE_REFUSED'
  | 'AUTHORIZATION_LOST'
  | 'STORE_UNAVAILABLE';

/** A refusal of the page or the callback. Messages name what was wrong, never a code, signature or token. */
export class AuthorizationPageError extends Error {
  constructor(
    readonly code: AuthorizationPageErrorCode,
    message: string,
    readonly detail: {
      /** Seconds until trying again can succeed (RATE_LIMITED). */
      retryAfterSec?: number;
      /** The query of the same page, rebuilt from a link that passed its checks, for a "try again" link. */
      retryQuery?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.name = 'AuthorizationPageError';
  }
}

/** An operator asked for an authorization link with bad fields; the message names the field and what it must be. */
export class AuthorizationLinkRequestError extends Error {
  readonly code = 'INVALID_LINK_REQUEST' as const;
  constructor(message: string) {
    super(message);
    this.name = 'AuthorizationLinkRequestError';
  }
}
