import type { KMSClient } from '@aws-sdk/client-kms';
import { createEnvelopeSealer, type EnvelopeSealer } from './envelope-sealer';

/**
 * Data keys for authorizer tokens and authorization codes are reused for a few minutes: thousands of tokens are sealed
 * and opened a day, and one KMS call each would dominate the cost (README, cost model).
 */
const TOKEN_DATA_KEY_CACHE = { maxAgeMs: 5 * 60_000, maxUses: 10_000 } as const;

/** The envelope sealer for authorizer tokens and authorization codes, with the data-key cache; the same for writers and readers. */
export function createTokenEnvelopeSealer(input: {
  kms: KMSClient;
  keyId: string;
  componentAppid: string;
  now: () => number;
}): EnvelopeSealer {
  return createEnvelopeSealer({
    kms: input.kms,
    keyId: input.keyId,
    componentAppid: input.componentAppid,
    dataKeyCache: { ...TOKEN_DATA_KEY_CACHE, now: input.now },
  });
}
