import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../../shared/crypto/digests';
import { StoreError } from '../../../shared/store/store-errors';
import type { SealedToken, TokenMeta, TokenStore } from '../../../shared/store/token-store';
import { storeInterventions } from './interventions';

/**
 * TokenStore in memory, with the real one's rules: a write names the version it replaces (VERSION_CONFLICT
 * otherwise), and a sealed token holds no plaintext: only `open` turns its ciphertext back into the token.
 */
export class FakeTokenStore implements TokenStore {
  readonly faults = storeInterventions<keyof TokenStore>('token store');
  #current: SealedToken | null = null;
  /** Ciphertext (hex) to token: what KMS would know. */
  readonly #sealed = new Map<string, string>();

  async loadSealed(): Promise<SealedToken | null> {
    await this.faults.enter('loadSealed');
    return this.#current && { meta: { ...this.#current.meta }, ciphertext: this.#current.ciphertext };
  }

  async open(sealed: SealedToken): Promise<string> {
    await this.faults.enter('open');
    const token = this.#sealed.get(Buffer.from(sealed.ciphertext).toString('hex'));
    if (token === undefined) throw new StoreError('DECRYPTION_FAILED', 'fake KMS cannot open this component_access_token');
    return token;
  }

  async save(input: {
    componentAccessToken: string;
    expiresAtMs: number;
    fetchedAtMs: number;
    expectedVersion: number;
  }): Promise<TokenMeta> {
    await this.faults.enter('save');
    if ((this.#current?.meta.version ?? 0) !== input.expectedVersion) {
      throw new StoreError('VERSION_CONFLICT', `a newer component_access_token than version ${input.expectedVersion} is already stored`);
    }
    const meta: TokenMeta = {
      version: input.expectedVersion + 1,
      expiresAtMs: input.expiresAtMs,
      fetchedAtMs: input.fetchedAtMs,
      tokenSha256: sha256Hex(input.componentAccessToken),
    };
    const ciphertext = randomBytes(32);
    this.#sealed.set(ciphertext.toString('hex'), input.componentAccessToken);
    this.#current = { meta, ciphertext };
    return { ...meta };
  }

  /** Stores `token` over whatever is stored, as another refresher would; no call is counted. */
  put(token: string, times: { fetchedAtMs: number; expiresAtMs: number }): TokenMeta {
    const ciphertext = randomBytes(32);
    this.#sealed.set(ciphertext.toString('hex'), token);
    const meta: TokenMeta = { version: (this.#current?.meta.version ?? 0) + 1, ...times, tokenSha256: sha256Hex(token) };
    this.#current = { meta, ciphertext };
    return { ...meta };
  }

  /** The stored token's metadata, read without counting a call. */
  get meta(): TokenMeta | null {
    return this.#current ? { ...this.#current.meta } : null;
  }

  /** The stored token in clear, read without counting a call. */
  get token(): string | null {
    return this.#current ? (this.#sealed.get(Buffer.from(this.#current.ciphertext).toString('hex')) ?? null) : null;
  }
}
