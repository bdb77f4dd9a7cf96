// A Lambda-like container: module scope holds one pool; each IPC message is one invocation of a
// handler wrapped by withPool. The parent freezes this process with SIGSTOP between invocations.
import { createPool } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';

interface Invoke {
  id: number;
  op: 'insert' | 'select' | 'sleep' | 'stats';
  runId?: string;
  seconds?: number;
  remainingMs?: number;
}

const db = createPool({
  connectionString: process.env.DATABASE_URL,
  max: 1,
  ...JSON.parse(process.env.WARMPOOL_TEST_OPTIONS ?? '{}'),
});

const handler = withPool(db, async (event: Invoke) => {
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

process.on('message', async (event: Invoke) => {
  const context = { getRemainingTimeInMillis: () => event.remainingMs ?? 30_000, callbackWaitsForEmptyEventLoop: true };
  try {
    const result = await handler(event, context);
    process.send!({ id: event.id, ok: true, result });
  } catch (err) {
    const e = err as { code?: string; message?: string; notApplied?: boolean };
    process.send!({ id: event.id, ok: false, code: e.code, message: e.message, notApplied: e.notApplied });
  }
});
process.send!({ ready: true });
