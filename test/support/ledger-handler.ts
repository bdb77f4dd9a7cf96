// The handler the freeze tests run in an emulated container: one pool at module scope, a few
// operations on a ledger table so every write can be counted afterwards.
import { createPool } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';
import { recordUnhandledErrors } from './record-unhandled.js';

recordUnhandledErrors();

interface Invoke {
  op: 'insert' | 'select' | 'sleep' | 'stats' | 'tx-insert' | 'batch-insert' | 'sleep-insert' | 'big-read' | 'keyed-tx-insert' | 'keyed-batch-insert';
  runId?: string;
  /** keyed-*: the idempotency key; keyed-tx-insert: the transaction's retries. */
  key?: string;
  retries?: number;
  seconds?: number;
  /** big-read: rows of 1 kB each. */
  rows?: number;
}

/** keyed-tx-insert: how many times this container ran the callback, per key. */
const keyedRuns = new Map<string, number>();

const db = createPool({
  connectionString: process.env.DATABASE_URL,
  max: 1,
  ...JSON.parse(process.env.WARMPOOL_TEST_OPTIONS ?? '{}'),
});

export const handler = withPool(db, async (event: Invoke) => {
  switch (event.op) {
    case 'insert': {
      const [row] = await db.sql`insert into ledger (run_id) values (${event.runId!}) returning pg_backend_pid() as pid`;
      return row;
    }
    case 'select': {
      const [row] = await db.sql`select pg_backend_pid() as pid`;
      return row;
    }
    case 'sleep': {
      const [row] = await db.sql`select pg_sleep(${event.seconds!}) as slept, pg_backend_pid() as pid`;
      return row;
    }
    case 'stats':
      return db.stats();
    case 'tx-insert':
      return db.transaction(async (tx) => {
        const [row] = await tx.sql`insert into ledger (run_id) values (${event.runId!}) returning pg_backend_pid() as pid`;
        return row;
      });
    case 'batch-insert': {
      const [[row]] = await db.batch([db.sql`insert into ledger (run_id) values (${event.runId!}) returning pg_backend_pid() as pid`]);
      return row;
    }
    case 'sleep-insert': {
      const [row] = await db.sql`insert into ledger (run_id) select ${event.runId!} from pg_sleep(${event.seconds!}) returning pg_backend_pid() as pid`;
      return row;
    }
    case 'keyed-tx-insert':
      return db.transaction(async (tx) => {
        const run = (keyedRuns.get(event.key!) ?? 0) + 1;
        keyedRuns.set(event.key!, run);
        await tx.sql`insert into ledger (run_id) values (${event.runId!})`;
        return { written: event.runId!, run };
      }, { idempotencyKey: event.key!, retries: event.retries ?? 0 });
    case 'keyed-batch-insert': {
      const [rows] = await db.batch([db.sql`insert into ledger (run_id) values (${event.runId!}) returning pg_backend_pid() as pid`], { idempotencyKey: event.key! });
      return { inserted: rows.length };
    }
    case 'big-read': {
      const rows = await db.sql`select i, repeat(md5(i::text), 32) as pad from generate_series(1, ${event.rows!}::int) i`.idempotent();
      return { rows: rows.length };
    }
  }
});
