import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAuthorizationEventStore } from './authorization-event-store';
import { createKmsSealer } from './kms-sealer';
import { createPushAuditLog } from './push-audit-log';
import { createRefreshGuards } from './refresh-guards';
import { createRefreshLeases } from './refresh-lease';
import { createTicketStore } from './ticket-store';
import { createTokenStore } from './token-store';

export interface ComponentStoresInput {
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  tableName: string;
  kmsKeyId: string;
  componentAppid: string;
  now: () => number;
  /** @default 60000 */
  leaseDurationMs?: number;
}

/** Every store of one component over one table, sharing clients and the KMS sealer. */
export function createComponentStores(input: ComponentStoresInput) {
  const { dynamo, tableName, componentAppid, now } = input;
  const sealer = createKmsSealer({ kms: input.kms, keyId: input.kmsKeyId, componentAppid });
  const base = { dynamo, tableName, componentAppid };
  return {
    sealer,
    tickets: createTicketStore({ ...base, sealer }),
    tokens: createTokenStore({ ...base, sealer }),
    leases: createRefreshLeases({ ...base, now, leaseDurationMs: input.leaseDurationMs ?? 60_000 }),
    guards: createRefreshGuards({ ...base, now }),
    events: createAuthorizationEventStore({ ...base, sealer, now }),
    audit: createPushAuditLog(base),
  };
}

export type ComponentStores = ReturnType<typeof createComponentStores>;
