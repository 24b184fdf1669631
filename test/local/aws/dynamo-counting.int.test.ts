import { crc32 } from 'node:zlib';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';

const TABLE = 'counted';
// 2,000 bytes of attribute value: a 2 KB item, so 2 write units and half a read unit (eventually consistent).
const PAYLOAD = 'x'.repeat(2000);

describe('DynamoDB operation and capacity counting', () => {
  let aws: LocalAws;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    aws = await startLocalAws();
    dynamo = new DynamoDBClient(aws.clientConfig('dynamodb'));
    await aws.createTable(TABLE);
  });

  beforeEach(() => {
    aws.resetDynamoStats();
  });

  afterAll(async () => {
    dynamo.destroy();
    await aws.close();
  });

  const key = (id: string) => ({ pk: { S: `A#${id}` }, sk: { S: 'TOKEN' } });
  const put = (id: string, extra: Record<string, { S: string }> = {}) =>
    dynamo.send(new PutItemCommand({ TableName: TABLE, Item: { ...key(id), payload: { S: PAYLOAD }, ...extra } }));

  it('does not count the calls createTable makes', async () => {
    await aws.createTable('uncounted');

    expect(aws.dynamoStats()).toEqual({ operations: {}, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, byOperation: {} });
  });

  it('counts requests by operation and splits read and write units', async () => {
    await put('1');
    await put('2');
    await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: key('1') }));
    await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: key('2'), ConsistentRead: true }));
    await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: key('missing') }));

    const stats = aws.dynamoStats();

    expect(stats.operations).toEqual({ PutItem: 2, GetItem: 3 });
    expect(stats.byOperation.PutItem).toEqual({
      count: 2,
      readUnits: 0,
      writeUnits: 4,
      indexWriteUnits: 0,
      failed: 0,
      conditionalCheckFailed: 0,
    });
    // 0.5 eventually consistent + 1 strongly consistent + 0.5 for a miss.
    expect(stats.byOperation.GetItem).toMatchObject({ count: 3, readUnits: 2, writeUnits: 0 });
    expect(stats.readUnits).toBe(2);
    expect(stats.writeUnits).toBe(4);
  });

  it('answers a caller that did not ask for capacity without ConsumedCapacity', async () => {
    const result = await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: key('quiet') }));

    expect(result.ConsumedCapacity).toBeUndefined();
    expect(aws.dynamoStats().writeUnits).toBe(1);
  });

  it('passes ConsumedCapacity through to a caller that asked for it, counting it once', async () => {
    const result = await dynamo.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...key('asked'), payload: { S: PAYLOAD } }, ReturnConsumedCapacity: 'TOTAL' }),
    );

    expect(result.ConsumedCapacity).toEqual({ TableName: TABLE, CapacityUnits: 2 });
    expect(aws.dynamoStats().writeUnits).toBe(2);
  });

  it('keeps the x-amz-crc32 header true to the body it rewrote', async () => {
    const response = await fetch(aws.endpoints.dynamodb, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        'x-amz-date': '20250101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=a/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify({ TableName: TABLE, Item: key('raw') }),
    });
    const body = Buffer.from(await response.arrayBuffer());

    expect(response.status).toBe(200);
    expect(body.toString()).toBe('{}');
    expect(response.headers.get('x-amz-crc32')).toBe(String(crc32(body)));
    expect(response.headers.get('content-length')).toBe(String(body.length));
  });

  it('counts a conditional write that fails, without units (dynalite reports none for a failed request)', async () => {
    const doc = DynamoDBDocumentClient.from(dynamo);
    await put('versioned', { version: { S: '2' } });
    aws.resetDynamoStats();

    const attempt = doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'A#versioned', sk: 'TOKEN' },
        UpdateExpression: 'SET version = :next',
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':next': '3', ':expected': '1' },
      }),
    );

    await expect(attempt).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(aws.dynamoStats().byOperation.UpdateItem).toEqual({
      count: 1,
      readUnits: 0,
      writeUnits: 0,
      indexWriteUnits: 0,
      failed: 1,
      conditionalCheckFailed: 1,
    });
  });

  it('counts a successful conditional DocumentClient update with the units of the larger of old and new item', async () => {
    const doc = DynamoDBDocumentClient.from(dynamo);
    await put('grow', { version: { S: '1' } });
    aws.resetDynamoStats();

    const result = await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'A#grow', sk: 'TOKEN' },
        UpdateExpression: 'SET version = :next, extra = :extra',
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':next': '2', ':expected': '1', ':extra': PAYLOAD },
        ReturnValues: 'UPDATED_NEW',
      }),
    );

    expect(result.Attributes?.version).toBe('2');
    expect(result.ConsumedCapacity).toBeUndefined();
    expect(aws.dynamoStats().byOperation.UpdateItem).toMatchObject({ count: 1, writeUnits: 4 });
  });

  it('sums the per-table capacity of batch operations', async () => {
    await dynamo.send(
      new BatchWriteItemCommand({
        RequestItems: { [TABLE]: ['b1', 'b2', 'b3'].map((id) => ({ PutRequest: { Item: { ...key(id), payload: { S: PAYLOAD } } } })) },
      }),
    );
    const batchGet = await dynamo.send(new BatchGetItemCommand({ RequestItems: { [TABLE]: { Keys: [key('b1'), key('b2')] } } }));

    const stats = aws.dynamoStats();

    expect(batchGet.ConsumedCapacity).toBeUndefined();
    expect(stats.byOperation.BatchWriteItem).toMatchObject({ count: 1, writeUnits: 6 });
    expect(stats.byOperation.BatchGetItem).toMatchObject({ count: 1, readUnits: 1 });
  });

  it('counts a Scan, so a test can assert that none happened', async () => {
    await dynamo.send(new ScanCommand({ TableName: TABLE, Limit: 1 }));

    expect(aws.dynamoStats().operations.Scan).toBe(1);
  });

  it('counts TransactWriteItems although dynalite refuses it with UnknownOperationException', async () => {
    const attempt = dynamo.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: key('tx') } }] }));

    await expect(attempt).rejects.toMatchObject({ name: 'UnknownOperationException' });
    expect(aws.dynamoStats().byOperation.TransactWriteItems).toMatchObject({ count: 1, failed: 1, writeUnits: 0 });
  });

  it('starts again from zero after resetDynamoStats', async () => {
    await put('reset');

    aws.resetDynamoStats();

    expect(aws.dynamoStats()).toEqual({ operations: {}, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, byOperation: {} });
  });
});

