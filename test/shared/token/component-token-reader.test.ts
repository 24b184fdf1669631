import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/crypto/digests';
import { ComponentTokenError } from '../../../shared/token/component-token-error';
import { createComponentTokenReader } from '../../../shared/token/component-token-reader';
import { fakeRefresher, fakeTokenReader } from '../../support/fakes/fake-deps';
import { wechatErrcode } from '../../support/fakes/wechat-errors';

type Refresher = ReturnType<typeof fakeRefresher>;

const MIN_REMAINING_MS = 300_000;
const REVALIDATE_AFTER_MS = 60_000;
const MAX_WAIT_MS = 15_000;
const POLL_MS = 250;
const HOUR_MS = 3_600_000;

/** A refresher with a fresh ticket, and a reader whose refresh requests run it. */
async function setup() {
  const r = fakeRefresher();
  await r.storeTicket();
  return { r, ...fakeTokenReader(r) };
}

/** What another container's refresher would store: a token fetched now, valid for `validMs`. */
function storeNewToken(r: Refresher, name: string, validMs = 2 * HOUR_MS): string {
  r.tokens.put(name, { fetchedAtMs: r.clock.now(), expiresAtMs: r.clock.now() + validMs });
  return name;
}

const opens = (r: Refresher) => r.tokens.faults.calls('open');
const reads = (r: Refresher) => r.tokens.faults.calls('loadSealed');

