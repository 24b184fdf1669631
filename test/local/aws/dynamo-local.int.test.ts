import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';

describe('DynamoDB stand-in (dynalite)', () => {
  let aws: LocalAws;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    aws = await startLocalAws();
    dynamo = new DynamoDBClient(aws.clientConfig('dynamodb'));
    await aws.createTable('wechat-component');
  });

  afterAll(async () => {
    dynamo.destroy();
    await aws.close();
  });

  it('creates an ACTIVE on-demand table keyed by pk and sk', async () => {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: 'wechat-component' }));

    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('rejects a conditional PutItem on an existing item with ConditionalCheckFailedException', async () => {
    const item = { pk: { S: 'LOCK#component' }, sk: { S: 'LOCK' }, owner: { S: 'a' } };
    await dynamo.send(new PutItemCommand({ TableName: 'wechat-component', Item: item }));

    const attempt = dynamo.send(
      new PutItemCommand({
        TableName: 'wechat-component',
        Item: { ...item, owner: { S: 'b' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );

    await expect(attempt).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const stored = await dynamo.send(
      new GetItemCommand({ TableName: 'wechat-component', Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
    );
    expect(stored.Item?.owner).toEqual({ S: 'a' });
  });

  it('rejects creating the same table twice with ResourceInUseException', async () => {
    const attempt = aws.createTable('wechat-component');

    await expect(attempt).rejects.toBeInstanceOf(ResourceInUseException);
  });
});
