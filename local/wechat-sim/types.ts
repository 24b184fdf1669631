/**
 * Public types of the WeChat simulator. `server.ts` re-exports them, so callers import from there.
 */

/** How to start the simulator. Every clock-dependent rule reads `now`, never the wall clock. */
export interface WechatSimOptions {
  componentAppid: string;
  componentAppsecret: string;
  /** Message token used for `signature` and `msg_signature` on pushes. */
  token: string;
  /** 43 letters and digits (docs/wechat-protocol.md §2). */
  encodingAesKey: string;
  /** Where pushes are POSTed (the receiver); no pushes are sent when absent. */
  pushUrl?: string;
  /** Seconds between scheduled ticket pushes. @default 600; 0 disables the timer */
  ticketIntervalSec?: number;
  /** Push once at start, then every `ticketIntervalSec` on wall-clock timers. @default true */
  autoPush?: boolean;
  /** @default 0 (a random free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** Lifetime of a component_access_token. @default 7200 */
  tokenTtlSec?: number;
  /** How long a superseded component_access_token, or authorizer_access_token, keeps working. @default 300 */
  previousTokenGraceSec?: number;
  /** api_component_token calls allowed per Beijing day (UTC+8). @default 2000 */
  dailyQuota?: number;
  /** Human-readable event log; lines never contain ticket, token, code or secret values. */
  log?: (line: string) => void;
  /**
   * Authorizer appids (official accounts that authorized this component) that H5 authorization accepts as
   * `appid` (section 5). @default [TEST_AUTHORIZER_APPID] ('wx1111111111111111')
   */
  authorizerAppids?: string[];
  /**
   * The component's "official account development domain" list: hosts a `redirect_uri` may point at. An entry
   * matches the URL's host name exactly (no subdomains, as WeChat), on any port; real WeChat refuses ports, the
   * simulator accepts them so local servers on random ports work. @default ['127.0.0.1', 'localhost']
   */
  oauthRedirectHosts?: string[];
  /**
   * Appids (`wx` + 16 letters or digits) of official accounts that can authorize the component through the
   * consent pages or `authorize()` (section 4); they start never authorized. Mini programs and more accounts come
   * from `addAuthorizedAccounts`. Independent of `authorizerAppids`, which only H5 authorization reads.
   * @default [TEST_AUTHORIZER_APPID] ('wx1111111111111111')
   */
  authorizationAccounts?: string[];
  /**
   * The component's registered authorization initiation domains (授权发起页域名): host names the consent pages'
   * `Referer` and `redirect_uri` must be on. Ports are ignored, as for `oauthRedirectHosts`.
   * @default ['127.0.0.1', 'localhost']
   */
  authorizationDomains?: string[];
  /**
   * When N > 0, every Nth successful api_authorizer_token call of an account answers a new refresh token; the
   * previous one stays usable until the new one has been used successfully once.
   * @default 0 (never: refresh tokens are re-issued only by authorizing again, as section 4 says)
   */
  rotateRefreshTokenEvery?: number;
  /** api_authorizer_token calls allowed per authorizer per Beijing day (errcode 45009 beyond). @default 2000 */
  authorizerTokenDailyQuota?: number;
  /**
   * Calls allowed per Beijing day for a component API by name (`api_query_auth`, `api_authorizer_token`,
   * `api_get_authorizer_info`, `api_get_authorizer_list`, `api_create_preauthcode`, `api_start_push_ticket`);
   * errcode 45009 beyond. api_component_token keeps its own `dailyQuota`.
   * @default {} (no limit)
   */
  apiDailyQuota?: Partial<Record<string, number>>;
}

/** Outcome of one push delivery (the first delivery when a fault sends copies). */
export interface PushResult {
  /** HTTP status from the receiver, or null when nothing was answered (not sent, network error, timeout). */
  status: number | null;
  body: string;
  /** True only for HTTP 200 with a body of exactly `success` (docs/wechat-protocol.md §1). */
  acked: boolean;
  error?: string;
}

/** Faults injected into API answers and pushes; `setFaults` replaces the whole set. */
export interface SimFaults {
  /** Milliseconds added before every WeChat API answer (not the /__sim control endpoints). */
  latencyMs?: number;
  /**
   * The next `count` calls of `api` (route name such as `api_component_token`, or its path) answer `errcode`
   * (HTTP 200 JSON), or `httpStatus` with a plain-text body, or both; neither means errcode -1.
   */
  failNext?: Array<{ api: string; errcode?: number; httpStatus?: number; count: number }>;
  /** The next `count` calls of `api` are read, then the socket is destroyed without an answer. */
  dropNext?: Array<{ api: string; count: number }>;
  pushes?: {
    /** The next n pushes are not sent (counted as dropped). */
    drop?: number;
    /** Every push is delivered twice, one after the other. */
    duplicate?: boolean;
    /** After each new ticket push, the previous (older) ticket is pushed again, freshly signed. */
    outOfOrder?: boolean;
  };
}

