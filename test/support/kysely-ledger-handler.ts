// The handler the Kysely fault tests run in an emulated container: a Kysely database on one
// warmpool pool at module scope, reading and writing the ledger so every write can be counted.
import { type Generated, Kysely, sql } from 'kysely';
import { WarmpoolDialect } from '../../src/adapters/kysely/index.js';
import { createPool } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';

interface Invoke {
  op: 'insert' | 'select' | 'tx-insert' | 'stats';
  runId?: string;
}

interface Ledger {
  ledger: { id: Generated<number>; run_id: string };
}

const pool = createPool({ connectionString: process.env.DATABASE_URL, max: 1, ...JSON.parse(process.env.WARMPOOL_TEST_OPTIONS ?? '{}') });
const db = new Kysely<Ledger>({ dialect: new WarmpoolDialect({ pool }) });
const pid = sql<number>`pg_backend_pid()`.as('pid');

async function run(event: Invoke) {
  switch (event.op) {
    case 'insert':
      return db.insertInto('ledger').values({ run_id: event.runId! }).returning(pid).executeTakeFirstOrThrow();
    case 'select':
      return db.selectFrom('ledger').select([pid, sql<number>`count(*)::int`.as('rows')]).executeTakeFirstOrThrow();
    case 'tx-insert':
      return db.transaction().execute((trx) => trx.insertInto('ledger').values({ run_id: event.runId! }).returning(pid).executeTakeFirstOrThrow());
    case 'stats':
      return pool.stats();
  }
}

// Kysely passes driver errors on unwrapped: the emulator reports warmpool's code and notApplied.
export const handler = withPool(pool, (event: Invoke) => run(event));