describe('DynamoDB index write units', () => {
  let aws: LocalAws;
  let dynamo: DynamoDBDocumentClient;
  const INDEXED = 'indexed';
  const key = { pk: 'A#1', sk: 'ITEM' };

  beforeAll(async () => {
    aws = await startLocalAws();
    dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(aws.clientConfig('dynamodb')));
    await aws.createTable(INDEXED, {
      globalSecondaryIndexes: [
        {
          indexName: 'due',
          partitionKey: { name: 'dueKey', type: 'S' },
          sortKey: { name: 'dueAtMs', type: 'N' },
          projection: { include: ['expiresAtMs'] },
        },
        { indexName: 'status', partitionKey: { name: 'statusKey', type: 'S' }, projection: 'KEYS_ONLY' },
      ],
    });
  });

  beforeEach(() => {
    aws.resetDynamoStats();
  });

  afterAll(async () => {
    dynamo.destroy();
    await aws.close();
  });

  const set = (values: Record<string, unknown>, condition?: string) =>
    dynamo.send(
      new UpdateCommand({
        TableName: INDEXED,
        Key: key,
        UpdateExpression: `SET ${Object.keys(values)
          .map((name) => `#${name} = :${name}`)
          .join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(Object.keys(values).map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value])),
        ...(condition ? { ConditionExpression: condition } : {}),
      }),
    );
  const indexWriteUnits = async (write: () => Promise<unknown>) => {
    aws.resetDynamoStats();
    await write().catch(() => undefined);
    return aws.dynamoStats().indexWriteUnits;
  };

  it('counts index writes as DynamoDB bills them: a new entry 1, a changed projection 1, a moved key 2, a removed entry 1, no change 0', async () => {
    expect(await indexWriteUnits(() => set({ note: 'not indexed' }))).toBe(0);
    expect(await indexWriteUnits(() => set({ dueKey: 'DUE', dueAtMs: 1000, statusKey: 'STATUS#authorized' }))).toBe(2);
    expect(await indexWriteUnits(() => set({ note: 'changed, not projected' }))).toBe(0);
    expect(await indexWriteUnits(() => set({ expiresAtMs: 2000 }))).toBe(1);
    expect(await indexWriteUnits(() => set({ dueAtMs: 1500 }))).toBe(2);
    expect(await indexWriteUnits(() => set({ dueAtMs: 1600 }, 'attribute_not_exists(pk)'))).toBe(0);
    expect(
      await indexWriteUnits(() =>
        dynamo.send(new UpdateCommand({ TableName: INDEXED, Key: key, UpdateExpression: 'REMOVE dueKey, dueAtMs' })),
      ),
    ).toBe(1);
    expect(await indexWriteUnits(() => dynamo.send(new DeleteCommand({ TableName: INDEXED, Key: key })))).toBe(1);
  });

  it('attributes index write units to the operation that caused them', async () => {
    await dynamo.send(new PutCommand({ TableName: INDEXED, Item: { ...key, dueKey: 'DUE', dueAtMs: 1 } }));
    await set({ dueAtMs: 2 });

    expect(aws.dynamoStats().byOperation.PutItem).toMatchObject({ count: 1, indexWriteUnits: 1 });
    expect(aws.dynamoStats().byOperation.UpdateItem).toMatchObject({ count: 1, indexWriteUnits: 2 });
    expect(aws.dynamoStats().indexWriteUnits).toBe(3);
  });

  it('rounds an index entry up to 1 KB units, as a table write', async () => {
    await dynamo.send(new PutCommand({ TableName: INDEXED, Item: { ...key, dueKey: 'DUE', dueAtMs: 1, expiresAtMs: 1 } }));

    expect(
      await indexWriteUnits(() =>
        dynamo.send(
          new PutCommand({ TableName: INDEXED, Item: { ...key, dueKey: `DUE#${'x'.repeat(1500)}`, dueAtMs: 1, expiresAtMs: 1 } }),
        ),
      ),
    ).toBe(3);
  });
});
