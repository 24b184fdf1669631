import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Sealer } from './kms-sealer';
import { isConditionalCheckFailed, storeUnavailable } from './store-errors';
import { SK, ticketPk } from './table-keys';

export interface StoredTicket {
  componentVerifyTicket: string;
  /** WeChat's CreateTime, unix seconds. */
  createTime: number;
  receivedAtMs: number;
}

export type SaveTicketOutcome = 'stored' | 'not-newer';

export interface TicketStore {
  /** Stores the ticket only if its CreateTime is newer than the stored one, so replays and late pushes are no-ops. */
  save(ticket: StoredTicket): Promise<SaveTicketOutcome>;
  /** The newest ticket, or null. */
  load(): Promise<StoredTicket | null>;
  /** CreateTime of the stored ticket without decrypting it (health checks, metrics). */
  loadCreateTime(): Promise<number | null>;
}

export function createTicketStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  sealer: Sealer;
}): TicketStore {
  const key = { pk: ticketPk(input.componentAppid), sk: SK.ticket };
  const get = async (projection?: string) => {
    try {
      const out = await input.dynamo.send(
        new GetCommand({ TableName: input.tableName, Key: key, ConsistentRead: true, ProjectionExpression: projection }),
      );
      return out.Item;
    } catch (err) {
      throw storeUnavailable('GetItem ticket', err);
    }
  };

  return {
    async save(ticket) {
      const ticketCiphertext = await input.sealer.seal('component_verify_ticket', ticket.componentVerifyTicket);
      try {
        await input.dynamo.send(
          new PutCommand({
            TableName: input.tableName,
            Item: { ...key, ticketCiphertext, createTime: ticket.createTime, receivedAtMs: ticket.receivedAtMs },
            // docs/wechat-protocol.md §1: pushes arrive twice or out of order; the stored ticket never goes backwards.
            ConditionExpression: 'attribute_not_exists(pk) OR createTime < :createTime',
            ExpressionAttributeValues: { ':createTime': ticket.createTime },
          }),
        );
        return 'stored';
      } catch (err) {
        if (isConditionalCheckFailed(err)) return 'not-newer';
        throw storeUnavailable('PutItem ticket', err);
      }
    },
    async load() {
      const item = await get();
      if (!item) return null;
      const componentVerifyTicket = await input.sealer.open('component_verify_ticket', item.ticketCiphertext as Uint8Array);
      return { componentVerifyTicket, createTime: Number(item.createTime), receivedAtMs: Number(item.receivedAtMs) };
    },
    async loadCreateTime() {
      const item = await get('createTime');
      return item ? Number(item.createTime) : null;
    },
  };
}
