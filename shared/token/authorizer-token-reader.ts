import type { AuthorizerRefreshOutcome } from '../authorizer/refresh-authorizer-token';
import { sha256Hex } from '../crypto/digests';
import type { AuthorizerStore, ReaderView, StoredAccessToken } from '../store/authorizer-store';
import { StoreError } from '../store/store-errors';
import { AuthorizerTokenError, authorizerStatusError } from './authorizer-token-error';
import { withStaleTokenRetry } from './component-token-reader';
import type { AuthorizerReaderRequest, AuthorizerRefreshTrigger } from './lambda-authorizer-refresh-trigger';
import { resolveTiming, type TokenReaderTiming, refreshAndWait as waitForRefresh } from './refresh-and-wait';
import { shareInFlight } from './share-in-flight';

/**
 * Readers are served a token with at least this long left (as the component token reader). Defined here, not beside
 * the worker that honours it, so that a reader's bundle never loads the worker's code.
 */
export const READER_MIN_REMAINING_MS = 300_000;

export interface AuthorizerTokenReaderOptions extends TokenReaderTiming {
  /** The authorizer store, of which a reader uses (and its IAM grant allows) only the reader view. */
  authorizers: Pick<AuthorizerStore, 'getReaderView' | 'openAccessToken'>;
  /** Asks the authorizer worker to refresh one authorizer now; in AWS a Lambda invoke (createLambdaAuthorizerRefreshTrigger). */
  requestRefresh: AuthorizerRefreshTrigger;
  /**
   * Never hand out a token that expires within this. At most READER_MIN_REMAINING_MS (5 min): the worker refreshes for
   * a reader only when less than that is left. @default 300000
   */
  minRemainingMs?: number;
  /** How many authorizers' tokens are kept in memory; the least recently used goes first. @default 1000 */
  maxCachedAuthorizers?: number;
}

export interface AuthorizerTokenReader {
  /** An authorizer_access_token with at least `minRemainingMs` left; throws AuthorizerTokenError. */
  getAuthorizerAccessToken(authorizerAppid: string): Promise<string>;
  /**
   * Reports a token WeChat answered 40001/42001 for. The worker replaces it only while it is still the stored one, so
   * any number of callers reporting the same stale token cause one refresh (one request per container, one refresh
   * in all).
   */
  invalidate(authorizerAppid: string, staleToken: string): Promise<void>;
  /** Runs `call` with a token; on 40001/42001 invalidates that token and runs `call` once more with the next one. */
  withAuthorizerAccessToken<T>(authorizerAppid: string, call: (authorizerAccessToken: string) => Promise<T>): Promise<T>;
}

/**
 * Reads the authorizer_access_tokens the authorizer worker keeps fresh, for any number of authorizers. Readers never
 * call WeChat and never see a refresh token. A revoked or needs_reauth authorizer is refused at the next look at the
 * store, which is at most `revalidateAfterMs` after the change.
 *
 * @example
 * const reader = createAuthorizerTokenReaderFromEnv(); // at module scope: the cache lives as long as the container
 * const info = await reader.withAuthorizerAccessToken(authorizerAppid, (token) => callWechat(token));
 */
