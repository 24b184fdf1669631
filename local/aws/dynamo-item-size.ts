import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import dynaliteDb, { type DynaliteItem } from 'dynalite/db/index.js';

/**
 * An item's size by DynamoDB's rules (attribute names plus values, as dynalite computes them for capacity units), for
 * storage estimates. Takes the item as the low-level client returns it.
 */
export function dynamoItemBytes(item: Record<string, AttributeValue>): number {
  // dynalite keeps binary values as base64 strings, as they travel in DynamoDB JSON.
  const json = JSON.parse(
    JSON.stringify(item, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value)),
  ) as DynaliteItem;
  return dynaliteDb.itemSize(json);
}
