/**
 * The dependencies of the core logic (acceptPush, refreshComponentToken, the token reader, startH5OAuth and
 * completeH5OAuth) built from in-memory fakes on one fake clock, with the production defaults of every setting.
 * Each builder returns the deps together with its fakes, so a test can arrange state, inject faults and look inside.
 */
import { loadConfig } from '../../../shared/config/load-config';
import type { H5OAuthDeps } from '../../../shared/h5-oauth/h5-oauth-deps';
import { parseReturnToRules } from '../../../shared/h5-oauth/return-to';
import { createRevokedAuthorizers } from '../../../shared/h5-oauth/revoked-authorizers';
import { createSessionTokens } from '../../../shared/h5-oauth/session-token';
import type { PushDeps } from '../../../shared/push/accept-push';
import { type ComponentTokenReaderOptions, createComponentTokenReader } from '../../../shared/token/component-token-reader';
import { type RefresherDeps, refreshComponentToken } from '../../../shared/token/refresh-component-token';
import { MAX_PUSH_BODY_BYTES } from '../../../shared/wechat/push-body-limit';
import { FakeClock } from '../fake-clock';
import { TEST_SECRETS } from '../test-secrets';
import { FakeAuthorizationCodes } from './fake-authorization-codes';
import { FakeAuthorizationEventStore } from './fake-authorization-event-store';
import { FakeAuthorizerStatuses } from './fake-authorizer-statuses';
import { FakeComponentApi } from './fake-component-api';
import { FakeH5OAuthStateStore } from './fake-h5-oauth-state-store';
import { FakeJobQueue } from './fake-job-queue';
import { FakeLoginCodeStore } from './fake-login-code-store';
import { FakePushAuditLog } from './fake-push-audit-log';
import { FakeRefreshGuards } from './fake-refresh-guards';
import { FakeRefreshLeases } from './fake-refresh-leases';
import { FakeSessionRevocationStore } from './fake-session-revocation-store';
import { FakeSleep } from './fake-sleep';
import { FakeSnsApi } from './fake-sns-api';
import { FakeTicketStore } from './fake-ticket-store';
import { FakeTokenStore } from './fake-token-store';
import { FakeUserStore } from './fake-user-store';
import { RecordingLogger, RecordingMetrics } from './recording-observability';

/** The production defaults (no variable set), so the fakes run with the settings a deployment starts with. */
const DEFAULTS = loadConfig(
  ['refreshMarginSec', 'refreshLeaseSec', 'pushMaxSkewSec', 'h5OAuthStateTtlSec', 'h5OAuthLoginCodeTtlSec', 'h5OAuthSessionTtlSec'],
  {},
);
/** As functions/h5-oauth/deps.ts sets it. */
const REPLAY_WINDOW_MS = 300_000;

export const FAKE_AUTHORIZER_APPID = 'wx1111111111111111';
export const FAKE_RETURN_TO = 'https://h5.example.com/app/';
const SESSION_SIGNING_KEY = new TextEncoder().encode('fake-session-signing-key-0123456789abcdefghijkl');

const observability = () => ({ logger: new RecordingLogger(), metrics: new RecordingMetrics() });

export function fakePush(clock = new FakeClock()) {
  const parts = {
    tickets: new FakeTicketStore(),
    events: new FakeAuthorizationEventStore(),
    audit: new FakePushAuditLog(),
    codes: new FakeAuthorizationCodes(),
    jobs: new FakeJobQueue(),
    authorizers: new FakeAuthorizerStatuses(),
    ...observability(),
  };
  const deps: PushDeps = {
    componentAppid: TEST_SECRETS.componentAppid,
    getSecrets: async () => TEST_SECRETS,
    tickets: parts.tickets,
    events: parts.events,
    audit: parts.audit,
    codes: parts.codes,
    jobs: parts.jobs,
    authorizers: parts.authorizers,
    now: clock.now,
    logger: parts.logger.logger,
    metrics: parts.metrics.metrics,
    maxSkewSec: DEFAULTS.pushMaxSkewSec,
    maxBodyBytes: MAX_PUSH_BODY_BYTES,
  };
  return { deps, clock, ...parts };
}

