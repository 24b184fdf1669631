import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from '../crypto/digests';
import { type EnvelopeSealer, readSealedEnvelope } from './envelope-sealer';
import { isConditionalCheckFailed, storeUnavailable } from './store-errors';
import { authorizationCodePk, dueIndexKey, SK, ttlAfterDays } from './table-keys';
import { updateExpression, withCondition } from './update-expression';

/**
 * One item per authorization code (pk `AUTHCODE#{c}#{sha256(code)}`): what makes its exchange happen exactly once
 * although WeChat hands the same code twice (the consent redirect and the `authorized` push), pushes are redelivered,
 * and workers crash. Whichever arrival comes first creates the item; a claim (a conditional write) gives one worker
 * at a time the right to call api_query_auth, and the attempt count says whether an earlier attempt may already have
 * used the code up (then WeChat's 61009 means "recover the refresh token", not "bad code").
 *
 *   pending --claim--> exchanging --success--> exchanged
 *      ^                   |  \--61009/61010 on a first attempt, other errcodes--> refused
 *      |                   |--timeout, -1 (lease kept until the retry time)--> exchanging (claimable again later)
 *      |                   \--61009 after an attempt that may have used it, appid unknown--> lost (awaiting the push)
 *      \------------------------------------ the push arrives for a lost code
 */

export type CodeStatus = 'pending' | 'exchanging' | 'exchanged' | 'refused' | 'lost';
export type CodeSource = 'push' | 'callback';

export interface StoredCode {
  codeSha256: string;
  status: CodeStatus;
  sources: CodeSource[];
  authorizerAppid?: string;
  infoType?: string;
  /** CreateTime of the push (unix s), or the callback's arrival time until the push is seen. */
  eventCreateTime: number;
  codeExpiresAtMs: number;
  /** Exchange attempts started (each may have reached WeChat). */
  attempts: number;
  /** The last attempt is known not to have used the code (WeChat answered -1, or nothing was sent). */
  lastAttemptNotSent: boolean;
  lastErrcode?: number;
  outcome?: string;
  lease?: { holder: string; untilMs: number };
}

export interface CodeArrival {
  code: string;
  source: CodeSource;
  authorizerAppid?: string;
  infoType?: string;
  eventCreateTime: number;
  codeExpiresAtMs: number;
}

export type ClaimResult =
  | { claimed: true; holder: string; code: string; item: StoredCode; maybeUsedBefore: boolean }
  | { claimed: false; item: StoredCode | null };

/** The outcome of a code used by a lost attempt while nobody knew its authorizer: the push, naming it, re-opens the code. */
export const AWAITING_PUSH = 'awaiting-push';

// Codes expire within hours; the record stays a month for the audit trail, as authorization events do.
const TTL_DAYS = 30;
const LEASE_ATTRIBUTES = ['leaseHolder', 'leaseUntilMs'] as const;

