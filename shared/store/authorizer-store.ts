import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandOutput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { partitionKey, TABLE_INDEXES } from '../contract';
import { sha256Hex } from '../crypto/digests';
import type { AuthorizerProfile } from '../wechat/authorizer-api';
import { type EnvelopeSealer, readSealedEnvelope, type SealedEnvelope } from './envelope-sealer';
import { isConditionalCheckFailed, StoreError, storeUnavailable } from './store-errors';
import { authorizerPk, authorizerStatusIndexKey, dueIndexKey, SK } from './table-keys';
import { updateExpression, withCondition } from './update-expression';

/**
 * One item per authorizer (pk `AUTHORIZER#{c}#{a}`) holds its status, profile, refresh token and access token, so
 * each change is one conditional write (dynalite has no transactions, and "the refresh token comes with the access
 * token" is a single write by construction). Rules this store enforces, whatever its callers do:
 * - a refresh token is never written empty, and replacing one keeps the previous one (sealed) for a rollback;
 * - status never goes backwards: each write names the authorization event time it comes from, and loses to a newer one;
 * - the access token is replaced only by the holder of the refresh lease, naming the version it replaces.
 */

export type AuthorizerStatusName = 'authorized' | 'revoked' | 'needs_reauth';
export const AUTHORIZER_STATUSES: readonly AuthorizerStatusName[] = ['authorized', 'revoked', 'needs_reauth'];

/** A sealed secret and its sha256, which lets it be compared without opening it. */
export interface SealedSecret {
  envelope: SealedEnvelope;
  sha256: string;
}

export interface StoredAccessToken extends SealedSecret {
  expiresAtMs: number;
  fetchedAtMs: number;
}

export interface StoredAuthorizer {
  authorizerAppid: string;
  status: AuthorizerStatusName;
  /** CreateTime (unix s) of the newest authorization event applied: what keeps status from going backwards. */
  lastEventCreateTime: number;
  /** +1 on every token write; a token write names the version it replaces. */
  version: number;
  funcInfo: number[];
  profile?: AuthorizerProfile;
  authorizedAtMs?: number;
  revokedAtMs?: number;
  updatedAtMs: number;
  reauthReason?: string;
  refreshToken?: SealedSecret;
  previousRefreshToken?: SealedSecret;
  accessToken?: StoredAccessToken;
  lease?: { holder: string; untilMs: number };
  backoff?: { untilMs: number; errcode: number };
  /** Refresh attempts in a row that failed and were retried later (-1, timeouts): the next retry waits longer. */
  refreshFailures?: number;
  /** When the next scheduled refresh is due (in the `due` index only while authorized). */
  dueAtMs?: number;
}

/** What an access-token reader may see of an authorizer (its IAM grant allows these attributes only). */
export interface ReaderView {
  status: AuthorizerStatusName;
  version: number;
  accessToken?: StoredAccessToken;
}

/** Why a refresh lease is asked for; each has its own rule for when a refresh is worth WeChat quota. */
export type RefreshReason = 'schedule' | 'reader-miss' | 'invalidate' | 'operator';

export type LeaseResult = { acquired: true; holder: string; item: StoredAuthorizer } | { acquired: false; item: StoredAuthorizer | null };

/** Attributes an access-token reader reads (and is allowed to read): contract of grantReadAuthorizerTokens. */
export const READER_ATTRIBUTES = ['status', 'version', 'accessToken', 'accessTokenSha256', 'expiresAtMs', 'fetchedAtMs'] as const;
const ACCESS_TOKEN_ATTRIBUTES = ['accessToken', 'accessTokenSha256', 'expiresAtMs', 'fetchedAtMs'] as const;
const DUE_ATTRIBUTES = ['dueKey', 'dueAtMs'] as const;
const LEASE_ATTRIBUTES = ['leaseHolder', 'leaseUntilMs'] as const;
// What failed refreshes leave behind; a successful refresh or a new authorization clears it.
const BACKOFF_ATTRIBUTES = ['backoffUntilMs', 'backoffErrcode', 'refreshFailures'] as const;

