import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { partitionKey } from '../../../shared/contract';
import { sha256Hex } from '../../../shared/crypto/digests';
import { type CodeArrival, createAuthorizationCodeStore } from '../../../shared/store/authorization-code-store';
import { createDueWork } from '../../../shared/store/due-work';
import { createEnvelopeSealer } from '../../../shared/store/envelope-sealer';
import { TABLE_NAME, useLocalTable } from './local-table';

const CODE = 'queryauthcode@@@CANARY-code-one';
const SHA = sha256Hex(CODE);
const AUTHORIZER = 'wxaaaaaaaaaaaaaaa1';
const LEASE_MS = 60_000;

describe('createAuthorizationCodeStore', () => {
  const ctx = useLocalTable();

  const newStore = () =>
    createAuthorizationCodeStore({
      dynamo: ctx.local.dynamo,
      tableName: TABLE_NAME,
      componentAppid: ctx.componentAppid,
      envelopes: createEnvelopeSealer({ kms: ctx.local.kms, keyId: ctx.local.aws.kmsKeyId, componentAppid: ctx.componentAppid }),
      now: ctx.clock.now,
      leaseMs: LEASE_MS,
    });
  const fromPush = (overrides: Partial<CodeArrival> = {}): CodeArrival => ({
    code: CODE,
    source: 'push',
    authorizerAppid: AUTHORIZER,
    infoType: 'authorized',
    eventCreateTime: 1_795_000_000,
    codeExpiresAtMs: ctx.clock.now() + 3_600_000,
    ...overrides,
  });
  const fromCallback = (overrides: Partial<CodeArrival> = {}): CodeArrival => ({
    code: CODE,
    source: 'callback',
    eventCreateTime: Math.floor(ctx.clock.now() / 1000),
    codeExpiresAtMs: ctx.clock.now() + 3_600_000,
    ...overrides,
  });
  const due = () =>
    createDueWork({ dynamo: ctx.local.dynamo, tableName: TABLE_NAME, componentAppid: ctx.componentAppid }).page({ nowMs: ctx.clock.now() });

  it("creates the item on the first arrival, keyed by the code's sha256, the code sealed, due at once", async () => {
    const store = newStore();

    const { created, item } = await store.record(fromPush());

    expect(created).toBe(true);
    expect(item).toMatchObject({ codeSha256: SHA, status: 'pending', sources: ['push'], authorizerAppid: AUTHORIZER, attempts: 0 });
    const raw = (
      await ctx.local.dynamo.send(
        new GetCommand({ TableName: TABLE_NAME, Key: { pk: partitionKey('authorizationCodes', ctx.componentAppid, SHA), sk: 'AUTHCODE' } }),
      )
    ).Item;
    expect(JSON.stringify(raw)).not.toContain('CANARY');
    expect((await due()).work).toEqual([{ kind: 'exchange', codeSha256: SHA, dueAtMs: ctx.clock.now() }]);
  });

  it('merges a second arrival into the same item: both sources, the push naming the authorizer and its CreateTime', async () => {
    const store = newStore();
    await store.record(fromCallback());

    const { created, item } = await store.record(fromPush());

    expect(created).toBe(false);
    expect(item.sources.sort()).toEqual(['callback', 'push']);
    expect(item).toMatchObject({ authorizerAppid: AUTHORIZER, eventCreateTime: 1_795_000_000, infoType: 'authorized' });
  });

  it("keeps the push's CreateTime when the callback arrives after it", async () => {
    const store = newStore();
    await store.record(fromPush());

    const { item } = await store.record(fromCallback({ eventCreateTime: 1_795_000_500 }));

    expect(item.eventCreateTime).toBe(1_795_000_000);
  });

  it('lets exactly one of many concurrent claims in, and opens the code for it', async () => {
    const store = newStore();
    await store.record(fromPush());

    const claims = await Promise.all(Array.from({ length: 20 }, () => store.claim(SHA)));

    const winners = claims.filter((claim) => claim.claimed);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ code: CODE, maybeUsedBefore: false, item: { status: 'exchanging', attempts: 1 } });
  });

  it("lets the next claim in once a crashed attempt's lease expired, and says the code may be used", async () => {
    const store = newStore();
    await store.record(fromPush());
    await store.claim(SHA);

    const tooEarly = await store.claim(SHA);
    ctx.clock.advance(LEASE_MS);
    const after = await store.claim(SHA);

    expect(tooEarly.claimed).toBe(false);
    expect(after).toMatchObject({ claimed: true, maybeUsedBefore: true, item: { attempts: 2 } });
  });

  it('knows a retried attempt left the code unused when the last one was not sent', async () => {
    const store = newStore();
    await store.record(fromPush());
    const first = await store.claim(SHA);
    if (!first.claimed) throw new Error('no claim');
    await store.retryLater({ codeSha256: SHA, holder: first.holder, retryAtMs: ctx.clock.now() + 60_000, notSent: true, errcode: -1 });

    ctx.clock.advance(60_000);
    const second = await store.claim(SHA);

    expect(second).toMatchObject({ claimed: true, maybeUsedBefore: false });
  });

  it('finishes once: only its holder, and a finished code is never claimed or due again', async () => {
    const store = newStore();
    await store.record(fromPush());
    const claim = await store.claim(SHA);
    if (!claim.claimed) throw new Error('no claim');

    expect(await store.finish({ codeSha256: SHA, holder: 'someone else', status: 'exchanged', outcome: 'exchanged' })).toBe(false);
    expect(await store.finish({ codeSha256: SHA, holder: claim.holder, status: 'exchanged', outcome: 'exchanged' })).toBe(true);
    ctx.clock.advance(LEASE_MS * 10);
    expect((await store.claim(SHA)).claimed).toBe(false);
    expect((await due()).work).toEqual([]);
    expect((await store.record(fromCallback())).item.status).toBe('exchanged');
  });

  it('reopens a code lost while waiting for its push, once the push names the authorizer', async () => {
    const store = newStore();
    await store.record(fromCallback());
    const claim = await store.claim(SHA);
    if (!claim.claimed) throw new Error('no claim');
    await store.finish({ codeSha256: SHA, holder: claim.holder, status: 'lost', outcome: 'awaiting-push' });

    const { item } = await store.record(fromPush());

    expect(item).toMatchObject({ status: 'pending', authorizerAppid: AUTHORIZER });
    expect((await due()).work).toHaveLength(1);
  });

  it('keeps a code lost for another reason lost when its push comes again', async () => {
    const store = newStore();
    await store.record(fromPush());
    const claim = await store.claim(SHA);
    if (!claim.claimed) throw new Error('no claim');
    await store.finish({ codeSha256: SHA, holder: claim.holder, status: 'lost', outcome: 'api_get_authorizer_info errcode 61003' });

    const { item } = await store.record(fromPush());

    expect(item).toMatchObject({ status: 'lost', outcome: 'api_get_authorizer_info errcode 61003' });
    expect((await due()).work).toHaveLength(0);
  });
});
