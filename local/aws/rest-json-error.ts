import type { ServerResponse } from 'node:http';
import type { AwsServiceError } from './aws-service-error';
import { sendResponse } from './http-io';

/**
 * Writes a REST JSON error. The SDK takes the error name from the `x-amzn-errortype` header first, then the body's
 * `code`/`__type` (loadRestJsonErrorCode in @smithy/core); Lambda itself sends the header and `{Type, Message}`.
 */
export function sendRestJsonError(res: ServerResponse, requestId: string, err: AwsServiceError): void {
  sendResponse(
    res,
    err.httpStatus,
    { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.name },
    JSON.stringify({ Type: err.httpStatus >= 500 ? 'Service' : 'User', Message: err.message }),
  );
}
