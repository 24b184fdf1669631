/**
 * The simulated WeChat users who can open an authorizer's H5 page (docs/wechat-protocol.md §5).
 * Openids and unionids are derived by hashing, so they are stable across restarts and simulator instances.
 */
import { createHash } from 'node:crypto';
import type { SimOAuthUser } from '../types';
import { avatarDataUrl } from './avatar';

/** Where a user lives, in the wording of one `lang`. */
interface Place {
  province: string;
  city: string;
  country: string;
}

interface UserProfile {
  id: string;
  nickname: string;
  sex: 0 | 1 | 2;
  zh: Place;
  en: Place;
  /** Users who never bound an Open Platform account have no unionid. */
  hasUnionid: boolean;
  isSnapshotUser: boolean;
  avatarColor: string;
}

const NOWHERE: Place = { province: '', city: '', country: '' };

const PROFILES: readonly UserProfile[] = [
  {
    id: 'li-lei',
    nickname: '李雷',
    sex: 1,
    zh: { province: '广东', city: '深圳', country: '中国' },
    en: { province: 'Guangdong', city: 'Shenzhen', country: 'China' },
    hasUnionid: true,
    isSnapshotUser: false,
    avatarColor: '#2f7de1',
  },
  {
    id: 'han-meimei',
    nickname: '韩梅梅',
    sex: 2,
    zh: { province: '北京', city: '海淀', country: '中国' },
    en: { province: 'Beijing', city: 'Haidian', country: 'China' },
    hasUnionid: true,
    isSnapshotUser: false,
    avatarColor: '#e1452f',
  },
  {
    id: 'wang-fang',
    nickname: 'Wang Fang 🌸',
    sex: 0,
    zh: { province: '上海', city: '徐汇', country: '中国' },
    en: { province: 'Shanghai', city: 'Xuhui', country: 'China' },
    hasUnionid: false,
    isSnapshotUser: false,
    avatarColor: '#2fa84f',
  },
  {
    // WeChat's "snapshot mode" virtual user: fixed nickname, no profile, no unionid (section 5).
    id: 'snapshot',
    nickname: '微信用户',
    sex: 0,
    zh: NOWHERE,
    en: NOWHERE,
    hasUnionid: false,
    isSnapshotUser: true,
    avatarColor: '#9e9e9e',
  },
];

/** The value `sim_user` / `user` takes to refuse instead of consenting; no user may have this id. */
export const REFUSE_CHOICE = 'refuse';

/** The user an `snsapi_base` request consents as when no `sim_user` is given. */
export const DEFAULT_OAUTH_USER_ID = 'li-lei';

/** Looks users up and derives their identifiers for one component. */
export class OAuthUserDirectory {
  private readonly users: readonly SimOAuthUser[];

  constructor(private readonly componentAppid: string) {
    this.users = PROFILES.map((profile) => this.toSimUser(profile));
  }

  /** Every user, in the order the consent page lists them. */
  list(): SimOAuthUser[] {
    return [...this.users];
  }

  /** The user with `id`, or undefined. */
  find(id: string): SimOAuthUser | undefined {
    return this.users.find((user) => user.id === id);
  }

  /** Province, city and country as /sns/userinfo answers them for `lang` (en or Chinese, zh_CN by default). */
  placeOf(userId: string, lang: string | null): Place {
    const profile = PROFILES.find((candidate) => candidate.id === userId);
    if (!profile) return NOWHERE;
    return { ...(lang === 'en' ? profile.en : profile.zh) };
  }

  private toSimUser(profile: UserProfile): SimOAuthUser {
    return {
      id: profile.id,
      nickname: profile.nickname,
      sex: profile.sex,
      ...profile.zh,
      headimgurl: avatarDataUrl(profile.nickname, profile.avatarColor),
      // One Open Platform account per component here, so the component appid scopes the unionid.
      ...(profile.hasUnionid ? { unionid: `o${digest(`unionid:${this.componentAppid}:${profile.id}`, 28)}` } : {}),
      isSnapshotUser: profile.isSnapshotUser,
      openidFor: (authorizerAppid) => `o${digest(`openid:${authorizerAppid}:${profile.id}`, 27)}`,
    };
  }
}

/** Base64url characters of sha256(input), shaped like WeChat's 28-character openids. */
function digest(input: string, length: number): string {
  return createHash('sha256').update(input).digest('base64url').slice(0, length);
}
