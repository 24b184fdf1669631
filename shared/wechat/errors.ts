/**
 * Error classes for the WeChat protocol modules, one per domain with a stable `code` union so callers can
 * `switch (err.code)` (the shape follows jose's `src/util/errors.ts`).
 *
 * Messages name inputs, never their values: pushes carry tickets and authorization codes, API calls carry the
 * appsecret and access tokens, and all of those end up in logs if they end up in an error.
 */

/** Why an incoming WeChat push was refused. */
export type WechatMessageErrorCode =
  | 'BODY_TOO_LARGE'
  | 'XML_MALFORMED'
  | 'XML_FORBIDDEN_DECLARATION'
  | 'MISSING_FIELD'
  | 'SIGNATURE_MISMATCH'
  | 'TIMESTAMP_OUT_OF_WINDOW'
  | 'DECRYPTION_FAILED'
  | 'APPID_MISMATCH'
  | 'CREATE_TIME_IN_FUTURE';

/** A WeChat push (or its XML or ciphertext) that failed a size, format, signature or decryption check. */
export class WechatMessageError extends Error {
  readonly code: WechatMessageErrorCode;

  /** `cause` is accepted only for errors that cannot contain secrets or message content. */
  constructor(code: WechatMessageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WechatMessageError';
    this.code = code;
  }
}

/** How a WeChat API call failed. */
export type WechatApiErrorCode = 'ERRCODE' | 'HTTP_STATUS' | 'NETWORK' | 'TIMEOUT' | 'BAD_RESPONSE';

/** Fields of a {@link WechatApiError}; `errmsg` must already be redacted and capped by the caller. */
export interface WechatApiErrorInit {
  code: WechatApiErrorCode;
  api: string;
  message: string;
  retryable: boolean;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
}

/** A failed call to a WeChat HTTP API (HTTP 200 with `errcode` != 0 included, see docs/wechat-protocol.md §6). */
export class WechatApiError extends Error {
  readonly code: WechatApiErrorCode;
  /** Short API name, e.g. `api_component_token`; never the URL (its query may carry an access token). */
  readonly api: string;
  readonly errcode?: number;
  readonly errmsg?: string;
  readonly httpStatus?: number;
  /** Whether the same call can succeed if retried (errcode -1, network errors, timeouts, HTTP 5xx). */
  readonly retryable: boolean;

  constructor(init: WechatApiErrorInit) {
    super(init.message);
    this.name = 'WechatApiError';
    this.code = init.code;
    this.api = init.api;
    this.retryable = init.retryable;
    // Assigned only when present so that serialised errors do not carry `errcode: undefined` noise.
    if (init.errcode !== undefined) this.errcode = init.errcode;
    if (init.errmsg !== undefined) this.errmsg = init.errmsg;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
  }
}

/** True only for errcode -1 ("system busy"); every other errcode is a credential, config or quota problem. */
export function isRetryableErrcode(errcode: number): boolean {
  return errcode === -1;
}
