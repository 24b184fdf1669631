/** One DynamoDB operation's totals. */
export interface DynamoOperationStats {
  /** Requests received, including ones that failed. */
  readonly count: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Global secondary index writes the requests caused, in units as DynamoDB bills them (dynalite counts none). */
  readonly indexWriteUnits: number;
  /** Requests answered with an error (any 4xx/5xx). */
  readonly failed: number;
  /**
   * Conditional writes refused with ConditionalCheckFailedException. DynamoDB bills write units for them (at least
   * one each, by the size of the existing item) but reports no capacity for a failed request, so none are in
   * `writeUnits`: add them when costing.
   */
  readonly conditionalCheckFailed: number;
}

/** DynamoDB requests by operation (the X-Amz-Target name) and the capacity units dynalite computed for them. */
export interface DynamoStatsSnapshot {
  /** Requests per operation, e.g. `{ GetItem: 12, UpdateItem: 30, Query: 2 }`. */
  readonly operations: Record<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Index write units of all operations (see DynamoOperationStats.indexWriteUnits). */
  readonly indexWriteUnits: number;
  readonly byOperation: Record<string, DynamoOperationStats>;
}

/** What one request contributed. */
export interface DynamoRequestRecord {
  readonly operation: string;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly indexWriteUnits?: number;
  readonly errorType?: string | undefined;
}

/** Accumulates per-operation counts and capacity units. */
export class DynamoStats {
  private byOperation = new Map<
    string,
    { count: number; readUnits: number; writeUnits: number; indexWriteUnits: number; failed: number; conditionalCheckFailed: number }
  >();

  /** Adds one request. */
  record(request: DynamoRequestRecord): void {
    const entry = this.byOperation.get(request.operation) ?? {
      count: 0,
      readUnits: 0,
      writeUnits: 0,
      indexWriteUnits: 0,
      failed: 0,
      conditionalCheckFailed: 0,
    };
    entry.count += 1;
    entry.readUnits += request.readUnits;
    entry.writeUnits += request.writeUnits;
    entry.indexWriteUnits += request.indexWriteUnits ?? 0;
    if (request.errorType !== undefined) {
      entry.failed += 1;
      if (request.errorType === 'ConditionalCheckFailedException') {
        entry.conditionalCheckFailed += 1;
      }
    }
    this.byOperation.set(request.operation, entry);
  }

  /** A copy of the totals so far. */
  snapshot(): DynamoStatsSnapshot {
    const operations: Record<string, number> = {};
    const byOperation: Record<string, DynamoOperationStats> = {};
    let readUnits = 0;
    let writeUnits = 0;
    let indexWriteUnits = 0;
    for (const [operation, entry] of this.byOperation) {
      operations[operation] = entry.count;
      byOperation[operation] = { ...entry };
      readUnits += entry.readUnits;
      writeUnits += entry.writeUnits;
      indexWriteUnits += entry.indexWriteUnits;
    }
    return { operations, readUnits, writeUnits, indexWriteUnits, byOperation };
  }

  /** Sets every total back to zero. */
  reset(): void {
    this.byOperation = new Map();
  }
}
