export type StoreErrorCode = 'UNAVAILABLE' | 'LEASE_HELD' | 'VERSION_CONFLICT' | 'DECRYPTION_FAILED' | 'INVALID_VALUE';

/** A storage failure in domain terms; SDK exceptions are translated at the store's boundary. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** True when a DynamoDB call failed only because its ConditionExpression did not hold. */
export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** Wraps an unexpected SDK failure; the SDK's own error (no item values in it) is kept as the cause. */
export function storeUnavailable(operation: string, err: unknown): StoreError {
  return new StoreError('UNAVAILABLE', `DynamoDB ${operation} failed`, { cause: err });
}
