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

/** Authorizer status items have their own partition so h5-oauth can read them and nothing else of the component. */
export const authorizersPk = (componentAppid: string): string => partitionKey('authorizers', componentAppid);

export const eventsPk = (componentAppid: string): string => partitionKey('events', componentAppid);

export const SK = {
  ticket: 'TICKET',
  token: 'TOKEN',
  refreshLease: 'LEASE',
  refreshBackoff: 'BACKOFF',
  startPushTicket: 'START_PUSH_TICKET',
  authorizer: (authorizerAppid: string) => `AUTHORIZER#${authorizerAppid}`,
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

export const DAY_SEC = 86_400;

/** Epoch seconds `days` after `nowMs`, for the ttl attribute. */
export const ttlAfterDays = (nowMs: number, days: number): number => Math.floor(nowMs / 1000) + days * DAY_SEC;
