import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createKmsSealer } from './kms-sealer';
import { createRefreshGuards } from './refresh-guards';
import { createRefreshLeases } from './refresh-lease';
import { createTicketStore } from './ticket-store';
import { createTokenStore } from './token-store';

/** What every set of stores is built on: the table, the key and the clock. */
export interface TokenStoresInput {
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  tableName: string;
  kmsKeyId: string;
  componentAppid: string;
  now: () => number;
  /** @default 60000 */
  leaseDurationMs?: number;
}

/**
 * The stores of the component token alone (ticket, token, refresh lease and guards): all the token refresher uses,
 * in a module of their own so that its bundle holds none of the other stores.
 */
export function createTokenStores(input: TokenStoresInput) {
  const { dynamo, tableName, componentAppid, now } = input;
  const sealer = createKmsSealer({ kms: input.kms, keyId: input.kmsKeyId, componentAppid });
  const base = { dynamo, tableName, componentAppid };
  return {
    sealer,
    tickets: createTicketStore({ ...base, sealer }),
    tokens: createTokenStore({ ...base, sealer }),
    leases: createRefreshLeases({ ...base, now, leaseDurationMs: input.leaseDurationMs ?? 60_000 }),
    guards: createRefreshGuards({ ...base, now }),
  };
}

export type TokenStores = ReturnType<typeof createTokenStores>;
