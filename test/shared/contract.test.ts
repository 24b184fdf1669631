import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV, PARTITIONS, type PartitionName, partitionKey, partitionPattern } from '../../shared/contract';
import {
  auditPk,
  authorizationCodePk,
  authorizerPk,
  eventsPk,
  h5OAuthStatePk,
  loginCodePk,
  refreshPk,
  revokedSessionPk,
  SK,
  ticketPk,
  tokenPk,
  userPk,
} from '../../shared/store/table-keys';
import { markdownTableAfter } from '../support/markdown-table';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** `h5OAuthCallbackUrl` → `H5_OAUTH_CALLBACK_URL` ("OAuth" is one word). */
const upperSnake = (key: string) =>
  key
    .replace(/OAuth/g, 'Oauth')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();

describe('ENV', () => {
  it('names every variable WECHAT_ plus its config key in upper snake case', () => {
    for (const [key, name] of Object.entries(ENV)) expect(name, key).toBe(`WECHAT_${upperSnake(key)}`);
  });
});

describe('partitionPattern', () => {
  it('matches a whole partition, and every item of a per-item partition with a trailing #*', () => {
    expect(partitionPattern('token', 'wx1')).toBe('TOKEN#wx1');
    expect(partitionPattern('users', 'wx1')).toBe('USER#wx1#*');
    for (const name of Object.keys(PARTITIONS) as PartitionName[]) {
      const key = PARTITIONS[name].perItem ? partitionKey(name, 'wx1', 'item') : partitionKey(name, 'wx1');
      const pattern = new RegExp(`^${partitionPattern(name, 'wx1').replace('*', '.*')}$`);
      expect(key, name).toMatch(pattern);
    }
  });
});

describe('README "Table design"', () => {
  // Placeholders as the README writes them, fed to the code's own key functions.
  const c = '{componentAppid}';
  const a = '{authorizerAppid}';
  const codeKeys = [
    [ticketPk(c), SK.ticket],
    [tokenPk(c), SK.token],
    [refreshPk(c), SK.refreshLease],
    [refreshPk(c), SK.refreshBackoff],
    [refreshPk(c), SK.startPushTicket],
    [authorizerPk(c, a), SK.authorizer],
    [authorizationCodePk(c, '{sha256}'), SK.authorizationCode],
    [partitionKey('preAuthCodeRate', c, '{yyyy-mm-ddThh:mm}'), SK.preAuthCodes],
    [partitionKey('preAuthCodeRate', c, '{yyyy-mm-ddThh:mm}'), SK.callbacks],
    [eventsPk(c), SK.event(a, '{createTime}', '{infoType}', '{payloadDigest}')],
    [eventsPk(c), SK.unparsed('{first 32 hex of sha256(decrypted message)}')],
    [partitionKey('audit', c, '{yyyy-mm-dd}'), SK.audit('{receivedAt ISO}', '{random}')],
    [h5OAuthStatePk(c, '{state}'), SK.h5OAuthState],
    [loginCodePk(c, '{sha256}'), SK.loginCode],
    [userPk(c, a, '{openid}'), SK.user],
    [revokedSessionPk(c, '{jti}'), SK.revokedSession],
  ].map(([pk, sk]) => `${pk} | ${sk}`);

  it('lists exactly the keys the stores write', () => {
    const rows = markdownTableAfter(README, '### Table design');
    const readmeKeys = rows.map((cells) => `${cells[1]!.replaceAll('`', '')} | ${cells[2]!.replaceAll('`', '')}`);

    expect(readmeKeys.sort()).toEqual([...codeKeys].sort());
  });

  it('covers every partition of the contract', () => {
    for (const { prefix } of Object.values(PARTITIONS))
      expect(
        codeKeys.some((key) => key.startsWith(`${prefix}#`)),
        prefix,
      ).toBe(true);
  });

  it('puts the audit partition per UTC day', () => {
    expect(auditPk('wx1', Date.parse('2026-11-30T23:59:59Z'))).toBe('AUDIT#wx1#2026-11-30');
  });
});
