// The handler the Drizzle fault tests run in an emulated container: a Drizzle database on one
// warmpool pool at module scope, reading and writing the ledger so every write can be counted.
import { sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { bigserial, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { drizzle } from '../../src/adapters/drizzle/index.js';
import { createPool } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';

interface Invoke {
  op: 'insert' | 'select' | 'tx-insert' | 'batch-insert' | 'stats';
  runId?: string;
}

const ledger = pgTable('ledger', {
  id: bigserial('id', { mode: 'number' }),
  runId: text('run_id').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

const pool = createPool({ connectionString: process.env.DATABASE_URL, max: 1, ...JSON.parse(process.env.WARMPOOL_TEST_OPTIONS ?? '{}') });
const db = drizzle(pool);
const pid = sql<number>`pg_backend_pid()`;

async function run(event: Invoke) {
  switch (event.op) {
    case 'insert':
      return (await db.insert(ledger).values({ runId: event.runId! }).returning({ pid }))[0];
    case 'select':
      return (await db.select({ pid, rows: sql<number>`count(*)::int` }).from(ledger))[0];
    case 'tx-insert':
      return db.transaction(async (tx) => (await tx.insert(ledger).values({ runId: event.runId! }).returning({ pid }))[0]);
    case 'batch-insert':
      return (await db.batch([db.insert(ledger).values({ runId: event.runId! }).returning({ pid })]))[0][0];
    case 'stats':
      return pool.stats();
  }
}

// The emulator reports an error's own code and notApplied; Drizzle keeps warmpool's error as the cause.
export const handler = withPool(pool, (event: Invoke) => run(event).catch((err) => {
  throw err instanceof DrizzleQueryError && err.cause ? err.cause : err;
}));
