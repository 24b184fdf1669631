import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AwsClientConfig } from './client-config';
import { closeServer, formatEndpoint } from './server-lifecycle';

/** An in-memory DynamoDB-protocol server (dynalite) and the one table layout the service uses. */
export interface DynamoLocal {
  readonly endpoint: string;
  /**
   * Creates the service table (`pk` S HASH, `sk` S RANGE, PAY_PER_REQUEST) and waits until it is ACTIVE.
   * The TTL attribute is `ttl`, but dynalite has no UpdateTimeToLive and never expires items: code must check expiry
   * times itself and treat TTL as cleanup only. An existing table makes it throw ResourceInUseException.
   */
  createTable(tableName: string): Promise<void>;
  close(): Promise<void>;
}

const TABLE_ACTIVE_TIMEOUT_MS = 5_000;
const TABLE_POLL_INTERVAL_MS = 10;

/** Starts dynalite on an ephemeral port of `host`; `clientConfig` turns its endpoint into SDK client settings. */
export async function startDynamoLocal(host: string, clientConfig: (endpoint: string) => AwsClientConfig): Promise<DynamoLocal> {
  // createTableMs 0: tables go ACTIVE on the next tick instead of after dynalite's default half second.
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const endpoint = formatEndpoint(host, (server.address() as AddressInfo).port);
  const client = new DynamoDBClient(clientConfig(endpoint));

  return {
    endpoint,
    createTable: async (tableName) => {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await waitForActive(client, tableName);
    },
    close: async () => {
      client.destroy();
      await closeServer(server);
    },
  };
}

// The SDK's waitUntilTableExists sleeps at least 20 s between polls; dynalite is ready within milliseconds.
async function waitForActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} did not become ACTIVE within ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, TABLE_POLL_INTERVAL_MS));
  }
}
