// The handler the freeze tests run in an emulated container: one pool at module scope, a few
// operations on a ledger table so every write can be counted afterwards.
import { createPool } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';

interface Invoke {
  op: 'insert' | 'select' | 'sleep' | 'stats';
  runId?: string;
  seconds?: number;
}

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
  }
});