describe('createComponentTokenReader', () => {
  describe('getComponentAccessToken', () => {
    it('on a cold start asks the refresher (reader-miss) and returns the token it stored', async () => {
      const { r, reader, refreshRequests, sleeper } = await setup();

      const token = await reader.getComponentAccessToken();

      expect(token).toBe(r.api.issued[0]);
      expect(refreshRequests).toEqual([{ action: 'refresh', reason: 'reader-miss' }]);
      expect(sleeper.waits).toEqual([]);
    });

    it('serves repeated calls from memory: one store read, one decryption', async () => {
      const { r, reader } = await setup();
      storeNewToken(r, 'fake-token-a');

      const tokens = [];
      for (let i = 0; i < 10; i++) tokens.push(await reader.getComponentAccessToken());

      expect(new Set(tokens)).toEqual(new Set(['fake-token-a']));
      expect([reads(r), opens(r)]).toEqual([1, 1]);
    });

    it(`re-reads the store ${REVALIDATE_AFTER_MS / 1000} s after its last read, without decrypting an unchanged token again`, async () => {
      const { r, reader } = await setup();
      storeNewToken(r, 'fake-token-a');
      await reader.getComponentAccessToken();

      r.clock.advance(REVALIDATE_AFTER_MS - 1);
      await reader.getComponentAccessToken();
      const readsBefore = reads(r);
      r.clock.advance(1);
      const token = await reader.getComponentAccessToken();

      expect(token).toBe('fake-token-a');
      expect(readsBefore).toBe(1);
      expect([reads(r), opens(r)]).toEqual([2, 1]);
    });

    it('picks up a token another refresher stored at its next re-read', async () => {
      const { r, reader } = await setup();
      storeNewToken(r, 'fake-token-a');
      await reader.getComponentAccessToken();
      storeNewToken(r, 'fake-token-b');

      const cached = await reader.getComponentAccessToken();
      r.clock.advance(REVALIDATE_AFTER_MS);
      const reread = await reader.getComponentAccessToken();

      expect([cached, reread]).toEqual(['fake-token-a', 'fake-token-b']);
    });

    it(`never hands out a token with ${MIN_REMAINING_MS / 60_000} minutes or less left: it has it refreshed and waits`, async () => {
      const { r, reader, refreshRequests } = await setup();
      storeNewToken(r, 'fake-token-nearly-expired', MIN_REMAINING_MS + 1);
      const cached = await reader.getComponentAccessToken();

      r.clock.advance(1);
      const replaced = await reader.getComponentAccessToken();

      expect(cached).toBe('fake-token-nearly-expired');
      expect(replaced).toBe(r.api.issued[0]);
      expect(refreshRequests).toEqual([{ action: 'refresh', reason: 'reader-miss' }]);
    });

    it('makes concurrent callers share one store read and one refresh request', async () => {
      const { r, reader, refreshRequests } = await setup();

      const tokens = await Promise.all(Array.from({ length: 20 }, () => reader.getComponentAccessToken()));

      expect(new Set(tokens)).toEqual(new Set([r.api.issued[0]]));
      expect(refreshRequests).toHaveLength(1);
      expect(opens(r)).toBe(1);
    });

    it('does not keep a failed load: the next call tries the store again', async () => {
      const { r, reader } = await setup();
      storeNewToken(r, 'fake-token-a');
      r.tokens.faults.failNext('loadSealed');

      const failed = await reader.getComponentAccessToken().catch((err: unknown) => err);
      const token = await reader.getComponentAccessToken();

      expect(failed).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });
      expect(token).toBe('fake-token-a');
    });

    it('throws REFRESH_FAILED at once, with the outcome, when the refresher cannot get a token', async () => {
      const r = fakeRefresher(); // no ticket
      const { reader, sleeper } = fakeTokenReader(r);

      const failed = await reader.getComponentAccessToken().catch((err: unknown) => err);

      expect(failed).toBeInstanceOf(ComponentTokenError);
      expect(failed).toMatchObject({ code: 'REFRESH_FAILED', refreshOutcome: { status: 'no-ticket', startPushTicket: 'called' } });
      expect(sleeper.waits).toEqual([]);
    });

    it(`throws TIMEOUT after ${MAX_WAIT_MS / 1000} s of polling while another refresh holds the lease and never finishes, asking again every 2 s`, async () => {
      const { r, reader, refreshRequests, sleeper } = await setup();
      await r.leases.acquire(); // a refresher that hangs for the whole lease

      const failed = await reader.getComponentAccessToken().catch((err: unknown) => err);

      expect(failed).toMatchObject({ name: 'ComponentTokenError', code: 'TIMEOUT', refreshOutcome: { status: 'busy' } });
      expect(sleeper.totalMs).toBe(MAX_WAIT_MS);
      expect(new Set(sleeper.waits)).toEqual(new Set([POLL_MS]));
      expect(refreshRequests).toHaveLength(8); // at 0, 2, 4, ... 14 s
    });

    it("takes over from a refresher that died holding the lease once the lease expires, within the reader's wait", async () => {
      const { r, reader, sleeper } = await setup();
      await r.leases.acquire();
      r.clock.advance(55_000); // the dead holder's lease ends in 5 s

      const token = await reader.getComponentAccessToken();

      expect(token).toBe(r.api.issued[0]);
      expect(sleeper.totalMs).toBeGreaterThanOrEqual(5_000);
      expect(sleeper.totalMs).toBeLessThan(MAX_WAIT_MS);
    });

    it('lets a failure to reach the refresher through as it is', async () => {
      const r = fakeRefresher();
      const unavailable = new ComponentTokenError('UNAVAILABLE', 'could not invoke the token refresher');
      const reader = createComponentTokenReader({ tokens: r.tokens, requestRefresh: () => Promise.reject(unavailable), now: r.clock.now });

      await expect(reader.getComponentAccessToken()).rejects.toBe(unavailable);
    });
  });

  describe('invalidate', () => {
    it('causes one refresh when 50 callers report the same stale token at once', async () => {
      const { r, reader, refreshRequests } = await setup();
      const stale = storeNewToken(r, 'fake-token-stale');
      await reader.getComponentAccessToken();
      r.clock.advance(61_000);

      await Promise.all(Array.from({ length: 50 }, () => reader.invalidate(stale)));

      expect(refreshRequests).toEqual([{ action: 'refresh', reason: 'invalidate', staleTokenSha256: sha256Hex(stale) }]);
      expect(await reader.getComponentAccessToken()).toBe(r.api.issued[0]);
      expect(r.api.issued).toHaveLength(1);
    });

    it('asks for nothing when the stored token has already been replaced, and drops the stale one from memory', async () => {
      const { r, reader, refreshRequests } = await setup();
      const stale = storeNewToken(r, 'fake-token-stale');
      await reader.getComponentAccessToken();
      storeNewToken(r, 'fake-token-new');

      await reader.invalidate(stale);
      const token = await reader.getComponentAccessToken();

      expect(refreshRequests).toEqual([]);
      expect(token).toBe('fake-token-new');
    });

    it('settles quietly when the refresher keeps a token too young to be stale, which is then handed out again', async () => {
      const { r, reader, refreshRequests } = await setup();
      const young = storeNewToken(r, 'fake-token-young');
      await reader.getComponentAccessToken();

      await reader.invalidate(young);
      const token = await reader.getComponentAccessToken();

      expect(refreshRequests).toHaveLength(1);
      expect(token).toBe(young);
    });
  });

  describe('withComponentAccessToken', () => {
    it('on 40001 invalidates the token and runs the call once more with the refreshed one', async () => {
      const { r, reader } = await setup();
      const stale = storeNewToken(r, 'fake-token-stale');
      r.clock.advance(61_000);
      const used: string[] = [];

      const result = await reader.withComponentAccessToken(async (token) => {
        used.push(token);
        if (token === stale) throw wechatErrcode('sns_component_access_token', 40001);
        return 'answered';
      });

      expect(result).toBe('answered');
      expect(used).toEqual([stale, r.api.issued[0]]);
    });

    it('gives up after one retry when the new token is refused too', async () => {
      const { r, reader } = await setup();
      storeNewToken(r, 'fake-token-stale');
      r.clock.advance(61_000);
      let calls = 0;

      const failed = await reader
        .withComponentAccessToken(async () => {
          calls++;
          throw wechatErrcode('sns_component_access_token', 42001);
        })
        .catch((err: unknown) => err);

      expect(failed).toMatchObject({ name: 'WechatApiError', errcode: 42001 });
      expect(calls).toBe(2);
    });

    it('does not retry any other error', async () => {
      const { r, reader, refreshRequests } = await setup();
      storeNewToken(r, 'fake-token-a');
      let calls = 0;

      const failed = await reader
        .withComponentAccessToken(async () => {
          calls++;
          throw wechatErrcode('sns_component_access_token', 40029);
        })
        .catch((err: unknown) => err);

      expect(failed).toMatchObject({ errcode: 40029 });
      expect(calls).toBe(1);
      expect(refreshRequests).toEqual([]);
    });
  });
});
