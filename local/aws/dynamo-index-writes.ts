import { AsyncLocalStorage } from 'node:async_hooks';
import dynaliteDb, { type DynaliteItem, type DynaliteTable } from 'dynalite/db/index.js';

/**
 * Global secondary index write units, as DynamoDB bills them and dynalite does not count them. For each index of the
 * table, a write that
 * - puts an entry where there was none, or removes one: 1 write of that entry,
 * - moves an entry (an index key attribute changed): 2 writes (delete and put),
 * - keeps the key but changes a projected attribute: 1 write,
 * - changes nothing the index holds: nothing.
 * Each write is rounded up to 1 KB of the entry's size: its projected attributes plus DynamoDB's 100 bytes of overhead
 * per index entry.
 */
export function indexWriteUnits(table: DynaliteTable, oldItem: DynaliteItem | null, newItem: DynaliteItem | null): number {
  const tableKeys = table.KeySchema.map((key) => key.AttributeName);
  let units = 0;
  for (const index of table.GlobalSecondaryIndexes ?? []) {
    const indexKeys = index.KeySchema.map((key) => key.AttributeName);
    const entryOf = (item: DynaliteItem | null): DynaliteItem | null => {
      if (!item || indexKeys.some((name) => item[name] === undefined)) return null;
      if (index.Projection.ProjectionType === 'ALL') return item;
      const names = [...indexKeys, ...tableKeys, ...(index.Projection.NonKeyAttributes ?? [])];
      return Object.fromEntries(names.filter((name) => item[name] !== undefined).map((name) => [name, item[name]!]));
    };
    const before = entryOf(oldItem);
    const after = entryOf(newItem);
    const writeOf = (entry: DynaliteItem) => Math.ceil((dynaliteDb.itemSize(entry) + INDEX_ENTRY_OVERHEAD_BYTES) / 1024);
    const sameKey = before && after && indexKeys.every((name) => canonical(before[name]) === canonical(after[name]));
    if (before && after && sameKey) {
      if (canonical(before) !== canonical(after)) units += writeOf(after);
    } else {
      if (before) units += writeOf(before);
      if (after) units += writeOf(after);
    }
  }
  return units;
}

// DynamoDB adds 100 bytes to every index entry (the index's own key bookkeeping).
const INDEX_ENTRY_OVERHEAD_BYTES = 100;

/** Attribute values in a fixed key order, so two entries compare equal exactly when they hold the same values. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}

type Recorder = (units: number) => void;

// One context for every copy of this module in the process: dynalite's db module is shared (require cache), and a
// test runner may load this module more than once.
const CONTEXT = Symbol.for('wechat-component.local-aws.index-writes');
type Hooked = typeof dynaliteDb & { [CONTEXT]?: AsyncLocalStorage<Recorder> };

/**
 * dynalite's index maintenance, wrapped once per process so each write reports the index write units it caused to
 * whichever request is running it (an AsyncLocalStorage context set by the counting front).
 */
function indexWriteContext(): AsyncLocalStorage<Recorder> {
  const db = dynaliteDb as Hooked;
  if (db[CONTEXT]) return db[CONTEXT];
  const context = new AsyncLocalStorage<Recorder>();
  const original = db.updateIndexes;
  db.updateIndexes = (store, table, existingItem, item, cb) => {
    context.getStore()?.(indexWriteUnits(table, existingItem, item));
    return original(store, table, existingItem, item, cb);
  };
  db[CONTEXT] = context;
  return context;
}

/** Runs `work` (a request to dynalite), handing `record` the index write units of every write it makes. */
export function withIndexWriteCounting<T>(record: Recorder, work: () => T): T {
  return indexWriteContext().run(record, work);
}