export function createAuthorizationCodeStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  envelopes: EnvelopeSealer;
  now: () => number;
  /** How long one exchange attempt may hold the claim (longer than an api_query_auth attempt). */
  leaseMs: number;
}) {
  const { dynamo, tableName, componentAppid, now } = input;
  const key = (codeSha256: string) => ({ pk: authorizationCodePk(componentAppid, codeSha256), sk: SK.authorizationCode });
  const dueKey = dueIndexKey(componentAppid);

  const update = async (params: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>, what: string) => {
    try {
      return await dynamo.send(new UpdateCommand({ TableName: tableName, ...params }));
    } catch (err) {
      if (isConditionalCheckFailed(err)) return null;
      throw storeUnavailable(`UpdateItem ${what}`, err);
    }
  };

  const get = async (codeSha256: string): Promise<StoredCode | null> => {
    try {
      const item = (await dynamo.send(new GetCommand({ TableName: tableName, Key: key(codeSha256), ConsistentRead: true }))).Item;
      return item ? toStored(item) : null;
    } catch (err) {
      throw storeUnavailable('GetItem authorization code', err);
    }
  };

  return {
    get,

    /**
     * An arrival of a code (the push or the callback). The first creates the item, due at once; later ones add what
     * they know (the push names the authorizer and its CreateTime, which wins over a callback's arrival time), and
     * the push re-opens a code that was waiting for it. Returns the item as it now is.
     */
    async record(arrival: CodeArrival): Promise<{ created: boolean; item: StoredCode }> {
      const codeSha256 = sha256Hex(arrival.code);
      const nowMs = now();
      const sealed = await input.envelopes.seal('authorization_code', arrival.code, codeSha256);
      try {
        await dynamo.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...key(codeSha256),
              codeSha256,
              code: sealed,
              status: 'pending',
              sources: new Set([arrival.source]),
              eventCreateTime: arrival.eventCreateTime,
              codeExpiresAtMs: arrival.codeExpiresAtMs,
              receivedAtMs: nowMs,
              attempts: 0,
              lastAttemptNotSent: false,
              dueKey,
              dueAtMs: nowMs,
              ttl: ttlAfterDays(nowMs, TTL_DAYS),
              ...(arrival.authorizerAppid ? { authorizerAppid: arrival.authorizerAppid } : {}),
              ...(arrival.infoType ? { infoType: arrival.infoType } : {}),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { created: true, item: (await get(codeSha256))! };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw storeUnavailable('PutItem authorization code', err);
      }
      // Known already: add this arrival's source, and what only the push knows.
      const fromPush = arrival.source === 'push';
      const names: Record<string, string> = { '#sources': 'sources' };
      const values: Record<string, unknown> = { ':source': new Set([arrival.source]) };
      const sets: string[] = [];
      if (arrival.authorizerAppid) {
        sets.push('#appid = :appid');
        names['#appid'] = 'authorizerAppid';
        values[':appid'] = arrival.authorizerAppid;
      }
      if (fromPush) {
        sets.push('#event = :event');
        names['#event'] = 'eventCreateTime';
        values[':event'] = arrival.eventCreateTime;
        if (arrival.infoType) {
          sets.push('#type = :type');
          names['#type'] = 'infoType';
          values[':type'] = arrival.infoType;
        }
      }
      const out = await update(
        {
          Key: key(codeSha256),
          UpdateExpression: `ADD #sources :source${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        },
        'authorization code arrival',
      );
      let item = toStored(out?.Attributes ?? {});
      if (item.status === 'lost' && item.outcome === AWAITING_PUSH && item.authorizerAppid) {
        // It was waiting for the push to name its authorizer: now the worker can recover it. A code lost for any other
        // reason stays lost, however often WeChat delivers its push again.
        const reopened = await update(
          {
            Key: key(codeSha256),
            ...withCondition(updateExpression({ set: { status: 'pending', dueKey, dueAtMs: nowMs } }), {
              expression: '#c_status = :c_lost AND #c_outcome = :c_awaiting',
              names: { '#c_status': 'status', '#c_outcome': 'outcome' },
              values: { ':c_lost': 'lost', ':c_awaiting': AWAITING_PUSH },
            }),
            ReturnValues: 'ALL_NEW',
          },
          'authorization code reopen',
        );
        if (reopened?.Attributes) item = toStored(reopened.Attributes);
      }
      return { created: false, item };
    },

    /**
     * Gives one worker the right to exchange the code: it must be pending, or exchanging under a lease that expired
     * (a crashed or retrying attempt). `maybeUsedBefore` is true when an earlier attempt started and is not known to
     * have left the code unused.
     */
    async claim(codeSha256: string): Promise<ClaimResult> {
      const nowMs = now();
      const holder = randomUUID();
      const leaseUntilMs = nowMs + input.leaseMs;
      try {
        const out = await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(codeSha256),
            UpdateExpression: 'SET #status = :exchanging, #holder = :holder, #lease = :lease, #due = :lease, #attempts = #attempts + :one',
            ConditionExpression: '#status = :pending OR (#status = :exchanging AND #lease <= :now)',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#holder': 'leaseHolder',
              '#lease': 'leaseUntilMs',
              '#due': 'dueAtMs',
              '#attempts': 'attempts',
            },
            ExpressionAttributeValues: {
              ':exchanging': 'exchanging',
              ':pending': 'pending',
              ':holder': holder,
              ':lease': leaseUntilMs,
              ':now': nowMs,
              ':one': 1,
            },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const before = toStored(out.Attributes ?? {});
        const code = await input.envelopes.open(
          'authorization_code',
          readSealedEnvelope(out.Attributes?.code, 'authorization_code'),
          codeSha256,
        );
        return {
          claimed: true,
          holder,
          code,
          item: { ...before, status: 'exchanging', attempts: before.attempts + 1, lease: { holder, untilMs: leaseUntilMs } },
          maybeUsedBefore: before.attempts > 0 && !before.lastAttemptNotSent,
        };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw storeUnavailable('UpdateItem authorization code claim', err);
        return { claimed: false, item: await get(codeSha256) };
      }
    },

    /**
     * Ends the code's life: exchanged (naming the authorizer WeChat answered for, so a later look at the code, such as
     * a reloaded callback page, can say which account it authorized), refused (with WeChat's errcode) or lost (waiting
     * for the push). Holder only.
     */
    async finish(end: {
      codeSha256: string;
      holder: string;
      status: 'exchanged' | 'refused' | 'lost';
      outcome: string;
      errcode?: number;
      authorizerAppid?: string;
    }): Promise<boolean> {
      const parts = updateExpression({
        set: {
          status: end.status,
          outcome: end.outcome,
          finishedAtMs: now(),
          lastErrcode: end.errcode,
          authorizerAppid: end.authorizerAppid,
        },
        remove: [...LEASE_ATTRIBUTES, 'dueKey', 'dueAtMs'],
      });
      const out = await update(
        { Key: key(end.codeSha256), ...withCondition(parts, holderCondition(end.holder)) },
        'authorization code end',
      );
      return out !== null;
    },

    /** Records what WeChat answered the current attempt, keeping the claim. */
    async noteErrcode(note: { codeSha256: string; holder: string; errcode: number }): Promise<void> {
      await update(
        {
          Key: key(note.codeSha256),
          ...withCondition(updateExpression({ set: { lastErrcode: note.errcode } }), holderCondition(note.holder)),
        },
        'authorization code errcode',
      );
    },

    /**
     * Another attempt later (WeChat busy, a timeout): the claim is kept until `retryAtMs`, so nobody retries sooner,
     * and `notSent` records whether this attempt certainly left the code unused.
     */
    async retryLater(retry: { codeSha256: string; holder: string; retryAtMs: number; notSent: boolean; errcode?: number }): Promise<void> {
      const parts = updateExpression({
        set: { leaseUntilMs: retry.retryAtMs, dueAtMs: retry.retryAtMs, lastAttemptNotSent: retry.notSent, lastErrcode: retry.errcode },
      });
      await update({ Key: key(retry.codeSha256), ...withCondition(parts, holderCondition(retry.holder)) }, 'authorization code retry');
    },
  };
}

function holderCondition(holder: string) {
  return { expression: '#c_holder = :c_holder', names: { '#c_holder': 'leaseHolder' }, values: { ':c_holder': holder } };
}

function toStored(item: Record<string, unknown>): StoredCode {
  const sources = item.sources instanceof Set ? [...item.sources] : Array.isArray(item.sources) ? item.sources : [];
  return {
    codeSha256: String(item.codeSha256),
    status: item.status as CodeStatus,
    sources: sources.map(String) as CodeSource[],
    eventCreateTime: Number(item.eventCreateTime ?? 0),
    codeExpiresAtMs: Number(item.codeExpiresAtMs ?? 0),
    attempts: Number(item.attempts ?? 0),
    lastAttemptNotSent: item.lastAttemptNotSent === true,
    ...(typeof item.authorizerAppid === 'string' ? { authorizerAppid: item.authorizerAppid } : {}),
    ...(typeof item.infoType === 'string' ? { infoType: item.infoType } : {}),
    ...(item.lastErrcode !== undefined ? { lastErrcode: Number(item.lastErrcode) } : {}),
    ...(typeof item.outcome === 'string' ? { outcome: item.outcome } : {}),
    ...(item.leaseHolder !== undefined ? { lease: { holder: String(item.leaseHolder), untilMs: Number(item.leaseUntilMs) } } : {}),
  };
}

export type AuthorizationCodeStore = ReturnType<typeof createAuthorizationCodeStore>;