export function createAuthorizerTokenReader(options: AuthorizerTokenReaderOptions): AuthorizerTokenReader {
  const minRemainingMs = options.minRemainingMs ?? READER_MIN_REMAINING_MS;
  if (minRemainingMs > READER_MIN_REMAINING_MS) {
    throw new RangeError(
      `minRemainingMs must be at most ${READER_MIN_REMAINING_MS}: the worker does not refresh a token with more than that left`,
    );
  }
  const timing = resolveTiming(options);
  const { now, revalidateAfterMs } = timing;
  const maxCached = options.maxCachedAuthorizers ?? 1_000;

  // A Map iterates in insertion order: re-inserting on every use keeps the least recently used first (LRU).
  const cache = new Map<string, { token: string; sealed: StoredAccessToken; checkedAtMs: number }>();
  const loading = new Map<string, Promise<string>>();
  const invalidations = new Map<string, Promise<void>>();

  const usable = (sealed: StoredAccessToken | undefined): sealed is StoredAccessToken =>
    sealed !== undefined && sealed.expiresAtMs - now() > minRemainingMs;

  /** The store's view of an authorizer that may have a token; any other status throws, dropping the cached token. */
  const readView = async (authorizerAppid: string): Promise<ReaderView> => {
    const view = await options.authorizers.getReaderView(authorizerAppid).catch((err: unknown) => {
      throw unavailable(authorizerAppid, err);
    });
    if (view?.status === 'authorized') return view;
    cache.delete(authorizerAppid);
    throw authorizerStatusError(authorizerAppid, view ? view.status : 'unknown');
  };

  const accept = async (authorizerAppid: string, sealed: StoredAccessToken): Promise<string> => {
    const cached = cache.get(authorizerAppid);
    // The same token as the cached one (same sha256): no KMS call.
    const token =
      cached?.sealed.sha256 === sealed.sha256
        ? cached.token
        : await options.authorizers.openAccessToken(authorizerAppid, sealed).catch((err: unknown) => {
            throw unavailable(authorizerAppid, err);
          });
    cache.delete(authorizerAppid);
    cache.set(authorizerAppid, { token, sealed, checkedAtMs: now() });
    while (cache.size > maxCached) cache.delete(cache.keys().next().value as string);
    return token;
  };

  /** Asks the worker for a refresh, then polls the store until `done` holds for the stored token or the wait runs out. */
  const refreshAndWait = async (
    request: AuthorizerReaderRequest,
    done: (sealed: StoredAccessToken | undefined) => boolean,
  ): Promise<StoredAccessToken> => {
    const { authorizerAppid } = request;
    const view = await waitForRefresh(timing, {
      ask: () => options.requestRefresh(request),
      read: () => readView(authorizerAppid),
      done: (read) => done(read.accessToken),
      failed: (outcome) => outcomeError(authorizerAppid, outcome, minRemainingMs),
      timedOut: (outcome) =>
        new AuthorizerTokenError(
          'TIMEOUT',
          `no usable token for authorizer ${authorizerAppid} after waiting ${timing.maxWaitMs} ms while the worker was busy refreshing it; try again shortly`,
          { authorizerAppid, refreshOutcome: outcome },
        ),
    });
    return view.accessToken!;
  };

  const load = async (authorizerAppid: string): Promise<string> => {
    const { accessToken } = await readView(authorizerAppid);
    if (usable(accessToken)) return accept(authorizerAppid, accessToken);
    cache.delete(authorizerAppid);
    return accept(authorizerAppid, await refreshAndWait({ action: 'refresh', authorizerAppid, reason: 'reader-miss' }, usable));
  };

  const getAuthorizerAccessToken = (authorizerAppid: string): Promise<string> => {
    const cached = cache.get(authorizerAppid);
    if (cached && usable(cached.sealed) && now() - cached.checkedAtMs < revalidateAfterMs) {
      cache.delete(authorizerAppid);
      cache.set(authorizerAppid, cached);
      return Promise.resolve(cached.token);
    }
    // Concurrent callers in one container share one read (and at most one refresh request) per authorizer.
    return shareInFlight(loading, authorizerAppid, () => load(authorizerAppid));
  };

  const invalidate = (authorizerAppid: string, staleToken: string): Promise<void> => {
    const staleSha = sha256Hex(staleToken);
    if (cache.get(authorizerAppid)?.sealed.sha256 === staleSha) cache.delete(authorizerAppid);
    const replaced = (sealed: StoredAccessToken | undefined) => usable(sealed) && sealed.sha256 !== staleSha;
    return shareInFlight(invalidations, `${authorizerAppid}#${staleSha}`, async () => {
      if (replaced((await readView(authorizerAppid)).accessToken)) return;
      await refreshAndWait({ action: 'refresh', authorizerAppid, reason: 'invalidate', staleTokenSha256: staleSha }, replaced).catch(
        (err: unknown) => {
          // The worker keeps a token younger than a minute (WeChat does not revoke a token it just issued): callers get it again.
          if (!(err instanceof AuthorizerTokenError && err.refreshOutcome?.status === 'fresh')) throw err;
        },
      );
    });
  };

  return {
    getAuthorizerAccessToken,
    invalidate,
    withAuthorizerAccessToken: (authorizerAppid, call) =>
      withStaleTokenRetry(
        () => getAuthorizerAccessToken(authorizerAppid),
        (staleToken) => invalidate(authorizerAppid, staleToken),
        call,
      ),
  };
}

/** A store or KMS failure, as the reader's UNAVAILABLE; store errors carry fixed messages of ours, never a value. */
function unavailable(authorizerAppid: string, err: unknown): unknown {
  if (!(err instanceof StoreError)) return err;
  return new AuthorizerTokenError('UNAVAILABLE', `could not read authorizer ${authorizerAppid}'s token: ${err.message}`, {
    authorizerAppid,
    cause: err,
  });
}

/** The error for a final answer of the worker that left no usable token. */
function outcomeError(authorizerAppid: string, outcome: AuthorizerRefreshOutcome, minRemainingMs: number): AuthorizerTokenError {
  const details = { authorizerAppid, refreshOutcome: outcome };
  switch (outcome.status) {
    case 'unknown':
    case 'revoked':
    case 'needs_reauth':
      return authorizerStatusError(authorizerAppid, outcome.status, outcome);
    case 'backoff':
      return new AuthorizerTokenError(
        'REFRESH_FAILED',
        `the authorizer worker is not refreshing authorizer ${authorizerAppid} until ${new Date(outcome.untilMs).toISOString()} after WeChat errcode ${outcome.errcode}: see the README errcode policy`,
        details,
      );
    case 'failed':
      return new AuthorizerTokenError(
        'REFRESH_FAILED',
        `the authorizer worker could not refresh authorizer ${authorizerAppid} (${outcome.error}${outcome.errcode === null ? '' : `, errcode ${outcome.errcode}`}); it retries at ${new Date(outcome.retryAtMs).toISOString()}`,
        details,
      );
    default:
      return new AuthorizerTokenError(
        'REFRESH_FAILED',
        `the authorizer worker answered '${outcome.status}' but authorizer ${authorizerAppid} has no token with more than ${minRemainingMs} ms left`,
        details,
      );
  }
}
