import { AwsServiceError } from './aws-service-error';

/** Services whose calls can be made to fail on purpose (dynalite is a separate server and is not covered). */
export type FaultService = 'kms' | 'secretsManager' | 'lambda' | 'sqs';

/** "Make the next `count` calls of `service`.`operation` fail with AWS error `errorType`." */
export interface Fault {
  readonly service: FaultService;
  /** Operation name as the SDK sends it: `Decrypt`, `GetSecretValue`, `Invoke`, `SendMessageBatch`. */
  readonly operation: string;
  readonly errorType: string;
  readonly count: number;
  /** @default - 500 for the well-known server-side error types, 429 for TooManyRequestsException, else 400 */
  readonly httpStatus?: number;
}

// Status codes AWS uses for these; the SDK's retry strategy looks at both the name and the status.
const DEFAULT_STATUS_BY_ERROR_TYPE: Readonly<Record<string, number>> = {
  KMSInternalException: 500,
  InternalServiceError: 500,
  InternalFailure: 500,
  ServiceException: 500,
  ServiceUnavailable: 503,
  ServiceUnavailableException: 503,
  TooManyRequestsException: 429,
  // SQS's server-side errors (sent with x-amzn-query-error "InternalError;Receiver" / "ServiceUnavailable;Receiver").
  InternalError: 500,
};

interface PendingFault {
  readonly errorType: string;
  readonly httpStatus: number;
  remaining: number;
}

/**
 * Queue of injected faults. Each HTTP request consumes one, so SDK retries consume them too: a retryable fault with
 * `count: 1` is absorbed by the SDK's own retry, exactly as a single transient AWS failure would be.
 */
export class FaultInjector {
  private readonly pending = new Map<string, PendingFault[]>();

  /** Queues a fault after any already queued for the same operation. */
  inject(fault: Fault): void {
    if (!Number.isInteger(fault.count) || fault.count < 1) {
      throw new RangeError('fault.count must be a positive integer');
    }
    if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(fault.errorType)) {
      throw new RangeError('fault.errorType must be an AWS error name such as ThrottlingException');
    }
    const httpStatus = fault.httpStatus ?? DEFAULT_STATUS_BY_ERROR_TYPE[fault.errorType] ?? 400;
    if (!Number.isInteger(httpStatus) || httpStatus < 400 || httpStatus > 599) {
      throw new RangeError('fault.httpStatus must be an HTTP error status (400-599)');
    }
    const key = faultKey(fault.service, fault.operation);
    const queue = this.pending.get(key) ?? [];
    queue.push({ errorType: fault.errorType, httpStatus, remaining: fault.count });
    this.pending.set(key, queue);
  }

  /** Consumes one pending fault for the operation and returns the error to answer with, if any. */
  take(service: FaultService, operation: string): AwsServiceError | undefined {
    const key = faultKey(service, operation);
    const queue = this.pending.get(key);
    const head = queue?.[0];
    if (queue === undefined || head === undefined) {
      return undefined;
    }
    head.remaining -= 1;
    if (head.remaining === 0) {
      queue.shift();
      if (queue.length === 0) {
        this.pending.delete(key);
      }
    }
    return new AwsServiceError(head.errorType, `Injected fault for ${service}.${operation}`, head.httpStatus);
  }

  /** Drops every queued fault. */
  clear(): void {
    this.pending.clear();
  }
}

function faultKey(service: FaultService, operation: string): string {
  return `${service}.${operation}`;
}
