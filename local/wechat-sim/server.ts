/**
 * The WeChat simulator: an HTTP server that answers like api.weixin.qq.com and pushes tickets and
 * authorization events like WeChat does (docs/wechat-protocol.md §1, §2, §3 and §6). Local tooling only.
 */
import { createServer, type Server } from 'node:http';
import { createAuthorizerMethods } from './authorizer-methods';
import { FaultPlan } from './fault-plan';
import { PushDispatcher } from './push/push-dispatcher';
import { buildPushMessageXml, withStandardEventFields } from './push/push-message-xml';
import { createRequestListener } from './router';
import { createSimControlRoutes } from './routes/sim-control-routes';
import { WECHAT_API_ROUTES } from './routes/wechat-api-routes';
import type { SimContext } from './sim-context';
import { resolveSimOptions } from './sim-options';
import { SimStatsRecorder } from './sim-stats';
import { AuthorizationCodes } from './state/authorization-codes';
import { AuthorizerRegistry } from './state/authorizer-registry';
import { ConsentSessions } from './state/consent-sessions';
import { DailyQuota, DailyQuotaBook } from './state/daily-quota';
import { OAuthState } from './state/oauth-state';
import { PreAuthCodes } from './state/pre-auth-codes';
import { TicketRegistry } from './state/ticket-registry';
import { TokenRegistry } from './state/token-registry';
import type { PushResult, WechatSim, WechatSimOptions } from './types';

/**
 * The fingerprint the simulator shows instead of a token or code (`authorizationCodeStats` keys,
 * `authorizerSnapshot`): the first 12 hex digits of its sha256, as the service's logs print them.
 */
export { fingerprint as secretFingerprint } from '../../shared/crypto/digests';
export type {
  OAuthScope,
  PushResult,
  PushTamper,
  SimAddAccountsOptions,
  SimAuthorizationCodeStats,
  SimAuthorizationResult,
  SimAuthorizationState,
  SimAuthorizeInput,
  SimAuthorizerAccount,
  SimAuthorizerKind,
  SimAuthorizerListing,
  SimAuthorizerSnapshot,
  SimAuthType,
  SimFaults,
  SimOAuthUser,
  SimStats,
  WechatSim,
  WechatSimOptions,
} from './types';

/**
 * Starts the simulator and resolves once it listens.
 *
 * @example
 * const sim = await startWechatSim({ componentAppid, componentAppsecret, token, encodingAesKey, pushUrl, autoPush: false });
 * await sim.pushTicketNow();
 * await sim.close();
 */
export async function startWechatSim(options: WechatSimOptions): Promise<WechatSim> {
  const config = resolveSimOptions(options);
  const { now, log } = config;
  const stats = new SimStatsRecorder();
  const faults = new FaultPlan();
  const tickets = new TicketRegistry();
  const tokens = new TokenRegistry(config.tokenTtlSec, config.previousTokenGraceSec);
  const quota = new DailyQuota(config.dailyQuota);
  const oauth = new OAuthState({
    componentAppid: config.componentAppid,
    authorizerAppids: config.authorizerAppids,
    redirectHosts: config.oauthRedirectHosts,
  });
  const pushes = new PushDispatcher({
    pushUrl: config.pushUrl,
    keys: { appid: config.componentAppid, token: config.token, encodingAesKey: config.encodingAesKey },
    now,
    faults,
    stats,
    log,
  });

  const pushTicketNow = async (): Promise<PushResult> => {
    const previous = tickets.latest();
    const ticket = tickets.issue(now());
    stats.recordTicketIssued();
    log(`issued a component_verify_ticket with CreateTime ${ticket.createTime}`);
    return pushes.deliverTicket(ticket, previous);
  };

  const authorizers = new AuthorizerRegistry(config);
  for (const appid of config.authorizationAccounts) authorizers.add(appid, 'official_account');
  const authorizationDomains = new Set(config.authorizationDomains.map((host) => host.toLowerCase()));

  const ctx: SimContext = {
    componentAppid: config.componentAppid,
    componentAppsecret: config.componentAppsecret,
    now,
    tickets,
    tokens,
    quota,
    apiQuotas: new DailyQuotaBook((api) => config.apiDailyQuota[api]),
    authorizerTokenQuota: new DailyQuotaBook(() => config.authorizerTokenDailyQuota),
    preAuthCodes: new PreAuthCodes(),
    authorizers,
    authorizationCodes: new AuthorizationCodes(),
    consents: new ConsentSessions(),
    allowsAuthorizationDomain: (hostname) => authorizationDomains.has(hostname.toLowerCase()),
    oauth,
    stats,
    schedulePushTicket: () => {
      // Deliveries report failures in their PushResult; this only guards against an unexpected throw.
      pushTicketNow().catch((err: unknown) => log(`scheduled ticket push failed: ${err instanceof Error ? err.name : 'unknown'}`));
    },
    pushEvent: (infoType, createTime, fields) =>
      pushes.deliverEvent(infoType, buildPushMessageXml({ appid: config.componentAppid, createTime, infoType, fields })),
    log,
  };

  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  let server: Server;

  const sim: WechatSim = {
    get url() {
      return urlOf(config.host, portOf(server));
    },
    get port() {
      return portOf(server);
    },
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await pushes.close();
        await closeServer(server);
        log('closed');
      })();
      return closing;
    },
    stats: () => stats.snapshot(quota.usedToday(now())),
    callsByAuthorizer: (api) => stats.callsByAuthorizer(api),
    resetStats: () => stats.reset(),
    setFaults: (next) => faults.set(next),
    pushTicketNow,
    async pushEvent(event) {
      const createTime = event.createTime ?? Math.floor(now() / 1000);
      return ctx.pushEvent(event.infoType, createTime, withStandardEventFields(event.infoType, createTime, event.fields));
    },
    pushRaw: async (input) => pushes.deliverRaw(input.xml, input.tamper),
    whenIdle: () => pushes.whenIdle(),
    checkComponentAccessToken(token) {
      const state = tokens.check(token, now());
      return state === 'ok' || state === 'expired' ? state : 'invalid';
    },
    latestTicket() {
      const latest = tickets.latest();
      return latest ? { ...latest } : null;
    },
    issueOAuthCode: (input) => oauth.issueCode(input, now()),
    oauthUsers: () => oauth.users.list(),
    ...createAuthorizerMethods(ctx),
  };

  server = createServer(createRequestListener({ apiRoutes: WECHAT_API_ROUTES, controlRoutes: createSimControlRoutes(sim), ctx, faults }));
  await listen(server, config.port, config.host);
  log(`listening on ${sim.url}`);

  if (config.autoPush) {
    ctx.schedulePushTicket();
    // Wall-clock timer on purpose: the sim clock may be frozen or jump in tests; the cadence is real time.
    if (config.ticketIntervalSec > 0) timer = setInterval(ctx.schedulePushTicket, config.ticketIntervalSec * 1000);
  }
  return sim;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive connections (fetch keeps them) would otherwise hold close() open.
    server.closeAllConnections();
  });
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
