import type { RefreshOutcome } from './refresh-request';

export type ComponentTokenErrorCode =
  /** The refresher answered that it could not produce a token (no ticket, quota, configuration, WeChat down). */
  | 'REFRESH_FAILED'
  /** No usable token appeared within the reader's bounded wait. */
  | 'TIMEOUT'
  /** The store, KMS or the refresher itself could not be reached. */
  | 'UNAVAILABLE';

/** Why getComponentAccessToken() could not return a token. Never carries a token. */
export class ComponentTokenError extends Error {
  constructor(
    readonly code: ComponentTokenErrorCode,
    message: string,
    readonly refreshOutcome?: RefreshOutcome,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ComponentTokenError';
  }
}
