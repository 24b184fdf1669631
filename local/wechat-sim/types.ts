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
  /** How long a superseded component_access_token keeps working. @default 300 */
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
