import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createPreAuthCodeRate } from '../../../shared/store/pre-auth-code-rate';
import { StoreError } from '../../../shared/store/store-errors';
import { preAuthCodeRatePk, SK } from '../../../shared/store/table-keys';
import { newComponentAppid, storeErrorOf, TABLE_NAME, useLocalTable } from './local-table';

describe('createPreAuthCodeRate', () => {
  const ctx = useLocalTable();

  const newRate = (perMinute = 3, componentAppid = ctx.componentAppid) =>
    createPreAuthCodeRate({ dynamo: ctx.local.dynamo, tableName: TABLE_NAME, componentAppid, perMinute, now: ctx.clock.now });
  const takeTimes = async (rate: ReturnType<typeof newRate>, times: number) => {
    const decisions = [];
    for (let i = 0; i < times; i++) decisions.push(await rate.take());
    return decisions.map((decision) => decision.allowed);
  };

  it('allows perMinute codes in a minute and refuses the next, saying how long until the next minute', async () => {
    const rate = newRate(3);
    ctx.clock.advance(20_500);

    const allowed = await takeTimes(rate, 3);
    const refused = await rate.take();

    expect(allowed).toEqual([true, true, true]);
    expect(refused).toEqual({ allowed: false, retryAfterSec: 40 });
  });

  it('starts afresh at the minute boundary, not 60 s after the first code', async () => {
    const rate = newRate(2);
    ctx.clock.advance(59_000);
    await takeTimes(rate, 2);

    ctx.clock.advance(999);
    const lastMillisecond = await rate.take();
    ctx.clock.advance(1);
    const nextMinute = await rate.take();

    expect(lastMillisecond).toEqual({ allowed: false, retryAfterSec: 1 });
    expect(nextMinute).toEqual({ allowed: true });
  });

  it('counts every container together: of many concurrent takes exactly perMinute are allowed', async () => {
    const rates = Array.from({ length: 5 }, () => newRate(20));

    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => rates[i % rates.length]!.take()));

    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(20);
  });

  it('keeps the callback counter apart from the pre-auth code counter of the same minute', async () => {
    await takeTimes(newRate(1), 2);
    const callbacks = createPreAuthCodeRate({
      dynamo: ctx.local.dynamo,
      tableName: TABLE_NAME,
      componentAppid: ctx.componentAppid,
      perMinute: 1,
      now: ctx.clock.now,
      counter: 'callbacks',
    });

    expect(await takeTimes(callbacks, 2)).toEqual([true, false]);
  });

  it('keeps components apart', async () => {
    await takeTimes(newRate(1), 2);

    expect((await newRate(1, newComponentAppid()).take()).allowed).toBe(true);
  });

  it('writes nothing for a refused take, and keeps a minute counter with a day-long ttl', async () => {
    const rate = newRate(2);
    await takeTimes(rate, 5);

    const item = (
      await ctx.local.dynamo.send(
        new GetCommand({
          TableName: TABLE_NAME,
          Key: { pk: preAuthCodeRatePk(ctx.componentAppid, ctx.clock.now()), sk: SK.preAuthCodes },
        }),
      )
    ).Item;

    expect(item).toMatchObject({ count: 2, ttl: ctx.clock.nowSec + 86_400 });
    expect(preAuthCodeRatePk(ctx.componentAppid, ctx.clock.now())).toBe(`PREAUTH_RATE#${ctx.componentAppid}#2026-11-28T00:00`);
  });

  it('throws UNAVAILABLE when DynamoDB fails, rather than allowing or refusing', async () => {
    const rate = createPreAuthCodeRate({
      dynamo: ctx.local.dynamo,
      tableName: 'no-such-table',
      componentAppid: ctx.componentAppid,
      perMinute: 3,
      now: ctx.clock.now,
    });

    const err = await storeErrorOf(rate.take());

    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe('UNAVAILABLE');
  });
});
