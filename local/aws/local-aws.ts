import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createAwsJsonHandler } from './aws-json-server';
import { CallStats, type CallStatsSnapshot } from './call-stats';
import { type AwsClientConfig, buildClientConfig, LOCAL_CREDENTIALS } from './client-config';
import { startDynamoLocal } from './dynamo-local';
import type { DynamoStatsSnapshot } from './dynamo-stats';
import type { CreateTableOptions } from './dynamo-table-spec';
import { type Fault, FaultInjector } from './fault-injector';
import { type KmsKeyInfo, KmsStandin } from './kms-standin';
import { LambdaStandin, type LocalLambdaHandler, type RegisterFunctionOptions } from './lambda-standin';
import { SecretsStandin } from './secrets-standin';
import { closeServer, listenOnEphemeralPort } from './server-lifecycle';
import type { SqsEventSource, SqsEventSourceOptions } from './sqs-event-source';
import { type CreateQueueOptions, type LocalQueue, LocalSqsApi } from './sqs-local-api';
import { SqsStandin } from './sqs-standin';

export type { CallStatsSnapshot } from './call-stats';
export type { AwsClientConfig } from './client-config';
export type { DynamoOperationStats, DynamoStatsSnapshot } from './dynamo-stats';
export type { CreateTableOptions, GlobalSecondaryIndexSpec, KeyAttribute } from './dynamo-table-spec';
export type { Fault, FaultService } from './fault-injector';
export type { KmsKeyInfo } from './kms-standin';
export type { LambdaLikeContext } from './lambda-context';
export type { LocalLambdaHandler, RegisterFunctionOptions } from './lambda-standin';
export type {
  DrainOptions,
  DrainResult,
  SqsBatchOutcome,
  SqsEventSource,
  SqsEventSourceOptions,
  SqsEventSourceStats,
  SqsEventSourceStatus,
} from './sqs-event-source';
export type { CreateQueueOptions, LocalQueue } from './sqs-local-api';

/** A service the stand-ins answer for. */
export type LocalAwsService = 'dynamodb' | 'kms' | 'secretsManager' | 'lambda' | 'sqs';

/** Local servers that speak the DynamoDB, KMS, Secrets Manager, Lambda and SQS wire protocols to the real SDK v3 clients. */
export interface LocalAws {
  /** 'us-east-1' unless given. */
  readonly region: string;
  /** The fake account id used in every ARN. */
  readonly accountId: string;
  readonly endpoints: { dynamodb: string; kms: string; secretsManager: string; lambda: string; sqs: string };
  /** The key created at start, and its alias `alias/wechat-component-local`. */
  readonly kmsKeyId: string;
  readonly kmsKeyArn: string;
  readonly kmsAlias: string;
  /**
   * Env vars that point the SDK here: AWS_REGION, AWS_ENDPOINT_URL_* for the five services, fake
   * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true.
   */
  env(): Record<string, string>;
  /** Client config for explicit clients: `{ region, endpoint, credentials }` for a service. */
  clientConfig(service: LocalAwsService): AwsClientConfig;
  /**
   * Creates the service table: `pk` (S) HASH + `sk` (S) RANGE, PAY_PER_REQUEST, with any global secondary indexes
   * (sparse, as in DynamoDB). dynalite never expires `ttl`.
   */
  createTable(tableName: string, options?: CreateTableOptions): Promise<void>;
  /** Stores a secret's current value and returns its ARN; re-putting a name replaces the value (new VersionId). */
  putSecret(name: string, secretString: string): string;
  /** Registers (or replaces) an in-process function behind Lambda Invoke and returns its ARN. */
  registerFunction<TEvent = unknown>(name: string, handler: LocalLambdaHandler<TEvent>, options?: RegisterFunctionOptions): string;
  /**
   * Creates a standard SQS queue (or returns the existing one when every option given matches it) and returns its
   * URL (`http://127.0.0.1:PORT/000000000000/<name>`) and ARN. Throws RangeError on a bad name or option.
   */
  createQueue(name: string, options?: CreateQueueOptions): LocalQueue;
  /**
   * Connects a queue to a registered function like Lambda's SQS trigger. Tests drive it with `pollOnce()` and
   * `drain({ advanceClock })`; `npm start` calls `start()`. Throws RangeError for an unknown queue or function.
   */
  addSqsEventSource(options: SqsEventSourceOptions): SqsEventSource;
  /** For fault tests: make the next n calls (HTTP requests, so SDK retries count) of an operation fail. */
  injectFault(fault: Fault): void;
  /** Drops every fault not yet consumed. */
  clearFaults(): void;
  /** Calls received per operation of KMS, Secrets Manager, Lambda and SQS (DynamoDB has dynamoStats). */
  stats(): CallStatsSnapshot;
  /** Sets every call count back to zero. */
  resetStats(): void;
  /**
   * DynamoDB requests per operation (GetItem, UpdateItem, Query, Scan, ...) and the read and write units dynalite
   * computed for them, in total and per operation. createTable's own calls are not counted. dynalite adds no
   * units for index writes, failed conditional writes or an empty Query: see README.
   */
  dynamoStats(): DynamoStatsSnapshot;
  /** Sets the DynamoDB counts and units back to zero. */
  resetDynamoStats(): void;
  /** Creates another KMS key (e.g. to provoke IncorrectKeyException), optionally with an alias. */
  createKmsKey(options?: { alias?: string; description?: string }): KmsKeyInfo;
  /** Resolves once every Event-type Lambda invocation started so far has finished. */
  waitForEventInvocations(): Promise<void>;
  /** Stops every SQS event source, waits for background invocations, then stops both servers. */
  close(): Promise<void>;
}

