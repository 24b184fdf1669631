import type { AuthorizerRefreshOutcome } from '../../../shared/authorizer/refresh-authorizer-token';
import { MIN_TOKEN_AGE_FOR_INVALIDATION_MS, READER_MIN_REMAINING_MS } from '../../../shared/authorizer/refresh-authorizer-token';
import type { AuthorizerReaderRequest, AuthorizerRefreshTrigger } from '../../../shared/token/lambda-authorizer-refresh-trigger';
import type { InMemoryAuthorizerReaderView } from './in-memory-authorizer-reader-view';

/**
 * A stand-in for the authorizer worker behind its `reader` alias: records every request and, unless a test scripts
 * its answers, decides as the worker does (refresh a reader miss only when no token has 5 min left, an invalidation
 * only when the stale token is the stored one and at least a minute old) and writes new tokens into the fake store.
 */
export class FakeAuthorizerWorker {
  readonly requests: AuthorizerReaderRequest[] = [];
  #issued = 0;
  #script: ((request: AuthorizerReaderRequest) => AuthorizerRefreshOutcome | 'default') | undefined;

  constructor(
    private readonly tokens: InMemoryAuthorizerReaderView,
    private readonly now: () => number,
  ) {}

  /** Answers with `script`'s outcome from now on; 'default' falls back to the worker's own rules for that request. */
  answer(script: (request: AuthorizerReaderRequest) => AuthorizerRefreshOutcome | 'default'): void {
    this.#script = script;
  }

  readonly requestRefresh: AuthorizerRefreshTrigger = async (request) => {
    this.requests.push(request);
    await Promise.resolve();
    const scripted = this.#script?.(request) ?? 'default';
    return scripted === 'default' ? this.#decide(request) : scripted;
  };

  #decide(request: AuthorizerReaderRequest): AuthorizerRefreshOutcome {
    const view = this.tokens.view(request.authorizerAppid);
    if (!view) return { status: 'unknown' };
    if (view.status === 'revoked') return { status: 'revoked' };
    if (view.status === 'needs_reauth') return { status: 'needs_reauth', reason: 'errcode 61023' };
    const stored = view.accessToken;
    const nowMs = this.now();
    const worthIt =
      request.reason === 'reader-miss'
        ? !stored || stored.expiresAtMs <= nowMs + READER_MIN_REMAINING_MS
        : !stored || (stored.sha256 === request.staleTokenSha256 && stored.fetchedAtMs <= nowMs - MIN_TOKEN_AGE_FOR_INVALIDATION_MS);
    if (!worthIt) return { status: 'fresh', version: view.version, expiresAtMs: stored?.expiresAtMs ?? null };
    this.#issued += 1;
    const written = this.tokens.writeToken(request.authorizerAppid, `authorizer-token-${request.authorizerAppid}-${this.#issued}`);
    return { status: 'refreshed', version: view.version + 1, expiresAtMs: written.expiresAtMs };
  }
}
