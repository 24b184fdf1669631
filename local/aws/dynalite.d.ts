// dynalite ships no type declarations; this covers the one call local/aws makes.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** How long a new table stays CREATING; 0 makes it ACTIVE on the next tick. */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** LevelDB directory; omitted means in memory. */
    path?: string;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export default dynalite;
}

// dynalite's storage layer: its index maintenance is wrapped to count index writes (dynamo-index-writes.ts).
declare module 'dynalite/db/index.js' {
  /** An item as dynalite stores it: attribute names to DynamoDB JSON values ({ S: 'x' }, { N: '1' }, ...). */
  type DynaliteItem = Record<string, Record<string, unknown>>;

  interface DynaliteTable {
    TableName: string;
    KeySchema: Array<{ AttributeName: string }>;
    GlobalSecondaryIndexes?: Array<{
      IndexName: string;
      KeySchema: Array<{ AttributeName: string }>;
      Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
    }>;
  }

  interface DynaliteDb {
    /** Bytes of an item by DynamoDB's rules (names plus values). */
    itemSize(item: DynaliteItem): number;
    /** Replaces an item's index entries after a write; its actions call it through this object. */
    updateIndexes(
      store: unknown,
      table: DynaliteTable,
      existingItem: DynaliteItem | null,
      item: DynaliteItem | null,
      cb: (err?: unknown) => void,
    ): void;
  }

  const db: DynaliteDb;
  export default db;
  export type { DynaliteItem, DynaliteTable };
}
