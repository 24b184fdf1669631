/**
 * Single-table key design. Every item has a string partition key `pk`, a string sort key `sk` and, where it is
 * transient, a `ttl` in epoch seconds (a cleanup aid only: code checks expiry itself, see toolchain-notes.md).
 *
 * | item                        | pk                                  | sk                                                          | written by | ttl                   |
 * |-----------------------------|-------------------------------------|-------------------------------------------------------------|------------|-----------------------|
 * | component_verify_ticket     | TICKET#{c}                          | TICKET                                                      | receiver   | none                  |
 * | component_access_token      | TOKEN#{c}                           | TOKEN                                                       | refresher  | none                  |
 * | refresh lease               | REFRESH#{c}                         | LEASE                                                       | refresher  | lease + 1 d           |
 * | refresh backoff             | REFRESH#{c}                         | BACKOFF                                                     | refresher  | until + 1 d           |
 * | start_push_ticket throttle  | REFRESH#{c}                         | START_PUSH_TICKET                                           | refresher  | none                  |
 * | authorizer status           | AUTHORIZERS#{c}                     | AUTHORIZER#{authorizerAppid}                                | receiver   | none                  |
 * | authorization event         | EVENTS#{c}                          | EVENT#{authorizerAppid}#{createTime}#{type}#{payloadDigest} | receiver   | 30 days               |
 * | unparsed authentic push     | EVENTS#{c}                          | UNPARSED#{first 32 hex of sha256(decrypted message)}        | receiver   | 30 days               |
 * | push audit record           | AUDIT#{c}#{yyyy-mm-dd}              | {receivedAt ISO}#{random}                                   | receiver   | 7 days                |
 * | H5 sign-in state            | OAUTH_STATE#{c}#{state}             | STATE                                                       | h5-oauth   | state + replay window |
 * | H5 login code (sha256 only) | LOGIN_CODE#{c}#{sha256}             | LOGIN_CODE                                                  | h5-oauth   | code + 1 h            |
 * | H5 user                     | USER#{c}#{authorizerAppid}#{openid} | PROFILE                                                     | h5-oauth   | none                  |
 *
 * {c} is the component appid: everything a component owns is namespaced by it, so one table can serve several.
 * IAM can confine a role to partitions (`dynamodb:LeadingKeys`) but has no condition key for sort keys, so the
 * partitions follow who may touch what: the receiver writes TICKET#, EVENTS#, AUTHORIZERS# and AUDIT# and never
 * reaches the token or the refresher's own state; the refresher reads TICKET#, keeps TOKEN# and REFRESH# and never
 * reaches events, authorizer status or audit records; a token reader gets GetItem on TOKEN# alone; H5 sign-in reads
 * AUTHORIZERS# besides its own partitions. Audit records get a partition per UTC day so an operator can Query one
 * day in time order without a scan or an index.
 */
export const KEY = { pk: 'pk', sk: 'sk', ttl: 'ttl' } as const;

export const ticketPk = (componentAppid: string): string => `TICKET#${componentAppid}`;

export const tokenPk = (componentAppid: string): string => `TOKEN#${componentAppid}`;

/** The refresher's own state: its lease, its backoff and the api_start_push_ticket throttle. */
export const refreshPk = (componentAppid: string): string => `REFRESH#${componentAppid}`;

/** Authorizer status items have their own partition so the H5 sign-in can read them and nothing else of the component. */
export const authorizersPk = (componentAppid: string): string => `AUTHORIZERS#${componentAppid}`;

export const eventsPk = (componentAppid: string): string => `EVENTS#${componentAppid}`;

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
  event: (authorizerAppid: string | null, createTime: number, infoType: string, payloadDigest: string) =>
    `EVENT#${authorizerAppid ?? '-'}#${String(createTime).padStart(10, '0')}#${infoType}#${payloadDigest}`,
  // A push we could not interpret has no trustworthy type or time; the digest of its decrypted text is what makes a
  // redelivery land on the same key.
  unparsed: (plaintextDigest: string) => `UNPARSED#${plaintextDigest}`,
} as const;

export const oauthStatePk = (componentAppid: string, state: string): string => `OAUTH_STATE#${componentAppid}#${state}`;
export const loginCodePk = (componentAppid: string, codeSha256: string): string => `LOGIN_CODE#${componentAppid}#${codeSha256}`;
export const userPk = (componentAppid: string, authorizerAppid: string, openid: string): string =>
  `USER#${componentAppid}#${authorizerAppid}#${openid}`;
/** A logged-out session, by its token's jti: a partition per session so IAM can give h5-oauth this prefix alone. */
export const revokedSessionPk = (componentAppid: string, jti: string): string => `SESSION_REVOKED#${componentAppid}#${jti}`;

export const auditPk = (componentAppid: string, receivedAtMs: number): string =>
  `AUDIT#${componentAppid}#${new Date(receivedAtMs).toISOString().slice(0, 10)}`;

export const DAY_SEC = 86_400;

/** Epoch seconds `days` after `nowMs`, for the ttl attribute. */
export const ttlAfterDays = (nowMs: number, days: number): number => Math.floor(nowMs / 1000) + days * DAY_SEC;
