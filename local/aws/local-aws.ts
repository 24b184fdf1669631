import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsJsonHandler } from './aws-json-server';
import { CallStats, type CallStatsSnapshot } from './call-stats';
import { type AwsClientConfig, buildClientConfig, LOCAL_CREDENTIALS } from './client-config';
import { startDynamoLocal } from './dynamo-local';
import { type Fault, FaultInjector } from './fault-injector';
import { type KmsKeyInfo, KmsStandin } from './kms-standin';
import { LambdaStandin, type LocalLambdaHandler, type RegisterFunctionOptions } from './lambda-standin';
import { SecretsStandin } from './secrets-standin';
import { closeServer, formatEndpoint } from './server-lifecycle';

export type { CallStatsSnapshot } from './call-stats';
export type { AwsClientConfig } from './client-config';
export type { Fault, FaultService } from './fault-injector';
export type { KmsKeyInfo } from './kms-standin';
export type { LambdaLikeContext } from './lambda-context';
export type { LocalLambdaHandler, RegisterFunctionOptions } from './lambda-standin';

/** A service the stand-ins answer for. */
export type LocalAwsService = 'dynamodb' | 'kms' | 'secretsManager' | 'lambda';

/** Local servers that speak the DynamoDB, KMS, Secrets Manager and Lambda wire protocols to the real SDK v3 clients. */
export interface LocalAws {
  /** 'us-east-1' unless given. */
  readonly region: string;
  /** The fake account id used in every ARN. */
  readonly accountId: string;
  readonly endpoints: { dynamodb: string; kms: string; secretsManager: string; lambda: string };
  /** The key created at start, and its alias `alias/wechat-component-local`. */
  readonly kmsKeyId: string;
  readonly kmsKeyArn: string;
  readonly kmsAlias: string;
  /**
   * Env vars that point the SDK here: AWS_REGION, AWS_ENDPOINT_URL_* for the four services, fake
   * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true.
   */
  env(): Record<string, string>;
  /** Client config for explicit clients: `{ region, endpoint, credentials }` for a service. */
  clientConfig(service: LocalAwsService): AwsClientConfig;
  /** Creates the service table: `pk` (S) HASH + `sk` (S) RANGE, PAY_PER_REQUEST. dynalite never expires `ttl`. */
  createTable(tableName: string): Promise<void>;
  /** Stores a secret's current value and returns its ARN; re-putting a name replaces the value (new VersionId). */
  putSecret(name: string, secretString: string): string;
  /** Registers (or replaces) an in-process function behind Lambda Invoke and returns its ARN. */
  registerFunction<TEvent = unknown>(name: string, handler: LocalLambdaHandler<TEvent>, options?: RegisterFunctionOptions): string;
  /** For fault tests: make the next n calls (HTTP requests, so SDK retries count) of an operation fail. */
  injectFault(fault: Fault): void;
  /** Drops every fault not yet consumed. */
  clearFaults(): void;
  /** Calls received per operation of KMS, Secrets Manager and Lambda (DynamoDB is not counted). */
  stats(): CallStatsSnapshot;
  /** Sets every call count back to zero. */
  resetStats(): void;
  /** Creates another KMS key (e.g. to provoke IncorrectKeyException), optionally with an alias. */
  createKmsKey(options?: { alias?: string; description?: string }): KmsKeyInfo;
  /** Resolves once every Event-type Lambda invocation started so far has finished. */
  waitForEventInvocations(): Promise<void>;
  /** Waits for background invocations, then stops both servers. */
  close(): Promise<void>;
}

/** Options for {@link startLocalAws}. */
export interface StartLocalAwsOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Clock for CreatedDate/CreationDate fields and Lambda deadlines. @default - Date.now */
  readonly now?: () => number;
}

const ACCOUNT_ID = '000000000000';
const KMS_ALIAS = 'alias/wechat-component-local';

/**
 * Starts dynalite plus one HTTP server for KMS, Secrets Manager and Lambda, both on ephemeral ports.
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
  const handleJson = createAwsJsonHandler([kms, secrets], { faults, stats: callStats });

  const dynamo = await startDynamoLocal(host, (endpoint) => buildClientConfig(region, endpoint));
  let server: Server;
  try {
    server = await listen(host, (req, res) => (lambda.handles(req) ? lambda.handleRequest(req, res) : handleJson(req, res)));
  } catch (err) {
    await dynamo.close();
    throw err;
  }
  const standinEndpoint = formatEndpoint(host, (server.address() as AddressInfo).port);
  const endpoints = { dynamodb: dynamo.endpoint, kms: standinEndpoint, secretsManager: standinEndpoint, lambda: standinEndpoint };
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
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }),
    clientConfig: (service) => buildClientConfig(region, endpoints[service]),
    createTable: (tableName) => dynamo.createTable(tableName),
    putSecret: (name, secretString) => secrets.putSecret(name, secretString),
    registerFunction: (name, handler, registerOptions) => lambda.registerFunction(name, handler, registerOptions),
    injectFault: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    stats: () => callStats.snapshot(),
    resetStats: () => callStats.reset(),
    createKmsKey: (keyOptions) => kms.createKey(keyOptions),
    waitForEventInvocations: () => lambda.waitForEventInvocations(),
    close: async () => {
      await lambda.waitForEventInvocations();
      await Promise.all([closeServer(server), dynamo.close()]);
    },
  };
}

async function listen(host: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Server> {
  const server = createServer((req, res) => {
    // Handlers answer their own errors; this only catches a failure while writing, where the socket is beyond saving.
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
