import { TABLE_INDEXES } from '../../shared/contract';
import type { CreateTableOptions } from '../aws/dynamo-table-spec';

/** The service table as the construct creates it: `pk`/`sk` plus the sparse indexes of shared/contract.ts. */
export const SERVICE_TABLE: CreateTableOptions = {
  globalSecondaryIndexes: Object.values(TABLE_INDEXES).map((index) => ({
    indexName: index.indexName,
    partitionKey: index.partitionKey,
    sortKey: index.sortKey,
    projection: index.projection,
  })),
};