/** Counters since start or the last `resetStats()`. */
export interface SimStats {
  /** Calls per API name; unknown paths count under `unknown`. The /__sim endpoints are not counted. */
  calls: Record<string, number>;
  /**
   * Failed calls per API name, keyed by errcode (`"40125"`), by `http_<status>` for injected bare HTTP
   * statuses, or `dropped` for injected dropped connections.
   */
  errors: Record<string, Record<string, number>>;
  /** api_component_token calls counted against today's quota (this is state: resetStats does not refill it). */
  quotaUsedToday: number;
  /**
   * `sent` counts every HTTP request made, copies included, and each one is either `acked` or `failed`;
   * `dropped` pushes were never sent; `duplicated` and `reordered` count the extra copies the faults added.
   */
  pushes: { sent: number; acked: number; failed: number; dropped: number; duplicated: number; reordered: number };
  tokensIssued: number;
  ticketsIssued: number;
}

/** A running simulator. */
export interface WechatSim {
  readonly url: string;
  readonly port: number;
  /** Stops the timer, aborts pushes in flight and closes the server. */
  close(): Promise<void>;
  stats(): SimStats;
  /**
   * Calls of `api` (e.g. `api_authorizer_token`) per authorizer appid named in the request body, failed and
   * fault-injected calls included; reset by `resetStats()`.
   */
  callsByAuthorizer(api: string): Record<string, number>;
  resetStats(): void;
  /** Replaces the current faults; `{}` clears them. */
  setFaults(faults: SimFaults): void;
  /** Issues a new ticket (CreateTime = sim clock now) and pushes it, subject to push faults. */
  pushTicketNow(): Promise<PushResult>;
  /** Pushes an authorization event such as `authorized`; missing standard fields get generated values. */
  pushEvent(event: { infoType: string; createTime?: number; fields?: Record<string, string> }): Promise<PushResult>;
  /** Pushes arbitrary inner XML, optionally tampered; push faults do not apply. */
  pushRaw(input: { xml: string; tamper?: PushTamper }): Promise<PushResult>;
  /** Resolves when no push is in flight. */
  whenIdle(): Promise<void>;
  /** Checks a token on the sim clock; superseded tokens past their grace are `invalid`. */
  checkComponentAccessToken(token: string): 'ok' | 'expired' | 'invalid';
  latestTicket(): { ticket: string; createTime: number } | null;
  /**
   * Issues an H5 authorization code as if `userId` consented (section 5), for tests that skip the browser.
   * Throws TypeError for an unknown authorizer or user.
   */
  issueOAuthCode(input: { authorizerAppid: string; userId: string; scope: OAuthScope }): string;
  /** The simulated WeChat users that H5 authorization offers, with their per-authorizer openids. */
  oauthUsers(): SimOAuthUser[];
  /**
   * Authorizes the component for an account as if its admin approved the consent page (section 4), without a
   * browser: spends a fresh pre_auth_code, mints a single-use authorization code (3600 s) and a new refresh
   * token (the account's previous refresh token stops working at once), and pushes `authorized` (or
   * `updateauthorized` for an account that is authorized already), subject to push faults. Resolves once the
   * push was answered. Throws TypeError for an unknown account or an auth type that excludes its kind.
   */
  authorize(input: SimAuthorizeInput): Promise<SimAuthorizationResult>;
  /**
   * Revokes an authorized account's authorization: its refresh and access tokens are invalid from now on, and
   * `unauthorized` is pushed. Throws TypeError for an unknown account or one that is not authorized.
   */
  revokeAuthorization(authorizerAppid: string): Promise<PushResult>;
  /**
   * Creates `count` accounts that are authorized already, with api_query_auth done (their refresh tokens exist
   * and api_get_authorizer_list shows them), without pushes; O(count). Returns their appids, in creation order.
   */
  addAuthorizedAccounts(count: number, options?: SimAddAccountsOptions): string[];
  /** An account's authorization state for tests, with fingerprints instead of tokens; null for an unknown appid. */
  authorizerSnapshot(authorizerAppid: string): SimAuthorizerSnapshot | null;
  /** Every account with its profile and authorization state (no tokens), in registry order. */
  authorizers(): SimAuthorizerListing[];
  /**
   * Checks an authorizer_access_token on the sim clock: `invalid` when never issued for this account, superseded
   * past `previousTokenGraceSec`, or revoked; `expired` 7200 s after issue.
   */
  checkAuthorizerAccessToken(authorizerAppid: string, token: string): 'ok' | 'expired' | 'invalid';
  /** api_query_auth counters per authorization code, keyed by `secretFingerprint(code)`. */
  authorizationCodeStats(): Record<string, SimAuthorizationCodeStats>;
}