export interface AuthorizerStoreInput {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  /** Seals tokens; give it a data-key cache, thousands of tokens are sealed a day. */
  envelopes: EnvelopeSealer;
  now: () => number;
  /** Refresh this long before the access token expires. */
  refreshMarginMs: number;
  /** How long a refresh lease holds. */
  leaseMs: number;
}

export function createAuthorizerStore(input: AuthorizerStoreInput) {
  const { dynamo, tableName, componentAppid, envelopes, now } = input;
  const key = (authorizerAppid: string) => ({ pk: authorizerPk(componentAppid, authorizerAppid), sk: SK.authorizer });
  const dueKey = dueIndexKey(componentAppid);
  const statusKey = (status: AuthorizerStatusName) => authorizerStatusIndexKey(componentAppid, status);
  // The envelope is bound to its item and slot, so a sealed token copied to another authorizer or slot does not open.
  const binding = (authorizerAppid: string, slot: 'access' | 'refresh') => `${authorizerAppid}#${slot}`;

  const seal = async (authorizerAppid: string, slot: 'access' | 'refresh', value: string): Promise<SealedSecret> => {
    if (value.trim() === '') throw new StoreError('INVALID_VALUE', `an empty ${slot} token is never stored`);
    const purpose = slot === 'access' ? 'authorizer_access_token' : 'authorizer_refresh_token';
    return { envelope: await envelopes.seal(purpose, value, binding(authorizerAppid, slot)), sha256: sha256Hex(value) };
  };

  const update = async (params: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>, what: string) => {
    try {
      return await dynamo.send(new UpdateCommand({ TableName: tableName, ...params }));
    } catch (err) {
      if (isConditionalCheckFailed(err)) return null;
      throw storeUnavailable(`UpdateItem ${what}`, err);
    }
  };

  const get = async (authorizerAppid: string, projection?: readonly string[]): Promise<Record<string, unknown> | undefined> => {
    try {
      const out = await dynamo.send(
        new GetCommand({
          TableName: tableName,
          Key: key(authorizerAppid),
          ConsistentRead: true,
          ...(projection
            ? {
                ProjectionExpression: projection.map((_, i) => `#p${i}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(projection.map((name, i) => [`#p${i}`, name])),
              }
            : {}),
        }),
      );
      return out.Item;
    } catch (err) {
      throw storeUnavailable('GetItem authorizer', err);
    }
  };

  /** Queries one partition of an index page by page (never a Scan), handing each page to `onPage`. */
  const indexPages = async (
    what: string,
    index: { indexName: string; partitionKey: { name: string } },
    partition: string,
    extra: { Select?: 'COUNT'; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> },
    onPage: (page: QueryCommandOutput) => void,
  ): Promise<void> => {
    let startKey: Record<string, unknown> | undefined;
    do {
      let page: QueryCommandOutput;
      try {
        page = await dynamo.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index.indexName,
            KeyConditionExpression: '#k = :k',
            ...extra,
            ExpressionAttributeNames: { '#k': index.partitionKey.name, ...extra.ExpressionAttributeNames },
            ExpressionAttributeValues: { ':k': partition },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      } catch (err) {
        throw storeUnavailable(what, err);
      }
      onPage(page);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  };

  /** SET/REMOVE of the due index for a status: only authorized authorizers are ever due. */
  const dueFields = (status: AuthorizerStatusName, dueAtMs: number) =>
    status === 'authorized' ? { set: { dueKey, dueAtMs }, remove: [] as string[] } : { set: {}, remove: [...DUE_ATTRIBUTES] };

  const store = {
    /** The whole item (consistent read), for the worker; null when the authorizer is unknown. */
    async get(authorizerAppid: string): Promise<StoredAuthorizer | null> {
      const item = await get(authorizerAppid);
      return item ? toStored(item) : null;
    },

    /** Status only: what h5-oauth needs to accept or refuse an official account. */
    async getStatus(authorizerAppid: string): Promise<{ status: AuthorizerStatusName; lastEventCreateTime: number } | null> {
      const item = await get(authorizerAppid, ['status', 'lastEventCreateTime']);
      return item ? { status: item.status as AuthorizerStatusName, lastEventCreateTime: Number(item.lastEventCreateTime) } : null;
    },

    /** The reader's view: status and the sealed access token, nothing else (its IAM grant names these attributes). */
    async getReaderView(authorizerAppid: string): Promise<ReaderView | null> {
      const item = await get(authorizerAppid, READER_ATTRIBUTES);
      if (!item) return null;
      return { status: item.status as AuthorizerStatusName, version: Number(item.version ?? 0), ...accessTokenOf(item) };
    },

    /** Opens a sealed access token of this authorizer. */
    openAccessToken(authorizerAppid: string, token: SealedSecret): Promise<string> {
      return envelopes.open('authorizer_access_token', token.envelope, binding(authorizerAppid, 'access'));
    },

    /** Opens a sealed refresh token of this authorizer (the worker only). */
    openRefreshToken(authorizerAppid: string, token: SealedSecret): Promise<string> {
      return envelopes.open('authorizer_refresh_token', token.envelope, binding(authorizerAppid, 'refresh'));
    },

    /**
     * Records a completed authorization (an exchanged code, or a refresh token recovered for one): status authorized,
     * the new refresh token (the one it replaces kept as previous), the access token when there is one (else the
     * authorizer is due at `firstDueAtMs`, by default at once), and the permissions. Loses, changing nothing, to a
     * newer event already applied ('not-newer'). `read` is the item as the caller just read it, which saves reading it
     * again.
     */
    async applyAuthorization(
      authorization: {
        authorizerAppid: string;
        eventCreateTime: number;
        refreshToken: string;
        accessToken?: { token: string; expiresInSec: number; fetchedAtMs: number };
        funcInfo: number[];
        profile?: AuthorizerProfile;
        firstDueAtMs?: number;
      },
      read?: { current: StoredAuthorizer | null },
    ): Promise<'applied' | 'not-newer'> {
      const { authorizerAppid } = authorization;
      const refreshSha = sha256Hex(authorization.refreshToken);
      const sealedRefresh = await seal(authorizerAppid, 'refresh', authorization.refreshToken);
      const sealedAccess = authorization.accessToken ? await seal(authorizerAppid, 'access', authorization.accessToken.token) : undefined;
      /** The write of an authorization that is new here: status, tokens, due time, and a fresh start of its refreshes. */
      const newAuthorization = (current: StoredAuthorizer | null, nowMs: number, lastEventCreateTime: number) => {
        const replaced = current?.refreshToken && current.refreshToken.sha256 !== refreshSha ? current.refreshToken : undefined;
        const expiresAtMs = authorization.accessToken
          ? authorization.accessToken.fetchedAtMs + authorization.accessToken.expiresInSec * 1000
          : undefined;
        const due = dueFields(
          'authorized',
          expiresAtMs === undefined ? (authorization.firstDueAtMs ?? nowMs) : expiresAtMs - input.refreshMarginMs,
        );
        return updateExpression({
          set: {
            authorizerAppid,
            status: 'authorized',
            statusKey: statusKey('authorized'),
            lastEventCreateTime,
            version: (current?.version ?? 0) + 1,
            funcInfo: authorization.funcInfo,
            profile: authorization.profile,
            authorizedAtMs: nowMs,
            updatedAtMs: nowMs,
            ...(current?.refreshToken?.sha256 === refreshSha
              ? {}
              : { refreshToken: sealedRefresh.envelope, refreshTokenSha256: refreshSha }),
            ...(replaced ? { previousRefreshToken: replaced.envelope, previousRefreshTokenSha256: replaced.sha256 } : {}),
            ...(sealedAccess && expiresAtMs !== undefined
              ? {
                  accessToken: sealedAccess.envelope,
                  accessTokenSha256: sealedAccess.sha256,
                  expiresAtMs,
                  fetchedAtMs: authorization.accessToken!.fetchedAtMs,
                }
              : {}),
            ...due.set,
          },
          remove: [
            ...LEASE_ATTRIBUTES,
            ...BACKOFF_ATTRIBUTES,
            'reauthReason',
            'revokedAtMs',
            ...(sealedAccess ? [] : ACCESS_TOKEN_ATTRIBUTES),
          ],
        });
      };
      // Optimistic: read, then write naming what was read; a concurrent write (a refresh, a revocation) means read again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = attempt === 0 && read ? read.current : await store.get(authorizerAppid);
        if (current && current.lastEventCreateTime > authorization.eventCreateTime) return 'not-newer';
        // Same second as a revocation: their order is unknown, and the revocation wins (see revoke). The same second as
        // an authorization is the same event applied again (a retried exchange), which must land.
        if (current?.status === 'revoked' && current.lastEventCreateTime === authorization.eventCreateTime) return 'not-newer';
        const nowMs = now();
        const lastEventCreateTime = Math.max(authorization.eventCreateTime, current?.lastEventCreateTime ?? 0);
        // The authorization already stored, applied again without a token of its own (an exchange retry recovering
        // what a lost attempt stored): its tokens, due time and any refresh under way stay as they are.
        const parts =
          current?.status === 'authorized' && current.refreshToken?.sha256 === refreshSha && !sealedAccess
            ? updateExpression({
                set: { lastEventCreateTime, funcInfo: authorization.funcInfo, profile: authorization.profile, updatedAtMs: nowMs },
              })
            : newAuthorization(current, nowMs, lastEventCreateTime);
        const written = await update(
          {
            Key: key(authorizerAppid),
            ...withCondition(
              parts,
              current
                ? { expression: '#c_version = :c_version', names: { '#c_version': 'version' }, values: { ':c_version': current.version } }
                : { expression: 'attribute_not_exists(pk)' },
            ),
          },
          'authorizer authorization',
        );
        if (written) return 'applied';
      }
      throw new StoreError('VERSION_CONFLICT', 'the authorizer kept changing while an authorization was being applied');
    },

    /**
     * An `unauthorized` event: status revoked, the access token removed (readers refuse it at their next look) and no
     * more refreshes. The refresh tokens stay, sealed: useless now, kept for the record. Loses to a newer event; wins
     * over an authorization of the same second (CreateTime has whole seconds, so their order is unknown: fail closed).
     */
    async revoke(revocation: { authorizerAppid: string; eventCreateTime: number }): Promise<'revoked' | 'not-newer'> {
      const nowMs = now();
      const parts = updateExpression({
        set: {
          authorizerAppid: revocation.authorizerAppid,
          status: 'revoked',
          statusKey: statusKey('revoked'),
          lastEventCreateTime: revocation.eventCreateTime,
          revokedAtMs: nowMs,
          updatedAtMs: nowMs,
        },
        remove: [...ACCESS_TOKEN_ATTRIBUTES, ...DUE_ATTRIBUTES, ...LEASE_ATTRIBUTES],
      });
      const condition = {
        expression: 'attribute_not_exists(pk) OR #c_event < :c_event OR (#c_event = :c_event AND #c_status <> :c_revoked)',
        names: { '#c_event': 'lastEventCreateTime', '#c_status': 'status' },
        values: { ':c_event': revocation.eventCreateTime, ':c_revoked': 'revoked' },
      };
      const written = await update({ Key: key(revocation.authorizerAppid), ...withCondition(parts, condition) }, 'authorizer revocation');
      return written ? 'revoked' : 'not-newer';
    },

    /**
     * Takes the authorizer's refresh lease if a refresh is worth it now: authorized, no unexpired lease, no backoff
     * (an operator may skip it), and, by reason: due (schedule), no token with `minRemainingMs` left (reader-miss), or
     * the stored token is the stale one reported and older than `minTokenAgeMs` (invalidate). Returns the item either way.
     */
    async acquireLease(request: {
      authorizerAppid: string;
      reason: RefreshReason;
      staleTokenSha256?: string;
      minRemainingMs?: number;
      minTokenAgeMs?: number;
    }): Promise<LeaseResult> {
      const nowMs = now();
      const holder = randomUUID();
      const clauses = ['#c_status = :c_authorized', '(attribute_not_exists(#c_lease) OR #c_lease <= :c_now)'];
      const names: Record<string, string> = { '#c_status': 'status', '#c_lease': 'leaseUntilMs' };
      const values: Record<string, unknown> = { ':c_authorized': 'authorized', ':c_now': nowMs };
      if (request.reason !== 'operator') {
        clauses.push('(attribute_not_exists(#c_backoff) OR #c_backoff <= :c_now)');
        names['#c_backoff'] = 'backoffUntilMs';
      }
      names['#c_expires'] = 'expiresAtMs';
      if (request.reason === 'schedule') {
        clauses.push('#c_due <= :c_now');
        names['#c_due'] = 'dueAtMs';
      } else if (request.reason === 'reader-miss') {
        clauses.push('(attribute_not_exists(#c_expires) OR #c_expires <= :c_usable)');
        values[':c_usable'] = nowMs + (request.minRemainingMs ?? 0);
      } else if (request.reason === 'invalidate') {
        clauses.push('(attribute_not_exists(#c_sha) OR (#c_sha = :c_stale AND #c_fetched <= :c_old_enough))');
        Object.assign(names, { '#c_sha': 'accessTokenSha256', '#c_fetched': 'fetchedAtMs' });
        Object.assign(values, { ':c_stale': request.staleTokenSha256 ?? '', ':c_old_enough': nowMs - (request.minTokenAgeMs ?? 0) });
      }
      if (request.reason !== 'reader-miss') delete names['#c_expires'];
      // The due time stays: moving it would rewrite the item's `due` index entry (two index writes) on every refresh. A
      // sweep that finds a leased authorizer queues it again and the lease turns that job away; after a crash, the
      // authorizer is still due, so the first sweep after the lease ends retries it.
      const parts = updateExpression({ set: { leaseHolder: holder, leaseUntilMs: nowMs + input.leaseMs } });
      try {
        const out = await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(request.authorizerAppid),
            ...withCondition(parts, { expression: clauses.join(' AND '), names, values }),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { acquired: true, holder, item: toStored(out.Attributes ?? {}) };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw storeUnavailable('UpdateItem authorizer lease', err);
        const item = await get(request.authorizerAppid);
        return { acquired: false, item: item ? toStored(item) : null };
      }
    },

    /**
     * Writes a refreshed access token, and the refresh token WeChat answered with, in one write: only by the lease
     * holder, only over the version it read. A new refresh token keeps the one it replaces as previous. The lease is
     * released and the next refresh scheduled.
     */
    async storeRefresh(refresh: {
      authorizerAppid: string;
      holder: string;
      expectedVersion: number;
      accessToken: string;
      expiresInSec: number;
      fetchedAtMs: number;
      /** What WeChat answered; absent or unchanged keeps the stored one. */
      refreshToken?: string;
      current: Pick<StoredAuthorizer, 'refreshToken'>;
    }): Promise<{ version: number; expiresAtMs: number } | null> {
      const { authorizerAppid } = refresh;
      const sealedAccess = await seal(authorizerAppid, 'access', refresh.accessToken);
      const newRefreshSha = refresh.refreshToken ? sha256Hex(refresh.refreshToken) : undefined;
      const rotated = newRefreshSha !== undefined && newRefreshSha !== refresh.current.refreshToken?.sha256;
      const sealedRefresh = rotated ? await seal(authorizerAppid, 'refresh', refresh.refreshToken!) : undefined;
      const expiresAtMs = refresh.fetchedAtMs + refresh.expiresInSec * 1000;
      const version = refresh.expectedVersion + 1;
      const parts = updateExpression({
        set: {
          version,
          accessToken: sealedAccess.envelope,
          accessTokenSha256: sealedAccess.sha256,
          expiresAtMs,
          fetchedAtMs: refresh.fetchedAtMs,
          updatedAtMs: now(),
          dueAtMs: expiresAtMs - input.refreshMarginMs,
          ...(sealedRefresh ? { refreshToken: sealedRefresh.envelope, refreshTokenSha256: sealedRefresh.sha256 } : {}),
          ...(sealedRefresh && refresh.current.refreshToken
            ? {
                previousRefreshToken: refresh.current.refreshToken.envelope,
                previousRefreshTokenSha256: refresh.current.refreshToken.sha256,
              }
            : {}),
        },
        remove: [...LEASE_ATTRIBUTES, ...BACKOFF_ATTRIBUTES],
      });
      const written = await update(
        {
          Key: key(authorizerAppid),
          ...withCondition(parts, {
            expression: '#c_holder = :c_holder AND #c_version = :c_version AND #c_status = :c_authorized',
            names: { '#c_holder': 'leaseHolder', '#c_version': 'version', '#c_status': 'status' },
            values: { ':c_holder': refresh.holder, ':c_version': refresh.expectedVersion, ':c_authorized': 'authorized' },
          }),
        },
        'authorizer refreshed token',
      );
      return written ? { version, expiresAtMs } : null;
    },

    /**
     * After a failure that another try may fix (-1, timeout, storage trouble after WeChat answered): the lease is kept
     * until it expires, so no other invocation spends quota meanwhile, and the next scheduled try is set.
     */
    async retryLater(retry: { authorizerAppid: string; holder: string; retryAtMs: number; failures: number }): Promise<void> {
      await update(
        {
          Key: key(retry.authorizerAppid),
          ...withCondition(
            updateExpression({ set: { dueAtMs: retry.retryAtMs, refreshFailures: retry.failures } }),
            holderCondition(retry.holder),
          ),
        },
        'authorizer retry time',
      );
    },

    /** A quota or configuration errcode: no calls for this authorizer until `untilMs`; the lease is given back. */
    async backOff(backoff: { authorizerAppid: string; holder: string; untilMs: number; errcode: number }): Promise<void> {
      const parts = updateExpression({
        set: { backoffUntilMs: backoff.untilMs, backoffErrcode: backoff.errcode, dueAtMs: backoff.untilMs, updatedAtMs: now() },
        remove: [...LEASE_ATTRIBUTES],
      });
      await update({ Key: key(backoff.authorizerAppid), ...withCondition(parts, holderCondition(backoff.holder)) }, 'authorizer backoff');
    },

    /**
     * WeChat refuses the refresh token (61023) and none better could be found: the account must authorize again. The
     * refresh tokens stay (an operator may roll back to the previous one); refreshes stop. Returns false, changing
     * nothing, when the lease was lost meanwhile (a revocation or a new authorization took the item over).
     */
    async markNeedsReauth(mark: { authorizerAppid: string; holder: string; reason: string }): Promise<boolean> {
      const parts = updateExpression({
        set: { status: 'needs_reauth', statusKey: statusKey('needs_reauth'), reauthReason: mark.reason, updatedAtMs: now() },
        remove: [...DUE_ATTRIBUTES, ...LEASE_ATTRIBUTES],
      });
      const written = await update(
        { Key: key(mark.authorizerAppid), ...withCondition(parts, holderCondition(mark.holder)) },
        'authorizer needs reauth',
      );
      return written !== null;
    },

    /**
     * A refresh token found again (api_get_authorizer_info after 61023): replaces the stored one, keeping it as
     * previous, under the lease. Returns false when the lease was lost meanwhile.
     */
    async replaceRefreshToken(replacement: {
      authorizerAppid: string;
      holder: string;
      refreshToken: string;
      current: Pick<StoredAuthorizer, 'refreshToken'>;
    }): Promise<boolean> {
      const sealed = await seal(replacement.authorizerAppid, 'refresh', replacement.refreshToken);
      if (sealed.sha256 === replacement.current.refreshToken?.sha256) return true;
      const parts = updateExpression({
        set: {
          refreshToken: sealed.envelope,
          refreshTokenSha256: sealed.sha256,
          updatedAtMs: now(),
          ...(replacement.current.refreshToken
            ? {
                previousRefreshToken: replacement.current.refreshToken.envelope,
                previousRefreshTokenSha256: replacement.current.refreshToken.sha256,
              }
            : {}),
        },
      });
      const written = await update(
        { Key: key(replacement.authorizerAppid), ...withCondition(parts, holderCondition(replacement.holder)) },
        'authorizer refresh token',
      );
      return written !== null;
    },

    /**
     * A refresh token from api_get_authorizer_list (operator import). Written only where it fills a gap or comes from
     * a newer authorization than what we applied: never over a newer token, never over a newer revocation. The
     * authorizer has no access token yet: it is first due at `firstDueAtMs`.
     */
    async importRefreshToken(entry: {
      authorizerAppid: string;
      refreshToken: string;
      authTimeSec: number;
      firstDueAtMs: number;
    }): Promise<'imported' | 'unchanged' | 'not-newer'> {
      const current = await store.get(entry.authorizerAppid);
      const sha = sha256Hex(entry.refreshToken);
      if (current?.refreshToken?.sha256 === sha && current.status === 'authorized') return 'unchanged';
      if (current && current.lastEventCreateTime > entry.authTimeSec && current.refreshToken) return 'not-newer';
      return (await store.applyAuthorization(
        {
          authorizerAppid: entry.authorizerAppid,
          eventCreateTime: entry.authTimeSec,
          refreshToken: entry.refreshToken,
          funcInfo: current?.funcInfo ?? [],
          ...(current?.profile ? { profile: current.profile } : {}),
          firstDueAtMs: entry.firstDueAtMs,
        },
        { current },
      )) === 'applied'
        ? 'imported'
        : 'not-newer';
    },

    /** Sets the profile from api_get_authorizer_info (best effort, after an exchange). */
    async setProfile(profile: { authorizerAppid: string; profile: AuthorizerProfile }): Promise<void> {
      await update(
        {
          Key: key(profile.authorizerAppid),
          ...withCondition(updateExpression({ set: { profile: profile.profile } }), { expression: 'attribute_exists(pk)' }),
        },
        'authorizer profile',
      );
    },

    /** Counts per status from the sparse `status` index (Select COUNT, paged): for health and the needs_reauth alarm. */
    async countByStatus(): Promise<Record<AuthorizerStatusName, number>> {
      const counts = { authorized: 0, revoked: 0, needs_reauth: 0 } as Record<AuthorizerStatusName, number>;
      for (const status of AUTHORIZER_STATUSES) {
        await indexPages(
          `Query ${TABLE_INDEXES.status.indexName} count`,
          TABLE_INDEXES.status,
          statusKey(status),
          { Select: 'COUNT' },
          (page) => {
            counts[status] += page.Count ?? 0;
          },
        );
      }
      return counts;
    },

    /**
     * Over the `due` index, which holds every authorized authorizer with the `expiresAtMs` it projects: how many hold
     * a token valid at `nowMs`, and the earliest expiry among the tokens held (what the oldest-due-token gauge
     * shows; a due time can be moved by a lease or a backoff, an expiry cannot). A Query, never a Scan; it reads the
     * whole index partition, so it is for gauges, not hot paths.
     */
    async tokenExpiries(nowMs: number): Promise<{ valid: number; earliestExpiresAtMs: number | null }> {
      let valid = 0;
      let earliestExpiresAtMs: number | null = null;
      const projection = { ProjectionExpression: '#e', ExpressionAttributeNames: { '#e': 'expiresAtMs' } };
      await indexPages('Query due token expiries', TABLE_INDEXES.due, dueKey, projection, (page) => {
        // Authorization codes share the partition; they, and authorizers waiting for a first token, carry no expiry.
        for (const item of page.Items ?? []) {
          if (typeof item.expiresAtMs !== 'number') continue;
          if (item.expiresAtMs > nowMs) valid += 1;
          earliestExpiresAtMs = Math.min(earliestExpiresAtMs ?? item.expiresAtMs, item.expiresAtMs);
        }
      });
      return { valid, earliestExpiresAtMs };
    },

    /** How many authorized authorizers hold a token valid at `nowMs` (see tokenExpiries). */
    async countValidTokens(nowMs: number): Promise<number> {
      return (await store.tokenExpiries(nowMs)).valid;
    },

    /** Every authorized authorizer's appid, from the `status` index (for the daily reconcile). */
    async listAuthorized(): Promise<string[]> {
      const appids: string[] = [];
      const prefix = `${partitionKey('authorizers', componentAppid)}#`;
      await indexPages('Query authorized authorizers', TABLE_INDEXES.status, statusKey('authorized'), {}, (page) => {
        for (const item of page.Items ?? []) appids.push(String(item.pk).slice(prefix.length));
      });
      return appids;
    },
  };
  return store;
}

function holderCondition(holder: string) {
  return { expression: '#c_holder = :c_holder', names: { '#c_holder': 'leaseHolder' }, values: { ':c_holder': holder } };
}

function sealedSecretOf(
  item: Record<string, unknown>,
  attribute: string,
  shaAttribute: string,
  purpose: 'authorizer_access_token' | 'authorizer_refresh_token',
): SealedSecret | undefined {
  if (item[attribute] === undefined) return undefined;
  return { envelope: readSealedEnvelope(item[attribute], purpose), sha256: String(item[shaAttribute]) };
}

function accessTokenOf(item: Record<string, unknown>): { accessToken?: StoredAccessToken } {
  const sealed = sealedSecretOf(item, 'accessToken', 'accessTokenSha256', 'authorizer_access_token');
  return sealed ? { accessToken: { ...sealed, expiresAtMs: Number(item.expiresAtMs), fetchedAtMs: Number(item.fetchedAtMs) } } : {};
}

function toStored(item: Record<string, unknown>): StoredAuthorizer {
  const refreshToken = sealedSecretOf(item, 'refreshToken', 'refreshTokenSha256', 'authorizer_refresh_token');
  const previousRefreshToken = sealedSecretOf(item, 'previousRefreshToken', 'previousRefreshTokenSha256', 'authorizer_refresh_token');
  return {
    authorizerAppid: String(item.authorizerAppid),
    status: item.status as AuthorizerStatusName,
    lastEventCreateTime: Number(item.lastEventCreateTime ?? 0),
    version: Number(item.version ?? 0),
    funcInfo: Array.isArray(item.funcInfo) ? item.funcInfo.map(Number) : [],
    updatedAtMs: Number(item.updatedAtMs ?? 0),
    ...(item.profile ? { profile: item.profile as AuthorizerProfile } : {}),
    ...(item.authorizedAtMs !== undefined ? { authorizedAtMs: Number(item.authorizedAtMs) } : {}),
    ...(item.revokedAtMs !== undefined ? { revokedAtMs: Number(item.revokedAtMs) } : {}),
    ...(typeof item.reauthReason === 'string' ? { reauthReason: item.reauthReason } : {}),
    ...(refreshToken ? { refreshToken } : {}),
    ...(previousRefreshToken ? { previousRefreshToken } : {}),
    ...accessTokenOf(item),
    ...(item.leaseHolder !== undefined ? { lease: { holder: String(item.leaseHolder), untilMs: Number(item.leaseUntilMs) } } : {}),
    ...(item.backoffUntilMs !== undefined
      ? { backoff: { untilMs: Number(item.backoffUntilMs), errcode: Number(item.backoffErrcode) } }
      : {}),
    ...(item.dueAtMs !== undefined ? { dueAtMs: Number(item.dueAtMs) } : {}),
    ...(item.refreshFailures !== undefined ? { refreshFailures: Number(item.refreshFailures) } : {}),
  };
}

export type AuthorizerStore = ReturnType<typeof createAuthorizerStore>;
