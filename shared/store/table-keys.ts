/**
 * Single-table key design. Every item has a string partition key `pk`, a string sort key `sk` and, where it is
 * transient, a `ttl` in epoch seconds (a cleanup aid only: code checks expiry itself, see toolchain-notes.md).
 *
 * | item                       | pk                                  | sk                                                          | ttl         |
 * |----------------------------|-------------------------------------|-------------------------------------------------------------|-------------|
 * | component_verify_ticket    | COMPONENT#{componentAppid}          | TICKET                                                      | none        |
 * | component_access_token     | TOKEN#{componentAppid}              | TOKEN                                                       | none        |
 * | refresh lease              | COMPONENT#{componentAppid}          | REFRESH_LEASE                                               | lease + 1 d |
 * | refresh backoff            | COMPONENT#{componentAppid}          | REFRESH_BACKOFF                                             | until + 1 d |
 * | start_push_ticket throttle | COMPONENT#{componentAppid}          | START_PUSH_TICKET                                           | none        |
 * | authorizer status          | AUTHORIZERS#{componentAppid}        | AUTHORIZER#{authorizerAppid}                                | none        |
 * | authorization event        | COMPONENT#{componentAppid}          | EVENT#{authorizerAppid}#{createTime}#{type}#{payloadDigest} | 30 days     |
 * | push audit record          | AUDIT#{componentAppid}#{yyyy-mm-dd} | {receivedAt ISO}#{random}                                   | 7 days      |
 *
 * Everything a component owns is namespaced by its appid, so one table can serve several components. The token
 * has a partition of its own so that an IAM condition on `dynamodb:LeadingKeys` can confine a token reader to that
 * one item (IAM has no condition key for sort keys). Audit records get their own
 * partition per UTC day so an operator can Query one day in time order without a scan or an index.
 */
export const KEY = { pk: 'pk', sk: 'sk', ttl: 'ttl' } as const;

export const componentPk = (componentAppid: string): string => `COMPONENT#${componentAppid}`;

export const tokenPk = (componentAppid: string): string => `TOKEN#${componentAppid}`;

/** Authorizer status items have their own partition so the H5 sign-in can read them and nothing else of the component. */
export const authorizersPk = (componentAppid: string): string => `AUTHORIZERS#${componentAppid}`;

export const SK = {
  ticket: 'TICKET',
  token: 'TOKEN',
  refreshLease: 'REFRESH_LEASE',
  refreshBackoff: 'REFRESH_BACKOFF',
  startPushTicket: 'START_PUSH_TICKET',
  authorizer: (authorizerAppid: string) => `AUTHORIZER#${authorizerAppid}`,
  // The payload digest is what tells apart two different events with the same type and CreateTime (two mini
  // programs fast-registered in one second name no authorizer); a redelivery has the same payload, so it still
  // lands on the same key and is recorded once.
  event: (authorizerAppid: string | null, createTime: number, infoType: string, payloadDigest: string) =>
    `EVENT#${authorizerAppid ?? '-'}#${String(createTime).padStart(10, '0')}#${infoType}#${payloadDigest}`,
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