/** The two kinds of account that authorize a component. */
export type SimAuthorizerKind = 'official_account' | 'mini_program';

/** `auth_type` of the consent pages: 1 official accounts, 2 mini programs, 3 both (section 4). */
export type SimAuthType = 1 | 2 | 3;

/** Where an account stands with the component. */
export type SimAuthorizationState = 'never' | 'authorized' | 'revoked';

/** A simulated account, its profile derived from the appid alone (stable across runs). */
export interface SimAuthorizerAccount {
  appid: string;
  kind: SimAuthorizerKind;
  nickname: string;
  /** The original id: `gh_` + 12 hex digits. */
  userName: string;
  principalName: string;
  /** service_type_info.id: official accounts 0 subscription or 2 service account; mini programs 0. */
  serviceTypeId: number;
  /** verify_type_info.id: -1 not verified, 0 WeChat verified. */
  verifyTypeId: number;
}

/** Input of `authorize()`. */
export interface SimAuthorizeInput {
  authorizerAppid: string;
  /** The auth_type the consent was started with; it must include the account's kind. @default 3 */
  authType?: SimAuthType;
  /** No browser takes part, so nothing is redirected: the push is the only delivery of the code. */
  redirect?: false;
  /** func_info permission set ids granted. @default the simulator's set for the account's kind */
  funcInfo?: number[];
}

/** What `authorize()` did. */
export interface SimAuthorizationResult {
  authorizationCode: string;
  infoType: 'authorized' | 'updateauthorized';
  push: PushResult;
}

/** Options of `addAuthorizedAccounts()`. */
export interface SimAddAccountsOptions {
  /** @default 'official_account' */
  kind?: SimAuthorizerKind;
  /**
   * Start of the generated appids (`wx` then letters or digits); a zero-padded sequence number fills them to
   * 18 characters. @default 'wxa' for official accounts, 'wxb' for mini programs
   */
  prefix?: string;
}

/** An account's authorization state as `authorizerSnapshot()` shows it. */
export interface SimAuthorizerSnapshot {
  appid: string;
  kind: SimAuthorizerKind;
  state: SimAuthorizationState;
  /** Unix seconds of the current (or last) authorization; null when never authorized. */
  authTime: number | null;
  funcInfo: number[];
  /** Whether api_query_auth was called for the current authorization (refresh token visible in info and list). */
  queryAuthDone: boolean;
  /** `secretFingerprint` of the current refresh token; null when none is valid. */
  refreshTokenFingerprint: string | null;
  /** Fingerprint of a rotated-out refresh token that is still accepted (see `rotateRefreshTokenEvery`). */
  previousRefreshTokenFingerprint: string | null;
  /** authorizer_access_tokens issued (api_query_auth and api_authorizer_token), over the account's life. */
  accessTokensIssued: number;
  /** Successful api_authorizer_token calls, over the account's life. */
  refreshes: number;
}

/** An account as `authorizers()` and GET /__sim/authorizers list it. */
export type SimAuthorizerListing = SimAuthorizerAccount &
  Omit<SimAuthorizerSnapshot, 'refreshTokenFingerprint' | 'previousRefreshTokenFingerprint'>;

/** Counters of one authorization code. */
export interface SimAuthorizationCodeStats {
  /** api_query_auth calls that reached the code check with this code (injected faults answer before it). */
  calls: number;
  /** Successful exchanges: 0 or 1. */
  successes: number;
}

/** The two H5 authorization scopes (section 5). */
export type OAuthScope = 'snsapi_base' | 'snsapi_userinfo';

/** A simulated WeChat user as /sns/userinfo describes them (zh_CN wording). */
export interface SimOAuthUser {
  /** The simulator's id for the user, used by `sim_user=` and `issueOAuthCode`. */
  id: string;
  nickname: string;
  /** 1 male, 2 female, 0 unknown. */
  sex: 0 | 1 | 2;
  province: string;
  city: string;
  country: string;
  headimgurl: string;
  /** Same for every authorizer of this component's Open Platform account; absent for users without one. */
  unionid?: string;
  /** A snapshot-mode virtual user (`is_snapshotuser=1`, section 5). */
  isSnapshotUser: boolean;
  /** The user's openid for one authorizer: stable, and different for each authorizer. */
  openidFor(authorizerAppid: string): string;
}

/** Ways `pushRaw` can spoil a push so the receiver must reject it. */
export type PushTamper = 'signature' | 'ciphertext' | 'appid';