/** Options for {@link startLocalAws}. */
export interface StartLocalAwsOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /**
   * Clock for CreatedDate/CreationDate fields, Lambda deadlines and every SQS time (visibility timeouts, delays,
   * retention, SentTimestamp). Tests pass a fake clock and advance it. @default - Date.now
   */
  readonly now?: () => number;
}

const ACCOUNT_ID = '000000000000';
const KMS_ALIAS = 'alias/wechat-component-local';

/**
 * Starts dynalite behind its counting front, plus one HTTP server for KMS, Secrets Manager, Lambda and SQS, on
 * ephemeral ports.
 *
 * @example
 * const aws = await startLocalAws();
 * Object.assign(process.env, aws.env());
 * await aws.createTable('wechat-component');
 * const kms = new KMSClient({}); // reaches the stand-in through AWS_ENDPOINT_URL_KMS
 * await aws.close();
 */
export async function startLocalAws(options: StartLocalAwsOptions = {}): Promise<LocalAws> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const now = options.now ?? Date.now;
  const faults = new FaultInjector();
  const callStats = new CallStats();
  const kms = new KmsStandin({ region, accountId: ACCOUNT_ID, now });
  const secrets = new SecretsStandin({ region, accountId: ACCOUNT_ID, now });
  const lambda = new LambdaStandin({ region, accountId: ACCOUNT_ID, now, faults, stats: callStats });
  let standinEndpoint = '';
  const sqs = new SqsStandin({ region, accountId: ACCOUNT_ID, now, endpoint: () => standinEndpoint });
  const handleJson = createAwsJsonHandler([kms, secrets, sqs], { faults, stats: callStats });
  const localSqs = new LocalSqsApi(sqs, lambda, { region, now });

  const dynamo = await startDynamoLocal(host, (endpoint) => buildClientConfig(region, endpoint));
  const server = createStandinServer((req, res) => (lambda.handles(req) ? lambda.handleRequest(req, res) : handleJson(req, res)));
  try {
    standinEndpoint = await listenOnEphemeralPort(server, host);
  } catch (err) {
    await dynamo.close();
    throw err;
  }
  const endpoints = {
    dynamodb: dynamo.endpoint,
    kms: standinEndpoint,
    secretsManager: standinEndpoint,
    lambda: standinEndpoint,
    sqs: standinEndpoint,
  };
  const key = kms.createKey({ alias: KMS_ALIAS, description: 'wechat-component local stand-in key' });

  return {
    region,
    accountId: ACCOUNT_ID,
    endpoints,
    kmsKeyId: key.keyId,
    kmsKeyArn: key.keyArn,
    kmsAlias: KMS_ALIAS,
    env: () => ({
      AWS_REGION: region,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_KMS: endpoints.kms,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
      AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }),
    clientConfig: (service) => buildClientConfig(region, endpoints[service]),
    createTable: (tableName, tableOptions) => dynamo.createTable(tableName, tableOptions),
    putSecret: (name, secretString) => secrets.putSecret(name, secretString),
    registerFunction: (name, handler, registerOptions) => lambda.registerFunction(name, handler, registerOptions),
    createQueue: (name, queueOptions) => localSqs.createQueue(name, queueOptions),
    addSqsEventSource: (sourceOptions) => localSqs.addSqsEventSource(sourceOptions),
    injectFault: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    stats: () => callStats.snapshot(),
    resetStats: () => callStats.reset(),
    dynamoStats: () => dynamo.stats(),
    resetDynamoStats: () => dynamo.resetStats(),
    createKmsKey: (keyOptions) => kms.createKey(keyOptions),
    waitForEventInvocations: () => lambda.waitForEventInvocations(),
    close: async () => {
      await localSqs.stopEventSources();
      await lambda.waitForEventInvocations();
      await Promise.all([closeServer(server), dynamo.close()]);
    },
  };
}

function createStandinServer(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server {
  return createServer((req, res) => {
    // Handlers answer their own errors; this only catches a failure while writing, where the socket is beyond saving.
    handle(req, res).catch(() => res.destroy());
  });
}
