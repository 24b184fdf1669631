import { isRetryableErrcode, WechatApiError, type WechatApiErrorCode } from '../../../shared/wechat/errors';

/** The error createWechatHttp throws when WeChat answers `errcode` (after its retries, for -1). */
export function wechatErrcode(api: string, errcode: number): WechatApiError {
  return new WechatApiError({
    code: 'ERRCODE',
    api,
    errcode,
    retryable: isRetryableErrcode(errcode),
    message: `WeChat ${api} failed: errcode ${errcode}`,
  });
}

/** The error createWechatHttp throws when WeChat could not be reached or answered garbage. */
export function wechatFailure(
  api: string,
  code: Exclude<WechatApiErrorCode, 'ERRCODE'>,
  extra: { httpStatus?: number } = {},
): WechatApiError {
  const retryable = code === 'NETWORK' || code === 'TIMEOUT' || (extra.httpStatus ?? 0) >= 500;
  return new WechatApiError({ code, api, retryable, message: `WeChat ${api} failed: ${code.toLowerCase()}`, ...extra });
}
