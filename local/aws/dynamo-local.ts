import type { Server } from 'node:http';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AwsClientConfig } from './client-config';
import { type DynaliteRequestListener, startDynamoCountingFront } from './dynamo-counting-front';
import { DynamoStats, type DynamoStatsSnapshot } from './dynamo-stats';
import { type CreateTableOptions, serviceTableRequest } from './dynamo-table-spec';
import { closeServer, listenOnEphemeralPort } from './server-lifecycle';

/** An in-memory DynamoDB-protocol server (dynalite) behind a counting front, and the table layout the service uses. */
export interface DynamoLocal {
  /** The counting front's endpoint; clients never talk to dynalite's own port. */
  readonly endpoint: string;
  /**
   * Creates the service table (`pk` S HASH, `sk` S RANGE, PAY_PER_REQUEST), with any global secondary indexes, and
   * waits until it is ACTIVE. The TTL attribute is `ttl`, but dynalite has no UpdateTimeToLive and never expires
   * items: code must check expiry times itself and treat TTL as cleanup only. An existing table makes it throw
   * ResourceInUseException.
   */
  createTable(tableName: string, options?: CreateTableOptions): Promise<void>;
  /** Requests per operation and the read and write units dynalite computed for them. */
  stats(): DynamoStatsSnapshot;
  resetStats(): void;
  close(): Promise<void>;
}

const TABLE_ACTIVE_TIMEOUT_MS = 5_000;
const TABLE_POLL_INTERVAL_MS = 10;

/**
 * Starts dynalite and its counting front on ephemeral ports of `host`; `clientConfig` turns an endpoint into SDK
 * client settings.
 */
export async function startDynamoLocal(host: string, clientConfig: (endpoint: string) => AwsClientConfig): Promise<DynamoLocal> {
  // createTableMs 0: tables go ACTIVE on the next tick instead of after dynalite's default half second.
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynaliteEndpoint = await listenOnEphemeralPort(server, host);
  const stats = new DynamoStats();
  let front: Awaited<ReturnType<typeof startDynamoCountingFront>>;
  try {
    // The listener dynalite registered on its server: the counting front calls it in-process.
    const [listener] = server.listeners('request') as DynaliteRequestListener[];
    if (listener === undefined) {
      throw new Error('dynalite registered no request listener');
    }
    front = await startDynamoCountingFront(host, listener, stats);
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  const { endpoint } = front;
  // Table setup talks to dynalite directly, so the counts hold only what the code under test sent.
  const client = new DynamoDBClient(clientConfig(dynaliteEndpoint));

  return {
    endpoint,
    createTable: async (tableName, options) => {
      await client.send(new CreateTableCommand(serviceTableRequest(tableName, options)));
      await waitForActive(client, tableName);
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close: async () => {
      client.destroy();
      await front.close();
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
