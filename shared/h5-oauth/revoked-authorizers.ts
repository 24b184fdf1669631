import type { AuthorizerStore } from '../store/authorizer-store';

/** How long a container trusts what it read of an authorizer's status: a revocation ends its sessions this late. */
export const AUTHORIZER_STATUS_MAX_AGE_MS = 60_000;

// Sessions name only authorizers we signed users in for, so this stays small; the bound is a backstop.
const MAX_ENTRIES = 1_000;

/**
 * Whether an official account has revoked this platform (its newest authorization event is `unauthorized`: status revoked), as
 * GET and DELETE /h5-oauth/session ask on every request. Each answer is kept in memory for at most `maxAgeMs`, so a busy
 * page costs one GetItem per authorizer per minute, not one per request; a failed read is not kept.
 */
export function createRevokedAuthorizers(input: {
  authorizers: Pick<AuthorizerStore, 'getStatus'>;
  now: () => number;
  /** @default AUTHORIZER_STATUS_MAX_AGE_MS */
  maxAgeMs?: number;
}) {
  const maxAgeMs = input.maxAgeMs ?? AUTHORIZER_STATUS_MAX_AGE_MS;
  const cache = new Map<string, { revoked: Promise<boolean>; readAtMs: number }>();
  return {
    isRevoked(authorizerAppid: string): Promise<boolean> {
      const cached = cache.get(authorizerAppid);
      // Aged from when the read started, so an answer is never trusted for longer than maxAgeMs after it was true.
      if (cached && input.now() - cached.readAtMs < maxAgeMs) return cached.revoked;
      const revoked = input.authorizers.getStatus(authorizerAppid).then((found) => found?.status === 'revoked');
      cache.delete(authorizerAppid);
      cache.set(authorizerAppid, { revoked, readAtMs: input.now() });
      if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
      revoked.catch(() => {
        if (cache.get(authorizerAppid)?.revoked === revoked) cache.delete(authorizerAppid);
      });
      return revoked;
    },
  };
}

export type RevokedAuthorizers = ReturnType<typeof createRevokedAuthorizers>;
