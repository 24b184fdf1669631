import { sha256Hex } from '../../../shared/crypto/digests';
import type { AuthorizerStatusName, ReaderView, SealedSecret, StoredAccessToken } from '../../../shared/store/authorizer-store';
import { StoreError } from '../../../shared/store/store-errors';

/** How long WeChat's authorizer_access_token lives (docs/wechat-protocol.md §4). */
export const AUTHORIZER_TOKEN_LIFETIME_MS = 7200_000;

/**
 * An in-memory stand-in for the authorizer store's reader side (`getReaderView`, `openAccessToken`), with the same
 * rules for what a reader sees: a version bumped on every token write, no token once revoked, and a "sealed" token
 * that opens only for the authorizer it was written for. It counts reads and opens (what a real store pays in GetItem
 * and KMS calls), and can fail like an unreachable store.
 */
export class InMemoryAuthorizerReaderView {
  reads = 0;
  opens = 0;
  /** Makes the next N reads fail as DynamoDB being unreachable. */
  failNextReads = 0;
  readonly #items = new Map<string, ReaderView>();

  constructor(private readonly now: () => number) {}

  /** Writes a new access token for an authorized authorizer, as a refresh does; returns its sealed form. */
  writeToken(authorizerAppid: string, token: string, options: { lifetimeMs?: number; fetchedAtMs?: number } = {}): StoredAccessToken {
    const fetchedAtMs = options.fetchedAtMs ?? this.now();
    const accessToken: StoredAccessToken = {
      envelope: {
        encryptedDataKey: Buffer.from(authorizerAppid),
        iv: new Uint8Array(12),
        tag: new Uint8Array(16),
        ciphertext: Buffer.from(token, 'utf8'),
      },
      sha256: sha256Hex(token),
      fetchedAtMs,
      expiresAtMs: fetchedAtMs + (options.lifetimeMs ?? AUTHORIZER_TOKEN_LIFETIME_MS),
    };
    const version = (this.#items.get(authorizerAppid)?.version ?? 0) + 1;
    this.#items.set(authorizerAppid, { status: 'authorized', version, accessToken });
    return accessToken;
  }

  /** An authorizer that authorized but has no access token yet (a refresh token alone, as after an import). */
  addWithoutToken(authorizerAppid: string): void {
    this.#items.set(authorizerAppid, { status: 'authorized', version: 1 });
  }

  /** A status change as the store makes it: `revoked` drops the access token (as revoke() does), `needs_reauth` keeps it. */
  setStatus(authorizerAppid: string, status: AuthorizerStatusName): void {
    const item = this.#items.get(authorizerAppid);
    if (!item) throw new Error(`no authorizer ${authorizerAppid} in the fake`);
    const { accessToken, ...rest } = item;
    this.#items.set(authorizerAppid, { ...rest, status, ...(status === 'revoked' || !accessToken ? {} : { accessToken }) });
  }

  view(authorizerAppid: string): ReaderView | undefined {
    return this.#items.get(authorizerAppid);
  }

  readonly getReaderView = async (authorizerAppid: string): Promise<ReaderView | null> => {
    await Promise.resolve();
    this.reads += 1;
    if (this.failNextReads > 0) {
      this.failNextReads -= 1;
      throw new StoreError('UNAVAILABLE', 'DynamoDB GetItem authorizer failed');
    }
    const item = this.#items.get(authorizerAppid);
    return item ? structuredClone(item) : null;
  };

  readonly openAccessToken = async (authorizerAppid: string, token: SealedSecret): Promise<string> => {
    await Promise.resolve();
    this.opens += 1;
    if (Buffer.from(token.envelope.encryptedDataKey).toString() !== authorizerAppid) {
      throw new StoreError('DECRYPTION_FAILED', 'sealed envelope for authorizer_access_token could not be opened');
    }
    return Buffer.from(token.envelope.ciphertext).toString('utf8');
  };
}
