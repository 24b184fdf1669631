import { partitionKey } from '../contract';

/**
 * Keys of the single table: a string partition key `pk`, a string sort key `sk` and, where an item is transient, a
 * `ttl` in epoch seconds (a cleanup aid only: dynalite never expires items and DynamoDB may take days, so code
 * checks expiry itself). The partitions follow who may touch what (shared/contract.ts PARTITIONS); README "Table
 * design" lists every item, and a test checks that table against the functions below.
 */
export const KEY = { pk: 'pk', sk: 'sk', ttl: 'ttl' } as const;

export const ticketPk = (componentAppid: string): string => partitionKey('ticket', componentAppid);

export const tokenPk = (componentAppid: string): string => partitionKey('token', componentAppid);

/** The refresher's own state: its lease, its backoff and the api_start_push_ticket throttle. */
export const refreshPk = (componentAppid: string): string => partitionKey('refresh', componentAppid);

/**
 * One partition per authorizer: IAM can then give a reader GetItem on the authorizers' items (with only the
 * attributes it may see) and nothing else of the component.
 */
export const authorizerPk = (componentAppid: string, authorizerAppid: string): string =>
  partitionKey('authorizers', componentAppid, authorizerAppid);

/** One partition per authorization code, by its sha256 (the code itself is sealed inside). */
export const authorizationCodePk = (componentAppid: string, codeSha256: string): string =>
  partitionKey('authorizationCodes', componentAppid, codeSha256);

/** The authorization page's per-minute counters, one partition per UTC minute (`PREAUTH_RATE#{c}#{yyyy-mm-ddThh:mm}`). */
export const preAuthCodeRatePk = (componentAppid: string, nowMs: number): string =>
  partitionKey('preAuthCodeRate', componentAppid, new Date(nowMs).toISOString().slice(0, 16));

export const eventsPk = (componentAppid: string): string => partitionKey('events', componentAppid);

export const SK = {
  ticket: 'TICKET',
  token: 'TOKEN',
  refreshLease: 'LEASE',
  refreshBackoff: 'BACKOFF',
  startPushTicket: 'START_PUSH_TICKET',
  authorizer: 'AUTHORIZER',
  authorizationCode: 'AUTHCODE',
  preAuthCodes: 'RATE',
  callbacks: 'CALLBACK',
  // The payload digest is what tells apart two different events with the same type and CreateTime (two mini
  // programs fast-registered in one second name no authorizer); a redelivery has the same payload, so it still
  // lands on the same key and is recorded once.
  event: (authorizerAppid: string | null, createTime: number | string, infoType: string, payloadDigest: string) =>
    `EVENT#${authorizerAppid ?? '-'}#${String(createTime).padStart(10, '0')}#${infoType}#${payloadDigest}`,
  // A push we could not interpret has no trustworthy type or time; the digest of its decrypted text is what makes a
  // redelivery land on the same key.
  unparsed: (plaintextDigest: string) => `UNPARSED#${plaintextDigest}`,
  h5OAuthState: 'STATE',
  loginCode: 'LOGIN_CODE',
  user: 'PROFILE',
  revokedSession: 'REVOKED',
  /** Two pushes received in the same millisecond are kept apart by the random suffix. */
  audit: (receivedAtIso: string, randomHex: string) => `${receivedAtIso}#${randomHex}`,
} as const;

export const h5OAuthStatePk = (componentAppid: string, state: string): string => partitionKey('h5OAuthStates', componentAppid, state);
export const loginCodePk = (componentAppid: string, codeSha256: string): string => partitionKey('loginCodes', componentAppid, codeSha256);
export const userPk = (componentAppid: string, authorizerAppid: string, openid: string): string =>
  partitionKey('users', componentAppid, authorizerAppid, openid);
/** A logged-out session, by its token's jti: a partition per session so IAM can give h5-oauth this prefix alone. */
export const revokedSessionPk = (componentAppid: string, jti: string): string => partitionKey('revokedSessions', componentAppid, jti);

/** One partition per UTC day, so an operator can Query one day in time order without a scan or an index. */
export const auditPk = (componentAppid: string, receivedAtMs: number): string =>
  partitionKey('audit', componentAppid, new Date(receivedAtMs).toISOString().slice(0, 10));

/**
 * The partition of the sparse `due` index that holds a component's due work (authorizer refreshes and authorization
 * code exchanges alike), so one Query by due time finds all of it.
 */
export const dueIndexKey = (componentAppid: string): string => `DUE#${componentAppid}`;

/** The `status` index partition of a component's authorizers in one status. */
export const authorizerStatusIndexKey = (componentAppid: string, status: string): string => `STATUS#${componentAppid}#${status}`;

export const DAY_SEC = 86_400;

/** Epoch seconds `days` after `nowMs`, for the ttl attribute. */
export const ttlAfterDays = (nowMs: number, days: number): number => Math.floor(nowMs / 1000) + days * DAY_SEC;
