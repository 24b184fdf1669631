import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/crypto/digests';
import { createAuthorizationCodeStore } from '../../../shared/store/authorization-code-store';
import { createAuthorizationEventStore } from '../../../shared/store/authorization-event-store';
import { createAuthorizerStore } from '../../../shared/store/authorizer-store';
import { createEnvelopeSealer } from '../../../shared/store/envelope-sealer';
import { createPushAuditLog } from '../../../shared/store/push-audit-log';
import { createRefreshGuards } from '../../../shared/store/refresh-guards';
import { createRefreshLeases } from '../../../shared/store/refresh-lease';
import { createTicketStore } from '../../../shared/store/ticket-store';
import { createTokenStore } from '../../../shared/store/token-store';
import { TABLE_NAME, useLocalTable } from './local-table';

const AUTHORIZER = 'wxaaaaaaaaaaaaaaaa';
const CREATE_TIME = 1_795_000_000;

/**
 * Where each item of the push receiver and the refresher lands, spelled out as in the README's table design: the
 * partitions are what IAM (dynamodb:LeadingKeys) confines each role to, so a store writing elsewhere breaks a grant.
 */
describe('table layout', () => {
  const ctx = useLocalTable();

  it('puts ticket, token, refresh state, each authorizer, each authorization code, events and audit records in their own partitions', async () => {
    const c = ctx.componentAppid;
    const base = { dynamo: ctx.local.dynamo, tableName: TABLE_NAME, componentAppid: c, now: ctx.clock.now };
    const sealer = ctx.newSealer();

    await createTicketStore({ ...base, sealer }).save({
      componentVerifyTicket: 'ticket@@@CANARY',
      createTime: CREATE_TIME,
      receivedAtMs: ctx.clock.now(),
    });
    await createTokenStore({ ...base, sealer }).save({
      componentAccessToken: 'CANARY-token',
      expiresAtMs: ctx.clock.now() + 7_200_000,
      fetchedAtMs: ctx.clock.now(),
      expectedVersion: 0,
    });
    await createRefreshLeases({ ...base, leaseDurationMs: 60_000 }).acquire();
    const guards = createRefreshGuards(base);
    await guards.setBackoff({ errcode: 45009, untilMs: ctx.clock.now() + 60_000 });
    await guards.claimStartPushTicket(600_000);
    const envelopes = createEnvelopeSealer({ kms: ctx.local.kms, keyId: ctx.local.aws.kmsKeyId, componentAppid: c });
    await createAuthorizationEventStore({ ...base, envelopes }).record({
      infoType: 'authorized',
      createTime: CREATE_TIME,
      authorizerAppid: AUTHORIZER,
      fields: { InfoType: 'authorized' },
    });
    await createAuthorizerStore({ ...base, envelopes, refreshMarginMs: 600_000, leaseMs: 60_000 }).revoke({
      authorizerAppid: AUTHORIZER,
      eventCreateTime: CREATE_TIME,
    });
    await createAuthorizationCodeStore({ ...base, envelopes, leaseMs: 60_000 }).record({
      code: 'queryauthcode@@@CANARY',
      source: 'push',
      authorizerAppid: AUTHORIZER,
      eventCreateTime: CREATE_TIME,
      codeExpiresAtMs: ctx.clock.now() + 3_600_000,
    });
    await createPushAuditLog(base).record({
      infoType: 'authorized',
      createTime: CREATE_TIME,
      receivedAtMs: ctx.clock.now(),
      outcome: 'recorded',
    });

    const items = (await ctx.local.dynamo.send(new ScanCommand({ TableName: TABLE_NAME, ConsistentRead: true }))).Items ?? [];
    const keys = items.filter((item) => String(item.pk).includes(c)).map((item) => `${String(item.pk)} | ${String(item.sk)}`);

    // Sorted, so the partitions read alphabetically.
    expect(keys.sort()).toEqual([
      expect.stringMatching(new RegExp(`^AUDIT#${c}#2026-11-28 \\| 2026-11-28T00:00:00\\.000Z#[0-9a-f]{8}$`)),
      `AUTHCODE#${c}#${sha256Hex('queryauthcode@@@CANARY')} | AUTHCODE`,
      `AUTHORIZER#${c}#${AUTHORIZER} | AUTHORIZER`,
      expect.stringMatching(new RegExp(`^EVENTS#${c} \\| EVENT#${AUTHORIZER}#${CREATE_TIME}#authorized#[0-9a-f]{16}$`)),
      `REFRESH#${c} | BACKOFF`,
      `REFRESH#${c} | LEASE`,
      `REFRESH#${c} | START_PUSH_TICKET`,
      `TICKET#${c} | TICKET`,
      `TOKEN#${c} | TOKEN`,
    ]);
  });
});
