import { sha256Hex } from '../crypto/digests';
import type { SealedToken, TokenStore } from '../store/token-store';
import { WechatApiError } from '../wechat/errors';
import { ComponentTokenError } from './component-token-error';
import type { RefreshTrigger } from './lambda-refresh-trigger';
import { resolveTiming, type TokenReaderTiming, refreshAndWait as waitForRefresh } from './refresh-and-wait';
import type { RefreshRequest } from './refresh-request';
import { shareInFlight } from './share-in-flight';

export interface ComponentTokenReaderOptions extends TokenReaderTiming {
  tokens: TokenStore;
  /** Asks the refresher to run now; in AWS a Lambda invoke (createLambdaRefreshTrigger). */
  requestRefresh: RefreshTrigger;
  /** Never hand out a token that expires within this. @default 300000 (5 min) */
  minRemainingMs?: number;
}

export interface ComponentTokenReader {
  /** A component_access_token with at least `minRemainingMs` left; throws ComponentTokenError. */
  getComponentAccessToken(): Promise<string>;
  /**
   * Reports a token WeChat answered 40001/42001 for. The refresher replaces it only if it is still the stored one,
   * so any number of callers reporting the same stale token cause one refresh.
   */
  invalidate(staleToken: string): Promise<void>;
  /** Runs `call` with a token; on 40001/42001 invalidates that token and runs `call` once more with the next one. */
  withComponentAccessToken<T>(call: (componentAccessToken: string) => Promise<T>): Promise<T>;
}

/** WeChat's answers to a stale token (docs/wechat-protocol.md §6). */
export function isStaleTokenError(err: unknown): boolean {
  return err instanceof WechatApiError && (err.errcode === 40001 || err.errcode === 42001);
}

/** Runs `call` with a token; on 40001/42001 invalidates that exact token and runs `call` once more with the next one. */
export async function withStaleTokenRetry<T>(
  getToken: () => Promise<string>,
  invalidate: (staleToken: string) => Promise<void>,
  call: (token: string) => Promise<T>,
): Promise<T> {
  const token = await getToken();
  try {
    return await call(token);
  } catch (err) {
    if (!isStaleTokenError(err)) throw err;
    await invalidate(token);
    return call(await getToken());
  }
}

/**
 * Reads the component_access_token the refresher keeps fresh. Readers never call WeChat and never see the appsecret.
 *
 * @example
 * const reader = createComponentTokenReaderFromEnv();
 * const token = await reader.getComponentAccessToken();
 */
export function createComponentTokenReader(options: ComponentTokenReaderOptions): ComponentTokenReader {
  const minRemainingMs = options.minRemainingMs ?? 300_000;
  const timing = resolveTiming(options);
  const { now, revalidateAfterMs } = timing;

  let cache: { token: string; sealed: SealedToken; checkedAtMs: number } | null = null;
  let loading: Promise<string> | null = null;
  const invalidations = new Map<string, Promise<void>>();

  const usable = (sealed: SealedToken | null): sealed is SealedToken => sealed !== null && sealed.meta.expiresAtMs - now() > minRemainingMs;

  const accept = async (sealed: SealedToken): Promise<string> => {
    // Same version as the cache: same token, no KMS call.
    const token = cache?.sealed.meta.version === sealed.meta.version ? cache.token : await options.tokens.open(sealed);
    cache = { token, sealed, checkedAtMs: now() };
    return token;
  };

  /** Asks for a refresh, then polls the store until `done` holds for the stored token or the wait runs out. */
  const refreshAndWait = (request: RefreshRequest, done: (sealed: SealedToken | null) => boolean): Promise<SealedToken | null> =>
    waitForRefresh(timing, {
      ask: () => options.requestRefresh(request),
      read: () => options.tokens.loadSealed(),
      done,
      failed: (outcome) =>
        new ComponentTokenError('REFRESH_FAILED', `no usable component_access_token: refresher answered ${outcome.status}`, outcome),
      timedOut: (outcome) =>
        new ComponentTokenError('TIMEOUT', `no usable component_access_token after waiting ${timing.maxWaitMs} ms`, outcome),
    });

  const load = async (): Promise<string> => {
    const sealed = await options.tokens.loadSealed();
    if (usable(sealed)) return accept(sealed);
    const refreshed = await refreshAndWait({ action: 'refresh', reason: 'reader-miss' }, usable);
    return accept(refreshed as SealedToken);
  };

  const getComponentAccessToken = (): Promise<string> => {
    if (cache && usable(cache.sealed) && now() - cache.checkedAtMs < revalidateAfterMs) return Promise.resolve(cache.token);
    // Concurrent callers in one container share one read (and at most one refresh request).
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  };

  const invalidate = (staleToken: string): Promise<void> => {
    const staleSha = sha256Hex(staleToken);
    if (cache?.sealed.meta.tokenSha256 === staleSha) cache = null;
    return shareInFlight(invalidations, staleSha, async () => {
      const stored = await options.tokens.loadSealed();
      if (usable(stored) && stored.meta.tokenSha256 !== staleSha) return;
      await refreshAndWait(
        { action: 'refresh', reason: 'invalidate', staleTokenSha256: staleSha },
        (sealed) => usable(sealed) && sealed.meta.tokenSha256 !== staleSha,
      ).catch((err: unknown) => {
        // The refresher may keep the token (too young to be stale): the caller then simply gets it again.
        if (!(err instanceof ComponentTokenError && err.refreshOutcome?.status === 'fresh')) throw err;
      });
    });
  };

  return {
    getComponentAccessToken,
    invalidate,
    withComponentAccessToken: (call) => withStaleTokenRetry(getComponentAccessToken, invalidate, call),
  };
}
