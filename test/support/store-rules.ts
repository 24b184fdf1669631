/**
 * The rules of the stores that the core logic relies on, as one suite run twice: against the DynamoDB stores on
 * dynalite (test/shared/store/store-rules.int.test.ts) and against the in-memory fakes the unit tests use
 * (test/support/fakes/fake-stores.test.ts), so a fake cannot drift from the store it stands for.
 */
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/crypto/digests';
import type { AuthorizationCodeStore } from '../../shared/store/authorization-code-store';
import type { AuthorizerStore } from '../../shared/store/authorizer-store';
import type { ComponentStores } from '../../shared/store/component-stores';
import type { H5OAuthState } from '../../shared/store/h5-oauth-state-store';
import type { FakeClock } from './fake-clock';

export type RuledStores = Pick<
  ComponentStores,
  'tickets' | 'tokens' | 'leases' | 'guards' | 'events' | 'h5OAuthStates' | 'loginCodes' | 'users'
> & {
  // The parts the push receiver and h5-oauth use; the worker's side is tested against dynalite only.
  authorizers: Pick<AuthorizerStore, 'getStatus' | 'revoke'>;
  authorizationCodes: Pick<AuthorizationCodeStore, 'record'>;
};

export const RULES_LEASE_MS = 60_000;
export const RULES_LOGIN_CODE_TTL_MS = 120_000;

const MINUTE_MS = 60_000;

