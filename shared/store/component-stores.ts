import { createAuthorizationCodeStore } from './authorization-code-store';
import { createAuthorizationEventStore } from './authorization-event-store';
import { createAuthorizerStore } from './authorizer-store';
import { createDueWork } from './due-work';
import { createEnvelopeSealer } from './envelope-sealer';
import { createH5OAuthStateStore } from './h5-oauth-state-store';
import { createLoginCodeStore } from './login-code-store';
import { createPushAuditLog } from './push-audit-log';
import { createSessionRevocationStore } from './session-revocation-store';
import { createTokenEnvelopeSealer } from './token-envelopes';
import { createTokenStores, type TokenStoresInput } from './token-stores';
import { createUserStore } from './user-store';

export interface ComponentStoresInput extends TokenStoresInput {
  /** How long an H5 login code may be redeemed. @default 120000 */
  loginCodeTtlMs?: number;
  /** Refresh an authorizer's token this long before it expires. @default 900000 */
  authorizerRefreshMarginMs?: number;
  /** How long one authorizer refresh, or one code exchange attempt, holds its lease. @default 60000 */
  authorizerLeaseMs?: number;
}

/** Every store of one component over one table, sharing clients and the KMS sealers (each store is only a few closures). */
export function createComponentStores(input: ComponentStoresInput) {
  const { dynamo, tableName, componentAppid, now } = input;
  const tokenStores = createTokenStores(input);
  const { sealer } = tokenStores;
  const envelopes = createEnvelopeSealer({ kms: input.kms, keyId: input.kmsKeyId, componentAppid });
  const tokenEnvelopes = createTokenEnvelopeSealer({ kms: input.kms, keyId: input.kmsKeyId, componentAppid, now });
  const authorizerLeaseMs = input.authorizerLeaseMs ?? 60_000;
  const base = { dynamo, tableName, componentAppid };
  return {
    ...tokenStores,
    events: createAuthorizationEventStore({ ...base, envelopes, now }),
    audit: createPushAuditLog(base),
    h5OAuthStates: createH5OAuthStateStore({ ...base, now }),
    loginCodes: createLoginCodeStore({ ...base, now, ttlMs: input.loginCodeTtlMs ?? 120_000 }),
    users: createUserStore({ ...base, sealer, now }),
    sessionRevocations: createSessionRevocationStore({ ...base, now }),
    authorizers: createAuthorizerStore({
      ...base,
      envelopes: tokenEnvelopes,
      now,
      refreshMarginMs: input.authorizerRefreshMarginMs ?? 900_000,
      leaseMs: authorizerLeaseMs,
    }),
    authorizationCodes: createAuthorizationCodeStore({ ...base, envelopes: tokenEnvelopes, now, leaseMs: authorizerLeaseMs }),
    dueWork: createDueWork(base),
  };
}

export type ComponentStores = ReturnType<typeof createComponentStores>;
