import { randomBytes } from 'node:crypto';
import type { OAuthScope } from '../../../shared/store/h5-oauth-state-store';
import type { WechatUserProfile } from '../../../shared/store/user-store';
import type { SnsAccessToken, SnsApi } from '../../../shared/wechat/sns-api';
import { Interventions } from './interventions';
import { wechatErrcode } from './wechat-errors';

/** A WeChat user as the fake knows them: who signs in when a code issued for them is exchanged. */
export interface FakeWechatUser {
  openid: string;
  unionid?: string;
  profile?: Omit<WechatUserProfile, 'isSnapshotUser'>;
  isSnapshotUser?: boolean;
}

interface IssuedCode {
  authorizerAppid: string;
  scope: OAuthScope;
  user: FakeWechatUser;
  used: boolean;
}

const random = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;

/**
 * WeChat's web-authorization API in memory, with WeChat's rules: a code is exchanged once (40163 after), for the
 * authorizer it was issued for (40029 otherwise), with a current component_access_token (40001 otherwise), and
 * userinfo answers only a user access token it issued for the snsapi_userinfo scope.
 */
export class FakeSnsApi implements SnsApi {
  readonly faults = new Interventions<keyof SnsApi>((method) => wechatErrcode(method, -1));
  /** Every code exchange requested, answered or not. */
  readonly exchanges: Array<Parameters<SnsApi['exchangeCode']>[0]> = [];
  readonly #codes = new Map<string, IssuedCode>();
  readonly #userTokens = new Map<string, IssuedCode>();

  /** `isCurrentComponentToken` says which component_access_token WeChat still accepts; by default any. */
  constructor(private readonly options: { isCurrentComponentToken?: (token: string) => boolean } = {}) {}

  /** A code as WeChat puts it on the callback after `user` consented. */
  issueCode(input: { authorizerAppid: string; scope: OAuthScope; user: FakeWechatUser }): string {
    const code = random('fake-oauth-code');
    this.#codes.set(code, { ...input, used: false });
    return code;
  }

  async exchangeCode(input: Parameters<SnsApi['exchangeCode']>[0]): Promise<SnsAccessToken> {
    this.exchanges.push({ ...input });
    await this.faults.enter('exchangeCode');
    const api = 'sns_component_access_token';
    if (!(this.options.isCurrentComponentToken?.(input.componentAccessToken) ?? true)) throw wechatErrcode(api, 40001);
    const issued = this.#codes.get(input.code);
    if (!issued || issued.authorizerAppid !== input.authorizerAppid) throw wechatErrcode(api, 40029);
    if (issued.used) throw wechatErrcode(api, 40163);
    issued.used = true;
    const accessToken = random('fake-user-access-token');
    this.#userTokens.set(accessToken, issued);
    return {
      accessToken,
      expiresInSec: 7200,
      refreshToken: random('fake-user-refresh-token'),
      openid: issued.user.openid,
      scope: issued.scope,
      isSnapshotUser: issued.user.isSnapshotUser ?? false,
      // As the simulator reads "where applicable": the exchange names the unionid only for snsapi_userinfo.
      ...(issued.user.unionid && issued.scope === 'snsapi_userinfo' ? { unionid: issued.user.unionid } : {}),
    };
  }

  async getUserInfo(input: { accessToken: string; openid: string }): Promise<WechatUserProfile & { unionid?: string }> {
    await this.faults.enter('getUserInfo');
    const issued = this.#userTokens.get(input.accessToken);
    if (!issued || issued.user.openid !== input.openid) throw wechatErrcode('sns_userinfo', 40001);
    if (issued.scope !== 'snsapi_userinfo') throw wechatErrcode('sns_userinfo', 48001);
    const profile = issued.user.profile ?? { nickname: '', sex: 0, province: '', city: '', country: '', headimgurl: '' };
    return {
      ...profile,
      isSnapshotUser: issued.user.isSnapshotUser ?? false,
      ...(issued.user.unionid ? { unionid: issued.user.unionid } : {}),
    };
  }
}