/** Registers the rule tests; `make` gives each test its own stores (empty) and the clock they run on. */
export function describeStoreRules(label: string, make: () => { stores: RuledStores; clock: FakeClock }): void {
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (err: unknown) => err,
    );

  describe(`${label}: the rules the core relies on`, () => {
    it('stores a ticket only when its CreateTime is newer than the stored one', async () => {
      const { stores, clock } = make();
      const ticket = (name: string, createTime: number) => ({
        componentVerifyTicket: `ticket@@@${name}`,
        createTime,
        receivedAtMs: clock.now(),
      });

      const outcomes = [
        await stores.tickets.save(ticket('first', 1000)),
        await stores.tickets.save(ticket('same-second', 1000)),
        await stores.tickets.save(ticket('older', 999)),
        await stores.tickets.save(ticket('newer', 1001)),
      ];

      expect(outcomes).toEqual(['stored', 'not-newer', 'not-newer', 'stored']);
      expect(await stores.tickets.load()).toMatchObject({ componentVerifyTicket: 'ticket@@@newer', createTime: 1001 });
      expect(await stores.tickets.loadCreateTime()).toBe(1001);
    });

    it('writes a token only over the version it names, and opens what it sealed', async () => {
      const { stores, clock } = make();
      const save = (token: string, expectedVersion: number) =>
        stores.tokens.save({
          componentAccessToken: token,
          expiresAtMs: clock.now() + 7_200_000,
          fetchedAtMs: clock.now(),
          expectedVersion,
        });

      const first = await save('fake-rules-token-1', 0);
      const conflict = await failureOf(save('fake-rules-token-late', 0));
      const second = await save('fake-rules-token-2', 1);
      const sealed = await stores.tokens.loadSealed();

      expect(first).toMatchObject({ version: 1, tokenSha256: sha256Hex('fake-rules-token-1') });
      expect(conflict).toMatchObject({ name: 'StoreError', code: 'VERSION_CONFLICT' });
      expect(second.version).toBe(2);
      expect(sealed?.meta).toEqual(second);
      expect(Buffer.from(sealed!.ciphertext).toString('latin1')).not.toContain('fake-rules-token-2');
      expect(await stores.tokens.open(sealed!)).toBe('fake-rules-token-2');
    });

    it('holds the refresh lease until it expires, and lets only its holder give it back', async () => {
      const { stores, clock } = make();

      const a = await stores.leases.acquire();
      const held = await failureOf(stores.leases.acquire());
      clock.advance(RULES_LEASE_MS);
      const b = await stores.leases.acquire();
      await a.release();
      const stillHeld = await failureOf(stores.leases.acquire());
      await b.release();
      const c = await stores.leases.acquire();

      expect(a.expiresAtMs).toBe(clock.now());
      expect(held).toMatchObject({ name: 'StoreError', code: 'LEASE_HELD' });
      expect(stillHeld).toMatchObject({ code: 'LEASE_HELD' });
      expect(new Set([a.holder, b.holder, c.holder]).size).toBe(3);
    });

    it('lets api_start_push_ticket be claimed once per interval', async () => {
      const { stores, clock } = make();

      const claims = [await stores.guards.claimStartPushTicket(10 * MINUTE_MS)];
      clock.advance(10 * MINUTE_MS - 1);
      claims.push(await stores.guards.claimStartPushTicket(10 * MINUTE_MS));
      clock.advance(1);
      claims.push(await stores.guards.claimStartPushTicket(10 * MINUTE_MS));

      expect(claims).toEqual([true, false, true]);
    });

    it('reads a backoff until its end, then as none, and forgets it when cleared', async () => {
      const { stores, clock } = make();
      const backoff = { errcode: 61006, untilMs: clock.now() + MINUTE_MS, rejectedTicketCreateTime: 1234 };

      await stores.guards.setBackoff(backoff);
      clock.advance(MINUTE_MS - 1);
      const during = await stores.guards.loadBackoff();
      clock.advance(1);
      const after = await stores.guards.loadBackoff();
      await stores.guards.setBackoff({ errcode: 45009, untilMs: clock.now() + MINUTE_MS });
      await stores.guards.clearBackoff();

      expect(during).toEqual(backoff);
      expect(after).toBeNull();
      expect(await stores.guards.loadBackoff()).toBeNull();
    });

    it('consumes a sign-in state once, of any number of concurrent attempts, and only before it expires', async () => {
      const { stores, clock } = make();
      const state = (name: string): Omit<H5OAuthState, 'consumedAtMs' | 'codeSha256' | 'outcome'> => ({
        state: name,
        authorizerAppid: 'wx1111111111111111',
        scope: 'snsapi_base',
        returnTo: 'https://h5.example.com/app/',
        bindingSha256: null,
        codeChallenge: 'c'.repeat(43),
        createdAtMs: clock.now(),
        expiresAtMs: clock.now() + 10 * MINUTE_MS,
      });
      await stores.h5OAuthStates.create(state('RulesStateRace'), 0);
      await stores.h5OAuthStates.create(state('RulesStateLate'), 0);

      const results = await Promise.all(
        Array.from({ length: 10 }, () => stores.h5OAuthStates.consume('RulesStateRace', sha256Hex('code'))),
      );
      clock.advance(10 * MINUTE_MS);
      const late = await stores.h5OAuthStates.consume('RulesStateLate', null);
      const unknown = await stores.h5OAuthStates.consume('RulesStateUnknown', null);

      expect(results.filter((result) => result === 'consumed')).toHaveLength(1);
      expect(results.filter((result) => result === 'already-consumed')).toHaveLength(9);
      expect([late, unknown]).toEqual(['expired', 'expired']);
      expect(await stores.h5OAuthStates.get('RulesStateRace')).toMatchObject({
        consumedAtMs: clock.now() - 10 * MINUTE_MS,
        codeSha256: sha256Hex('code'),
      });
      expect(await failureOf(stores.h5OAuthStates.create(state('RulesStateRace'), 0))).toMatchObject({ name: 'StoreError' });
    });

    it('gives an outcome only to a consumed sign-in state', async () => {
      const { stores, clock } = make();
      const base = {
        authorizerAppid: 'wx1111111111111111',
        scope: 'snsapi_base',
        returnTo: 'https://h5.example.com/app/',
        bindingSha256: null,
        codeChallenge: 'c'.repeat(43),
      } as const;
      for (const name of ['RulesStateOpen', 'RulesStateDone']) {
        await stores.h5OAuthStates.create({ ...base, state: name, createdAtMs: clock.now(), expiresAtMs: clock.now() + MINUTE_MS }, 0);
      }
      await stores.h5OAuthStates.consume('RulesStateDone', null);

      const refused = await failureOf(stores.h5OAuthStates.complete('RulesStateOpen', { kind: 'refused' }));
      await stores.h5OAuthStates.complete('RulesStateDone', { kind: 'refused' });

      expect(refused).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });
      expect((await stores.h5OAuthStates.get('RulesStateOpen'))?.outcome).toBeUndefined();
      expect((await stores.h5OAuthStates.get('RulesStateDone'))?.outcome).toEqual({ kind: 'refused' });
    });

    it('redeems a login code once, and not once its time is up', async () => {
      const { stores, clock } = make();
      const grant = { authorizerAppid: 'wx1111111111111111', openid: 'o-rules-openid', codeChallenge: 'c'.repeat(43) };
      const once = await stores.loginCodes.issue(grant);
      const late = await stores.loginCodes.issue(grant);

      const redeemed = [await stores.loginCodes.redeem(once), await stores.loginCodes.redeem(once)];
      clock.advance(RULES_LOGIN_CODE_TTL_MS);
      const expired = await stores.loginCodes.redeem(late);

      expect(once).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(redeemed).toEqual([grant, null]);
      expect(expired).toBeNull();
    });

    it('keeps one user record whose scope only widens and whose profile a silent sign-in does not erase', async () => {
      const { stores, clock } = make();
      const profile = {
        nickname: 'Rules',
        sex: 1,
        province: 'P',
        city: 'C',
        country: 'CN',
        headimgurl: 'https://example.com/h',
        isSnapshotUser: false,
      };
      const tokens = {
        accessToken: 'fake-user-access',
        refreshToken: 'fake-user-refresh',
        accessTokenExpiresAtMs: clock.now() + 7_200_000,
        scope: 'snsapi_base',
      } as const;
      const user = { authorizerAppid: 'wx1111111111111111', openid: 'o-rules-user' };
      const firstSeenAtMs = clock.now();

      await stores.users.upsert({ ...user, scope: 'snsapi_base', tokens });
      clock.advance(1000);
      await stores.users.upsert({ ...user, scope: 'snsapi_userinfo', unionid: 'u-rules', profile, tokens });
      clock.advance(1000);
      const last = await stores.users.upsert({ ...user, scope: 'snsapi_base', tokens });

      expect(last).toEqual({
        ...user,
        unionid: 'u-rules',
        scope: 'snsapi_userinfo',
        profile,
        firstSeenAtMs,
        lastSeenAtMs: clock.now(),
        signInCount: 3,
      });
      expect(await stores.users.get(user.authorizerAppid, user.openid)).toEqual(last);
    });

    it('records an authorization event and an unparsed push once', async () => {
      const { stores } = make();
      const event = (infoType: string, createTime: number) => ({
        infoType,
        createTime,
        authorizerAppid: 'wxaaaaaaaaaaaaaaaa',
        fields: { InfoType: infoType, N: String(createTime) },
      });

      const outcomes = [
        await stores.events.record(event('unauthorized', 2000)),
        await stores.events.record(event('unauthorized', 2000)),
        await stores.events.record(event('authorized', 1999)),
        await stores.events.recordUnparsed({ plaintext: '<xml>rules</xml>', reason: 'MISSING_FIELD' }),
        await stores.events.recordUnparsed({ plaintext: '<xml>rules</xml>', reason: 'MISSING_FIELD' }),
      ];

      expect(outcomes).toEqual([{ event: 'recorded' }, { event: 'duplicate' }, { event: 'recorded' }, 'recorded', 'duplicate']);
    });

    it('revokes an authorizer only for an event newer than the last one applied, or of its second if not revoked yet', async () => {
      const { stores } = make();
      const revoke = (eventCreateTime: number) => stores.authorizers.revoke({ authorizerAppid: 'wxbbbbbbbbbbbbbbbb', eventCreateTime });

      const outcomes = [await revoke(2000), await revoke(2000), await revoke(1999), await revoke(2001)];

      expect(outcomes).toEqual(['revoked', 'not-newer', 'not-newer', 'revoked']);
      expect(await stores.authorizers.getStatus('wxbbbbbbbbbbbbbbbb')).toEqual({ status: 'revoked', lastEventCreateTime: 2001 });
      expect(await stores.authorizers.getStatus('wxcccccccccccccccc')).toBeNull();
    });

    it('keeps one pending item per authorization code, whichever arrival comes first, and lets the push name it', async () => {
      const { stores, clock } = make();
      const code = 'queryauthcode@@@rules-code';
      const expiresAtMs = clock.now() + 3_600_000;

      const fromCallback = await stores.authorizationCodes.record({
        code,
        source: 'callback',
        eventCreateTime: 1000,
        codeExpiresAtMs: expiresAtMs,
      });
      const fromPush = await stores.authorizationCodes.record({
        code,
        source: 'push',
        authorizerAppid: 'wxdddddddddddddddd',
        infoType: 'authorized',
        eventCreateTime: 990,
        codeExpiresAtMs: expiresAtMs,
      });

      expect(fromCallback).toMatchObject({
        created: true,
        item: { codeSha256: sha256Hex(code), status: 'pending', sources: ['callback'] },
      });
      expect(fromPush.created).toBe(false);
      expect(fromPush.item).toMatchObject({
        codeSha256: sha256Hex(code),
        status: 'pending',
        authorizerAppid: 'wxdddddddddddddddd',
        infoType: 'authorized',
        eventCreateTime: 990,
        codeExpiresAtMs: expiresAtMs,
        attempts: 0,
      });
      expect([...fromPush.item.sources].sort()).toEqual(['callback', 'push']);
    });
  });
}
