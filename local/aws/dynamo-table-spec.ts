import type { AttributeDefinition, CreateTableCommandInput, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';

/** A key attribute: its name and DynamoDB scalar type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

/**
 * A global secondary index. It is sparse, as in DynamoDB: an item without the index's key attributes is not in it.
 */
export interface GlobalSecondaryIndexSpec {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Which attributes the index carries besides the keys. */
  readonly projection: 'KEYS_ONLY' | 'ALL' | { readonly include: readonly string[] };
}

/** Options for `createTable`. */
export interface CreateTableOptions {
  /** @default - no index */
  readonly globalSecondaryIndexes?: readonly GlobalSecondaryIndexSpec[];
}

const TABLE_KEYS: readonly KeyAttribute[] = [
  { name: 'pk', type: 'S' },
  { name: 'sk', type: 'S' },
];

/** The CreateTable request for the service table (`pk` S HASH, `sk` S RANGE, PAY_PER_REQUEST) with its indexes. */
export function serviceTableRequest(tableName: string, options: CreateTableOptions = {}): CreateTableCommandInput {
  const indexes = options.globalSecondaryIndexes ?? [];
  const attributes = new Map<string, KeyAttribute['type']>();
  for (const key of [...TABLE_KEYS, ...indexes.flatMap((index) => [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])])]) {
    const known = attributes.get(key.name);
    if (known !== undefined && known !== key.type) {
      throw new RangeError(`key attribute ${key.name} is declared as both ${known} and ${key.type}`);
    }
    attributes.set(key.name, key.type);
  }
  const attributeDefinitions: AttributeDefinition[] = [...attributes].map(([AttributeName, AttributeType]) => ({
    AttributeName,
    AttributeType,
  }));
  return {
    TableName: tableName,
    AttributeDefinitions: attributeDefinitions,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    ...(indexes.length === 0 ? {} : { GlobalSecondaryIndexes: indexes.map(toGlobalSecondaryIndex) }),
  };
}

function toGlobalSecondaryIndex(index: GlobalSecondaryIndexSpec): GlobalSecondaryIndex {
  const { projection } = index;
  return {
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
      ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    Projection:
      typeof projection === 'string'
        ? { ProjectionType: projection }
        : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.include] },
  };
}