export function fakeRefresher(clock = new FakeClock()) {
  const parts = {
    tokens: new FakeTokenStore(),
    tickets: new FakeTicketStore(),
    leases: new FakeRefreshLeases({ now: clock.now, leaseDurationMs: DEFAULTS.refreshLeaseSec * 1000 }),
    guards: new FakeRefreshGuards({ now: clock.now }),
    api: new FakeComponentApi({ appsecret: TEST_SECRETS.appsecret }),
    ...observability(),
  };
  const deps: RefresherDeps = {
    componentAppid: TEST_SECRETS.componentAppid,
    tokens: parts.tokens,
    tickets: parts.tickets,
    leases: parts.leases,
    guards: parts.guards,
    api: parts.api,
    getSecrets: async () => TEST_SECRETS,
    now: clock.now,
    logger: parts.logger.logger,
    metrics: parts.metrics.metrics,
    refreshMarginMs: DEFAULTS.refreshMarginSec * 1000,
  };
  /** Stores a ticket as the push receiver would, created `ageSec` ago. */
  const storeTicket = (ticket = 'ticket@@@fake-component-verify-ticket', ageSec = 0) =>
    parts.tickets.save({ componentVerifyTicket: ticket, createTime: clock.nowSec - ageSec, receivedAtMs: clock.now() });
  return { deps, clock, storeTicket, ...parts };
}

/**
 * A token reader over the fake token store whose refresh requests run the real refreshComponentToken on the fakes,
 * as the refresher Lambda would; its waits move the clock (FakeSleep).
 */
export function fakeTokenReader(refresher: ReturnType<typeof fakeRefresher>, options: Partial<ComponentTokenReaderOptions> = {}) {
  const sleeper = new FakeSleep(refresher.clock);
  const refreshRequests: Array<Parameters<typeof refreshComponentToken>[1]> = [];
  const reader = createComponentTokenReader({
    tokens: refresher.tokens,
    requestRefresh: (request) => {
      refreshRequests.push(request);
      return refreshComponentToken(refresher.deps, request);
    },
    now: refresher.clock.now,
    sleep: sleeper.sleep,
    ...options,
  });
  return { reader, sleeper, refreshRequests };
}

export function fakeH5OAuth(options: { cookieBinding?: boolean } = {}) {
  const clock = new FakeClock();
  const refresher = fakeRefresher(clock);
  const { reader: tokenReader } = fakeTokenReader(refresher);
  const sleeper = new FakeSleep(clock);
  const authorizers = new FakeAuthorizerStatuses();
  const parts = {
    states: new FakeH5OAuthStateStore({ now: clock.now }),
    loginCodes: new FakeLoginCodeStore({ now: clock.now, ttlMs: DEFAULTS.h5OAuthLoginCodeTtlSec * 1000 }),
    users: new FakeUserStore({ now: clock.now }),
    sns: new FakeSnsApi({ isCurrentComponentToken: (token) => token === refresher.tokens.token }),
    ...observability(),
  };
  const deps: H5OAuthDeps = {
    componentAppid: TEST_SECRETS.componentAppid,
    callbackUrl: 'https://api.example.com/h5-oauth/callback',
    openBaseUrl: 'https://open.weixin.qq.com',
    returnToRules: parseReturnToRules([FAKE_RETURN_TO]),
    configuredAuthorizers: new Set([FAKE_AUTHORIZER_APPID]),
    authorizers,
    states: parts.states,
    loginCodes: parts.loginCodes,
    users: parts.users,
    sessionRevocations: new FakeSessionRevocationStore(),
    revokedAuthorizers: createRevokedAuthorizers({ authorizers, now: clock.now }),
    tokenReader,
    sns: parts.sns,
    getSessionTokens: async () =>
      createSessionTokens({
        signingKey: SESSION_SIGNING_KEY,
        componentAppid: TEST_SECRETS.componentAppid,
        ttlSec: DEFAULTS.h5OAuthSessionTtlSec,
        now: clock.now,
      }),
    cookieBinding: options.cookieBinding ?? true,
    stateTtlMs: DEFAULTS.h5OAuthStateTtlSec * 1000,
    replayWindowMs: REPLAY_WINDOW_MS,
    sleep: sleeper.sleep,
    now: clock.now,
    logger: parts.logger.logger,
    metrics: parts.metrics.metrics,
  };
  return { deps, clock, refresher, sleeper, authorizers, ...parts };
}
