import { WechatMessageError, type WechatMessageErrorCode } from '../../shared/wechat/errors';

export interface Rejection {
  status: number;
  /** Stable reason for logs and metrics. */
  reason: string;
  /** What the caller sees; says what was wrong, never echoes input. */
  message: string;
}

const BY_CODE: Record<WechatMessageErrorCode, Omit<Rejection, 'reason'>> = {
  BODY_TOO_LARGE: { status: 413, message: 'request body too large' },
  SIGNATURE_MISMATCH: { status: 401, message: 'msg_signature does not match: check the message token' },
  TIMESTAMP_OUT_OF_WINDOW: { status: 401, message: 'timestamp outside the accepted window' },
  XML_MALFORMED: { status: 400, message: 'malformed XML body' },
  XML_FORBIDDEN_DECLARATION: { status: 400, message: 'DOCTYPE and ENTITY declarations are not accepted' },
  MISSING_FIELD: { status: 400, message: 'missing or invalid push field' },
  DECRYPTION_FAILED: { status: 400, message: 'message decryption failed' },
  APPID_MISMATCH: { status: 400, message: 'push is for another component appid' },
  CREATE_TIME_IN_FUTURE: { status: 400, message: 'CreateTime is ahead of our clock by more than the accepted skew' },
};

/** The one place a push failure becomes an HTTP status. Anything not a protocol error is a 500: WeChat retries. */
export function rejectionFor(err: unknown): Rejection {
  if (err instanceof WechatMessageError) return { reason: err.code, ...BY_CODE[err.code] };
  return { status: 500, reason: 'STORE_FAILED', message: 'push not stored; please retry' };
}
