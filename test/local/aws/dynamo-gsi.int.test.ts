import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';

const TABLE = 'indexed';
const DUE_INDEX = 'refresh-due';

describe('DynamoDB stand-in with a sparse global secondary index', () => {
  let aws: LocalAws;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    aws = await startLocalAws();
    client = new DynamoDBClient(aws.clientConfig('dynamodb'));
    doc = DynamoDBDocumentClient.from(client);
    await aws.createTable(TABLE, {
      globalSecondaryIndexes: [
        {
          indexName: DUE_INDEX,
          partitionKey: { name: 'dueShard', type: 'S' },
          sortKey: { name: 'dueAtSec', type: 'N' },
          projection: { include: ['authorizerAppid'] },
        },
        { indexName: 'by-status', partitionKey: { name: 'status', type: 'S' }, projection: 'KEYS_ONLY' },
      ],
    });
    // Five authorizers due at 100..104; the odd ones carry no index keys (e.g. revoked), so the index skips them.
    for (let i = 0; i < 5; i += 1) {
      await doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: {
            pk: `AUTHORIZER#wx${i}`,
            sk: 'TOKEN',
            authorizerAppid: `wx${i}`,
            status: i % 2 === 0 ? 'authorized' : 'revoked',
            secretish: 'not projected',
            ...(i % 2 === 0 ? { dueShard: 'DUE#0', dueAtSec: 100 + i } : {}),
          },
        }),
      );
    }
  });

  afterAll(async () => {
    client.destroy();
    await aws.close();
  });

  const dueBefore = (dueAtSec: number, select?: 'COUNT') =>
    doc.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: DUE_INDEX,
        KeyConditionExpression: 'dueShard = :shard AND dueAtSec <= :due',
        ExpressionAttributeValues: { ':shard': 'DUE#0', ':due': dueAtSec },
        Select: select,
      }),
    );

  it('describes the indexes with their key schema and projection', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));

    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema, index.Projection])).toEqual([
      [
        DUE_INDEX,
        [
          { AttributeName: 'dueShard', KeyType: 'HASH' },
          { AttributeName: 'dueAtSec', KeyType: 'RANGE' },
        ],
        { ProjectionType: 'INCLUDE', NonKeyAttributes: ['authorizerAppid'] },
      ],
      ['by-status', [{ AttributeName: 'status', KeyType: 'HASH' }], { ProjectionType: 'KEYS_ONLY' }],
    ]);
  });

  it('returns only the items that carry the index keys, ordered by the numeric sort key, with the projected attributes', async () => {
    const { Items } = await dueBefore(1000);

    expect(Items).toEqual([
      { pk: 'AUTHORIZER#wx0', sk: 'TOKEN', dueShard: 'DUE#0', dueAtSec: 100, authorizerAppid: 'wx0' },
      { pk: 'AUTHORIZER#wx2', sk: 'TOKEN', dueShard: 'DUE#0', dueAtSec: 102, authorizerAppid: 'wx2' },
      { pk: 'AUTHORIZER#wx4', sk: 'TOKEN', dueShard: 'DUE#0', dueAtSec: 104, authorizerAppid: 'wx4' },
    ]);
  });

  it('counts with Select COUNT and a range condition on the numeric sort key, as a Query (never a Scan)', async () => {
    aws.resetDynamoStats();

    const result = await dueBefore(103, 'COUNT');

    expect(result.Count).toBe(2);
    expect(result.Items).toBeUndefined();
    expect(aws.dynamoStats().operations).toEqual({ Query: 1 });
    expect(aws.dynamoStats().readUnits).toBe(0.5);
  });

  it('drops an item from the index when an update removes its index keys', async () => {
    await doc.send(
      new UpdateCommand({ TableName: TABLE, Key: { pk: 'AUTHORIZER#wx4', sk: 'TOKEN' }, UpdateExpression: 'REMOVE dueShard, dueAtSec' }),
    );

    const result = await dueBefore(1000, 'COUNT');

    expect(result.Count).toBe(2);
  });

  it('moves an item within the index when an update changes its sort key', async () => {
    await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'AUTHORIZER#wx0', sk: 'TOKEN' },
        UpdateExpression: 'SET dueAtSec = :later',
        ExpressionAttributeValues: { ':later': 500 },
      }),
    );

    const early = await dueBefore(499, 'COUNT');
    const late = await dueBefore(500, 'COUNT');

    expect(early.Count).toBe(1);
    expect(late.Count).toBe(2);
  });

  it('returns only the table and index keys from a KEYS_ONLY index', async () => {
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'by-status',
        KeyConditionExpression: '#s = :status',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':status': 'revoked' },
      }),
    );

    expect(Items?.map((item) => Object.keys(item).sort())).toEqual([
      ['pk', 'sk', 'status'],
      ['pk', 'sk', 'status'],
    ]);
  });

  it('throws RangeError when two indexes give one key attribute different types', async () => {
    const attempt = aws.createTable('conflicting', {
      globalSecondaryIndexes: [
        { indexName: 'a', partitionKey: { name: 'due', type: 'S' }, projection: 'ALL' },
        { indexName: 'b', partitionKey: { name: 'due', type: 'N' }, projection: 'ALL' },
      ],
    });

    await expect(attempt).rejects.toBeInstanceOf(RangeError);
  });
});
