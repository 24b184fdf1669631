/**
 * Profiles of simulated accounts (what api_get_authorizer_info describes, docs/wechat-protocol.md §4), derived
 * from the appid by hashing: stable across runs and simulator instances, and nothing to store for 10,000 accounts.
 */
import { createHash } from 'node:crypto';
import type { SimAuthorizerAccount, SimAuthorizerKind } from '../types';
import { avatarDataUrl } from './avatar';

/** Appids are `wx` and 16 letters or digits. */
export const AUTHORIZER_APPID_PATTERN = /^wx[A-Za-z0-9]{16}$/;

/** func_info permission set ids granted when the caller names none: the usual sets of each kind. */
export const DEFAULT_FUNC_INFO: Readonly<Record<SimAuthorizerKind, readonly number[]>> = {
  // Messages, users, account service, web service, mass messages, media, menus.
  official_account: [1, 2, 3, 4, 7, 11, 15],
  // Account management, development and data, customer service, open platform account, basic info, verification.
  mini_program: [17, 18, 19, 25, 30, 31],
};

const PRINCIPALS = [
  '深圳市模拟科技有限公司',
  '北京示例文化传媒有限公司',
  '上海样例餐饮管理有限公司',
  '广州测试教育咨询有限公司',
  '杭州演示电子商务有限公司',
  '成都沙盒信息技术有限公司',
] as const;

const AVATAR_COLORS = ['#07c160', '#2f7de1', '#e1452f', '#fa9d3b', '#10aeff', '#6467f0'] as const;

/** The profile of `appid` as an account of `kind`. */
export function describeAuthorizerAccount(appid: string, kind: SimAuthorizerKind): SimAuthorizerAccount {
  const digest = digestOf(appid);
  const suffix = appid.slice(-4);
  return {
    appid,
    kind,
    nickname: kind === 'official_account' ? `模拟公众号${suffix}` : `模拟小程序${suffix}`,
    userName: `gh_${digest.subarray(0, 6).toString('hex')}`,
    principalName: PRINCIPALS[byteAt(digest, 6) % PRINCIPALS.length]!,
    // Official accounts: 0 subscription account, 2 service account. Mini programs: 0 regular mini program.
    serviceTypeId: kind === 'official_account' && byteAt(digest, 7) % 2 === 0 ? 2 : 0,
    // One in four is not verified (-1); the rest are WeChat-verified (0).
    verifyTypeId: byteAt(digest, 8) % 4 === 0 ? -1 : 0,
  };
}

/** The `authorizer_info` object of api_get_authorizer_info for `account`. */
export function authorizerInfoBody(account: SimAuthorizerAccount): Record<string, unknown> {
  const digest = digestOf(account.appid);
  const isOfficialAccount = account.kind === 'official_account';
  return {
    nick_name: account.nickname,
    head_img: headImgOf(account),
    service_type_info: { id: account.serviceTypeId },
    verify_type_info: { id: account.verifyTypeId },
    user_name: account.userName,
    principal_name: account.principalName,
    alias: isOfficialAccount ? `sim_${digest.subarray(10, 13).toString('hex')}` : '',
    qrcode_url: `http://mmbiz.qpic.cn/mmbiz_jpg/sim-${account.userName}/0`,
    business_info: { open_store: 0, open_scan: 0, open_pay: byteAt(digest, 13) % 2, open_card: 0, open_shake: 0 },
    ...(isOfficialAccount
      ? {}
      : {
          signature: '微信模拟器中的小程序',
          MiniProgramInfo: {
            network: { RequestDomain: [], WsRequestDomain: [], UploadDomain: [], DownloadDomain: [], BizDomain: [], UDPDomain: [] },
            categories: [{ first: '工具', second: '效率' }],
            visit_status: 0,
          },
        }),
  };
}

/** The account's avatar (head_img). */
export function headImgOf(account: SimAuthorizerAccount): string {
  const color = AVATAR_COLORS[byteAt(digestOf(account.appid), 9) % AVATAR_COLORS.length]!;
  // After the 模拟 prefix: 公 or 小, telling the kinds apart at a glance.
  return avatarDataUrl(account.nickname.slice(2), color);
}

function digestOf(appid: string): Buffer {
  return createHash('sha256').update(`authorizer-account:${appid}`).digest();
}

function byteAt(bytes: Buffer, index: number): number {
  return bytes[index] ?? 0;
}
