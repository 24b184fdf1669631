import { describe, expect, it } from 'vitest';
import { toPublicUser } from '../../../shared/h5-oauth/session-api';
import type { UserRecord } from '../../../shared/store/user-store';

const USER: UserRecord = {
  authorizerAppid: 'wx1111111111111111',
  openid: 'o-user',
  unionid: 'u-user',
  scope: 'snsapi_userinfo',
  profile: {
    nickname: '李雷',
    sex: 1,
    province: '广东',
    city: '深圳',
    country: '中国',
    headimgurl: 'https://img.example/1.png',
    isSnapshotUser: false,
  },
  firstSeenAtMs: Date.parse('2026-11-01T00:00:00Z'),
  lastSeenAtMs: Date.parse('2026-11-28T00:00:00Z'),
  signInCount: 7,
};

describe('toPublicUser', () => {
  it('shows the page the openid, appid, unionid, scope, profile and seen times as ISO strings', () => {
    const user = toPublicUser(USER);

    expect(user).toEqual({
      openid: 'o-user',
      appid: 'wx1111111111111111',
      unionid: 'u-user',
      scope: 'snsapi_userinfo',
      nickname: '李雷',
      sex: 1,
      province: '广东',
      city: '深圳',
      country: '中国',
      headimgurl: 'https://img.example/1.png',
      isSnapshotUser: false,
      firstSeenAt: '2026-11-01T00:00:00.000Z',
      lastSeenAt: '2026-11-28T00:00:00.000Z',
    });
  });

  it('shows a snsapi_base user without profile or unionid fields', () => {
    const { profile: _profile, unionid: _unionid, ...base } = USER;

    const user = toPublicUser({ ...base, scope: 'snsapi_base' });

    expect(Object.keys(user).sort()).toEqual(['appid', 'firstSeenAt', 'lastSeenAt', 'openid', 'scope']);
  });

  it('never passes on fields the record may carry at run time beyond the public ones (tokens, counts)', () => {
    const withExtras = { ...USER, tokensCiphertext: new Uint8Array([1, 2, 3]), accessToken: 'CANARY' } as unknown as UserRecord;

    const user = toPublicUser(withExtras);

    expect(JSON.stringify(user)).not.toMatch(/CANARY|tokensCiphertext|signInCount/);
  });
});
