import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalAws, type LocalAws } from '../../../local/aws/local-aws';
import { createDocumentClient } from '../../../shared/store/document-client';

/** The table every store test writes to; each test takes a fresh component appid, so tests never share items. */
export const TABLE_NAME = 'wechat-component-store-test';

export interface LocalTable {
  aws: LocalAws;
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  close(): Promise<void>;
}

/** dynalite and the KMS stand-in with the service table created, and real SDK clients pointed at them. */
export async function startLocalTable(): Promise<LocalTable> {
  const aws = await startLocalAws();
  await aws.createTable(TABLE_NAME);
  const dynamoClient = new DynamoDBClient(aws.clientConfig('dynamodb'));
  const kms = new KMSClient(aws.clientConfig('kms'));
  return {
    aws,
    dynamo: createDocumentClient(dynamoClient),
    kms,
    close: async () => {
      dynamoClient.destroy();
      kms.destroy();
      await aws.close();
    },
  };
}

/** A component appid no other test uses. */
export function newComponentAppid(): string {
  return `wx${randomBytes(8).toString('hex')}`;
}
