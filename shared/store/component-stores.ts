import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAuthorizationCodeStore } from './authorization-code-store';
import { createAuthorizationEventStore } from './authorization-event-store';
import { createAuthorizerStore } from './authorizer-store';
import { createDueWork } from './due-work';
import { createEnvelopeSealer } from './envelope-sealer';
import { createH5OAuthStateStore } from './h5-oauth-state-store';
import { createKmsSealer } from './kms-sealer';
import { createLoginCodeStore } from './login-code-store';
import { createPushAuditLog } from './push-audit-log';
import { createRefreshGuards } from './refresh-guards';
import { createRefreshLeases } from './refresh-lease';
import { createSessionRevocationStore } from './session-revocation-store';
import { createTicketStore } from './ticket-store';
import { createTokenEnvelopeSealer } from './token-envelopes';
import { createTokenStore } from './token-store';
import { createUserStore } from './user-store';

export interface ComponentStoresInput {
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  tableName: string;
  kmsKeyId: string;
  componentAppid: string;
  now: () => number;
  /** @default 60000 */
  leaseDurationMs?: number;
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
  const sealer = createKmsSealer({ kms: input.kms, keyId: input.kmsKeyId, componentAppid });
  const envelopes = createEnvelopeSealer({ kms: input.kms, keyId: input.kmsKeyId, componentAppid });
  const tokenEnvelopes = createTokenEnvelopeSealer({ kms: input.kms, keyId: input.kmsKeyId, componentAppid, now });
  const authorizerLeaseMs = input.authorizerLeaseMs ?? 60_000;
  const base = { dynamo, tableName, componentAppid };
  return {
    sealer,
    tickets: createTicketStore({ ...base, sealer }),
    tokens: createTokenStore({ ...base, sealer }),
    leases: createRefreshLeases({ ...base, now, leaseDurationMs: input.leaseDurationMs ?? 60_000 }),
    guards: createRefreshGuards({ ...base, now }),
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
