import type { AwsJsonErrorShape } from './aws-json-server';
import { AwsServiceError } from './aws-service-error';

/**
 * SQS's JSON protocol keeps its older query-protocol error codes in the `x-amzn-query-error` header
 * ("<code>;Sender"); the SDK (awsQueryCompatible) maps that code back to the modeled error, so
 * `AWS.SimpleQueueService.NonExistentQueue` surfaces as `QueueDoesNotExist`. Codes and statuses follow the
 * `awsQueryError` traits in @aws-sdk/client-sqs. Errors not listed (InvalidParameterValue, MissingParameter, ...)
 * use their own name as the code.
 */
const QUERY_ERRORS: Readonly<Record<string, { readonly code: string; readonly httpStatus: number }>> = {
  BatchEntryIdsNotDistinct: { code: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', httpStatus: 400 },
  BatchRequestTooLong: { code: 'AWS.SimpleQueueService.BatchRequestTooLong', httpStatus: 400 },
  EmptyBatchRequest: { code: 'AWS.SimpleQueueService.EmptyBatchRequest', httpStatus: 400 },
  InvalidAddress: { code: 'InvalidAddress', httpStatus: 404 },
  InvalidBatchEntryId: { code: 'AWS.SimpleQueueService.InvalidBatchEntryId', httpStatus: 400 },
  MessageNotInflight: { code: 'AWS.SimpleQueueService.MessageNotInflight', httpStatus: 400 },
  PurgeQueueInProgress: { code: 'AWS.SimpleQueueService.PurgeQueueInProgress', httpStatus: 403 },
  QueueDoesNotExist: { code: 'AWS.SimpleQueueService.NonExistentQueue', httpStatus: 400 },
  QueueNameExists: { code: 'QueueAlreadyExists', httpStatus: 400 },
  ReceiptHandleIsInvalid: { code: 'ReceiptHandleIsInvalid', httpStatus: 404 },
  TooManyEntriesInBatchRequest: { code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', httpStatus: 400 },
  UnsupportedOperation: { code: 'AWS.SimpleQueueService.UnsupportedOperation', httpStatus: 400 },
};

/** An SQS error with the status SQS sends for it. */
export function sqsError(errorType: string, message: string): AwsServiceError {
  return new AwsServiceError(errorType, message, QUERY_ERRORS[errorType]?.httpStatus ?? 400);
}

/** SQS's answer for a parameter outside its range, in SQS's own wording. */
export function invalidParameterValue(parameter: string, reason: string): AwsServiceError {
  return sqsError('InvalidParameterValue', `Value for parameter ${parameter} is invalid. Reason: ${reason}`);
}

/** SQS's answer for a missing required parameter. */
export function missingParameter(parameter: string): AwsServiceError {
  return sqsError('MissingParameter', `The request must contain the parameter ${parameter}.`);
}

/** `__type` and `x-amzn-query-error` for an error, as SQS writes them in its JSON protocol. */
export function sqsErrorShape(err: AwsServiceError): AwsJsonErrorShape {
  const code = QUERY_ERRORS[err.name]?.code ?? err.name;
  const fault = err.httpStatus >= 500 ? 'Receiver' : 'Sender';
  return { type: `com.amazonaws.sqs#${err.name}`, headers: { 'x-amzn-query-error': `${code};${fault}` } };
}
