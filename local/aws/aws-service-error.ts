/**
 * An AWS API error as a stand-in answers it. `name` is the AWS error type; the SDK turns it into `err.name` on the
 * client side, so messages stay fixed strings and name inputs, never their (possibly secret) values.
 */
export class AwsServiceError extends Error {
  /** HTTP status the error is sent with (4xx client fault, 5xx server fault). */
  readonly httpStatus: number;

  constructor(errorType: string, message: string, httpStatus = 400) {
    super(message);
    this.name = errorType;
    this.httpStatus = httpStatus;
  }
}

/** Error for a request field that is missing or out of range, the way AWS validation reports it (name only). */
export function validationError(fieldName: string, constraint: string): AwsServiceError {
  return new AwsServiceError(
    'ValidationException',
    `1 validation error detected: Value at '${fieldName}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Passes AWS errors through; anything else becomes a 500 with a fixed message so no internal detail leaks. */
export function toAwsServiceError(err: unknown): AwsServiceError {
  if (err instanceof AwsServiceError) {
    return err;
  }
  return new AwsServiceError('InternalFailure', 'The local stand-in failed to process the request', 500);
}
