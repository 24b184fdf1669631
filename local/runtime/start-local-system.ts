import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ROUTES } from '../../shared/contract';
import { fingerprint } from '../../shared/crypto/digests';
import { createComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import { createComponentTokenReaderFromEnv } from '../../shared/token';
import { startLocalAws } from '../aws/local-aws';
import { localAwsClients } from '../aws/local-aws-clients';
import { startWechatSim } from '../wechat-sim/server';
import { authorizeAccounts, describeAuthorization } from './authorize-accounts';
import { renderDemoPage } from './demo-page';
import { type GatewayRoute, startHttpGateway } from './http-gateway';
import type { LocalConfig } from './local-config';
import { LOCAL_TABLE, localEnvironment, WORKER_FUNCTION } from './local-environment';
import { createJobQueues, wireLocalFunctions } from './local-functions';
import { type LocalHealth, readLocalHealth } from './local-health';
import { SCHEDULES, serviceSchedules, startLocalSchedules } from './local-schedules';
import { SERVICE_TABLE } from './service-table';

export { LOCAL_TABLE } from './local-environment';

export interface LocalSystem {
  url: string;
  simUrl: string;
  health(): Promise<LocalHealth>;
  close(): Promise<void>;
}

/** How long startup waits for the accounts' authorization codes to be exchanged (each takes well under a second). */
const AUTHORIZE_TIMEOUT_MS = 30_000;
/** The demo page's authorization link lives an hour: long enough to finish, short like a link an operator sends. */
const DEMO_LINK_TTL_SEC = 3600;

/**
 * Starts the whole service on this machine: dynalite, the KMS / Secrets Manager / Lambda / SQS stand-ins, the HTTP
 * gateway with the real Lambda handlers, the authorizer worker behind its SQS trigger, the WeChat simulator pushing
 * tickets to it, and the schedules. Each handler is wired by its production factory from the environment the
 * construct would give it, with SDK clients pointed at the stand-ins. Then it authorizes every configured account
 * through the simulator, as an administrator would.
 */
export async function startLocalSystem(config: LocalConfig, log: (line: string) => void): Promise<LocalSystem> {
  const aws = await startLocalAws();
  log(
    `[start] DynamoDB (dynalite, in memory) on ${aws.endpoints.dynamodb}; KMS, Secrets Manager, Lambda and SQS stand-ins on ${aws.endpoints.kms}`,
  );
  const closers: Array<() => Promise<void>> = [() => aws.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    await aws.createTable(LOCAL_TABLE, SERVICE_TABLE);
    const secretArn = aws.putSecret(
      'wechat-component/local',
      JSON.stringify({ appsecret: config.sim.componentAppsecret, token: config.sim.token, encodingAesKey: config.sim.encodingAesKey }),
    );
    // Fresh signing keys per run, like the stack's generated ones: sessions and links do not outlive the local system.
    const sessionSecretArn = aws.putSecret('wechat-component/local-session', randomBytes(32).toString('base64url'));
    const linkSecretArn = aws.putSecret('wechat-component/local-authorization-link', randomBytes(32).toString('base64url'));
    const jobsQueueUrl = createJobQueues(aws);

    const routes: GatewayRoute[] = [];
    let serveExtra: (path: string) => Promise<APIGatewayProxyStructuredResultV2 | null> = async () => null;
    const gateway = await startHttpGateway({
      routes,
      port: config.port,
      extra: (req) => (req.method === 'GET' ? serveExtra(new URL(req.url ?? '/', 'http://x').pathname) : Promise.resolve(null)),
    });
    closers.push(() => gateway.close());
    log(`[start] HTTP API (local API Gateway) on ${gateway.url}`);

    const simPort = config.sim.port || (await findFreePort());
    const simUrl = `http://127.0.0.1:${simPort}`;
    const env = localEnvironment(config, {
      kmsKeyId: aws.kmsKeyArn,
      secretArn,
      sessionSecretArn,
      linkSecretArn,
      jobsQueueUrl,
      gatewayUrl: gateway.url,
      simUrl,
    });
    const clients = localAwsClients(aws);
    const functions = wireLocalFunctions({ aws, runtime: { env, clients }, jobsQueueUrl });
    routes.push(...functions.routes);
    log(
      '[start] Lambda handlers wired: push-receiver, h5-oauth and authorization-page (HTTP API routes), token-refresher and ' +
        'authorizer-worker (Lambda stand-in), the worker polling the authorizer jobs queue (SQS stand-in)',
    );

    const stores = createComponentStores({
      dynamo: createDocumentClient(clients.dynamo),
      kms: clients.kms,
      tableName: LOCAL_TABLE,
      kmsKeyId: aws.kmsKeyArn,
      componentAppid: config.sim.componentAppid,
      now: Date.now,
    });
    const health = () =>
      readLocalHealth({
        componentAppid: config.sim.componentAppid,
        tickets: stores.tickets,
        tokens: stores.tokens,
        authorizers: stores.authorizers,
        now: Date.now,
      });
    serveExtra = async (path) => {
      if (path === '/healthz') return json(await health());
      if (path !== '/') return null;
      const link = (await functions.invoke(WORKER_FUNCTION, {
        action: 'authorization-link',
        authType: 3,
        ttlSec: DEMO_LINK_TTL_SEC,
      })) as { url: string; expiresAt: string };
      return html(renderDemoPage({ authorizerAppid: config.authorizerAppids[0]!, authorizationLink: link }));
    };

    const sim = await startWechatSim({
      ...config.sim,
      port: simPort,
      pushUrl: `${gateway.url}${ROUTES.pushEvents}`,
      authorizerAppids: config.authorizerAppids,
      // Every configured account can authorize the component, and any more the simulator was told about.
      authorizationAccounts: [...new Set([...config.authorizerAppids, ...(config.sim.authorizationAccounts ?? [])])],
      log,
    });
    closers.push(() => sim.close());

    const reader = createComponentTokenReaderFromEnv({ env, clients });
    const schedules = startLocalSchedules(
      serviceSchedules({
        invoke: functions.invoke,
        refreshIntervalSec: config.refreshIntervalSec,
        readComponentToken: async () =>
          `[reader] got component_access_token ${fingerprint(await reader.getComponentAccessToken())}… (fingerprint, not the token) from DynamoDB via KMS`,
      }),
      log,
    );
    closers.push(() => schedules.stop());
    // The first run waits for the simulator's startup push, as a deployed schedule would find a ticket stored.
    await sim.whenIdle();
    await schedules.runNow(SCHEDULES.tokenRefresher);

    if (config.apiBase === null) {
      log(`[authorize] authorizing ${config.authorizerAppids.length} account(s) through the simulator's authorized push`);
      const authorizations = await authorizeAccounts({
        sim,
        codes: stores.authorizationCodes,
        authorizers: stores.authorizers,
        authorizerAppids: config.authorizerAppids,
        timeoutMs: AUTHORIZE_TIMEOUT_MS,
      });
      for (const result of authorizations) log(`[authorize] ${describeAuthorization(result)}`);
    } else {
      log('[authorize] WECHAT_API_BASE is not the simulator: no account is authorized at startup (use the demo page link)');
    }
    await schedules.runNow(SCHEDULES.dueSweep);

    return { url: gateway.url, simUrl: sim.url, health, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function json(body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

function html(body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body };
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
