/** Why a sign-in step failed. Each code has one HTTP status and one human page (functions/h5-oauth). */
export type H5OAuthErrorCode =
  | 'BAD_REQUEST'
  | 'UNKNOWN_AUTHORIZER'
  | 'RETURN_TO_NOT_ALLOWED'
  | 'CODE_CHALLENGE_INVALID'
  | 'UNKNOWN_STATE'
  | 'STATE_EXPIRED'
  | 'COOKIE_MISSING'
  | 'COOKIE_MISMATCH'
  | 'REPLAYED_ELSEWHERE'
  | 'APPID_MISMATCH'
  | 'CODE_REJECTED'
  | 'WECHAT_UNAVAILABLE'
  | 'WECHAT_ERROR'
  | 'TOKEN_UNAVAILABLE'
  | 'LOGIN_CODE_INVALID'
  | 'CODE_VERIFIER_INVALID'
  | 'SESSION_INVALID'
  | 'SESSION_REVOKED'
  | 'AUTHORIZER_REVOKED'
  | 'ORIGIN_NOT_ALLOWED';

/** A sign-in failure. Messages name what was wrong, never a code, state value or token. */
export class H5OAuthError extends Error {
  constructor(
    readonly code: H5OAuthErrorCode,
    message: string,
    /** Where "try again" should lead, when known (the start URL of the same sign-in). */
    readonly retryUrl?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'H5OAuthError';
  }
}
