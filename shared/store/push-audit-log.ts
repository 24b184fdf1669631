import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { storeUnavailable } from './store-errors';
import { auditPk, SK, ttlAfterDays } from './table-keys';

/** What an accepted push led to. Never holds the ticket, a code or the payload. */
export interface PushAuditRecord {
  /** Absent for a push kept as unparsed. */
  infoType?: string;
  /** Absent for a push kept as unparsed. */
  createTime?: number;
  receivedAtMs: number;
  authorizerAppid?: string;
  /** e.g. 'stored', 'not-newer', 'recorded', 'duplicate'. */
  outcome: string;
  /** Why an authentic push could not be interpreted (a WechatMessageError code); only on unparsed pushes. */
  unparsedReason?: string;
}

const AUDIT_TTL_DAYS = 7;

/** A week of "what did WeChat send us, and when", one partition per UTC day. */
export function createPushAuditLog(input: { dynamo: DynamoDBDocumentClient; tableName: string; componentAppid: string }) {
  return {
    async record(record: PushAuditRecord): Promise<void> {
      try {
        await input.dynamo.send(
          new PutCommand({
            TableName: input.tableName,
            Item: {
              pk: auditPk(input.componentAppid, record.receivedAtMs),
              sk: SK.audit(new Date(record.receivedAtMs).toISOString(), randomBytes(4).toString('hex')),
              ...record,
              ttl: ttlAfterDays(record.receivedAtMs, AUDIT_TTL_DAYS),
            },
          }),
        );
      } catch (err) {
        throw storeUnavailable('PutItem push audit', err);
      }
    },

    /** The records of the UTC day containing `dayMs`, oldest first. */
    async listDay(dayMs: number): Promise<PushAuditRecord[]> {
      try {
        const items: PushAuditRecord[] = [];
        let startKey: Record<string, unknown> | undefined;
        do {
          const out = await input.dynamo.send(
            new QueryCommand({
              TableName: input.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': auditPk(input.componentAppid, dayMs) },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of out.Items ?? []) {
            const { pk: _pk, sk: _sk, ttl: _ttl, ...record } = item;
            items.push(record as PushAuditRecord);
          }
          startKey = out.LastEvaluatedKey;
        } while (startKey);
        return items;
      } catch (err) {
        throw storeUnavailable('Query push audit', err);
      }
    },
  };
}

export type PushAuditLog = ReturnType<typeof createPushAuditLog>;
