import type { OAuthScope } from '../../../shared/store/h5-oauth-state-store';
import type { SealedUserTokens, UserOAuthTokens, UserRecord, UserStore, WechatUserProfile } from '../../../shared/store/user-store';
import { storeInterventions } from './interventions';

type Upsert = Parameters<UserStore['upsert']>[0];

/**
 * UserStore in memory, with the real one's rules: one record per authorizer and openid; a sign-in without a profile
 * or unionid keeps what an earlier one stored, and the scope only ever widens.
 */
export class FakeUserStore implements UserStore {
  readonly faults = storeInterventions<keyof UserStore>('user store');
  readonly #users = new Map<string, UserRecord & { tokens: UserOAuthTokens }>();

  /** Upserts that stored tokens sealed beforehand by sealTokens (the real store then makes no KMS call). */
  sealedWrites = 0;

  constructor(private readonly options: { now: () => number }) {}

  async sealTokens(tokens: UserOAuthTokens): Promise<SealedUserTokens> {
    await this.faults.enter('sealTokens');
    return { tokens, ciphertext: new Uint8Array(0) };
  }

  async upsert(user: Upsert): Promise<UserRecord> {
    await this.faults.enter('upsert');
    if (user.sealed?.tokens === user.tokens) this.sealedWrites++;
    const key = `${user.authorizerAppid}#${user.openid}`;
    const nowMs = this.options.now();
    const before = this.#users.get(key);
    const scope: OAuthScope = user.scope === 'snsapi_userinfo' ? user.scope : (before?.scope ?? user.scope);
    const unionid = user.unionid ?? before?.unionid;
    const profile: WechatUserProfile | undefined = user.profile ?? before?.profile;
    const stored = {
      authorizerAppid: user.authorizerAppid,
      openid: user.openid,
      ...(unionid ? { unionid } : {}),
      scope,
      ...(profile ? { profile } : {}),
      firstSeenAtMs: before?.firstSeenAtMs ?? nowMs,
      lastSeenAtMs: nowMs,
      signInCount: (before?.signInCount ?? 0) + 1,
      tokens: { ...user.tokens },
    };
    this.#users.set(key, stored);
    return withoutTokens(stored);
  }

  async get(authorizerAppid: string, openid: string): Promise<UserRecord | null> {
    await this.faults.enter('get');
    const stored = this.#users.get(`${authorizerAppid}#${openid}`);
    return stored ? withoutTokens(stored) : null;
  }

  /** The user's own WeChat tokens as stored (sealed, in the real store), read without counting a call. */
  tokensOf(authorizerAppid: string, openid: string): UserOAuthTokens | null {
    return this.#users.get(`${authorizerAppid}#${openid}`)?.tokens ?? null;
  }

  /** How many users are stored. */
  get size(): number {
    return this.#users.size;
  }
}

function withoutTokens({ tokens: _tokens, ...record }: UserRecord & { tokens: UserOAuthTokens }): UserRecord {
  return structuredClone(record);
}
