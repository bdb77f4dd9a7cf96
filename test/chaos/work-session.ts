/**
 * The soak's work that changes the server session, as a user's code does on purpose: through the
 * pool (a tenant key set inside a transaction, SET, a temp table, an advisory lock, LISTEN) and
 * on a `db.reserve()` connection, released normally or after running into the deadline. The next
 * invocations on the container must find none of it (probe.ts).
 */
import type { ChaosEvent } from './events.js';
import type { Invocation } from './work.js';

type EventOf<K extends ChaosEvent['op']> = Extract<ChaosEvent, { op: K }>;

/** A value no default has, so a leak of it is unmistakable. */
const STATEMENT_TIMEOUT_MS = 28_765;

export async function changeSession({ db }: Invocation, e: EventOf<'session'>) {
  switch (e.change) {
    case 'tenant':
      // A row-level-security tenant key: set for the session (not the transaction), read by the insert.
      await db.transaction(async (t) => {
        await t.sql`select set_config('app.tenant', ${e.opId}, false)`;
        await t.sql`insert into ledger (run_id, tenant) values (${e.opId}, current_setting('app.tenant'))`;
      });
      return;
    case 'statement-timeout':
      await db.query(`set statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      break;
    case 'search-path':
      await db.query('set search_path = chaos_elsewhere, public');
      break;
    case 'temp-table':
      // No `if not exists`: a temp table left in the session makes the next one fail (42P07).
      await db.query('create temp table chaos_scratch (x int)');
      break;
    case 'advisory-lock':
      await db.sql`select pg_advisory_lock(${e.lockKey})`;
      break;
    case 'listen':
      await db.query('listen chaos_channel');
      break;
  }
  await db.sql`insert into ledger (run_id) values (${e.opId})`;
}

export async function reserved({ db, externalCall, remainingMs }: Invocation, e: EventOf<'reserve'>) {
  const conn = await db.reserve();
  try {
    await conn.sql`select set_config('app.tenant', ${e.opId}, false)`;
    await conn.query(`set statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
    await conn.query('create temp table chaos_reserved (run_id text)');
    await conn.sql`select pg_advisory_lock(${e.lockKey})`;
    await conn.sql`insert into chaos_reserved values (${e.opId})`;
    // Uses the session's state: the tenant key and the temp table.
    await conn.sql`insert into ledger (run_id, tenant) select run_id, current_setting('app.tenant') from chaos_reserved`;
    // The write is done; what follows may run into the deadline, and its failure is not the write's.
    try {
      if (e.cut === 'sleep') await conn.sql`select pg_sleep(${remainingMs() / 1000})`;
      // To the deadline (500 ms before the timeout) or up to 150 ms past it.
      if (e.cut === 'pause') await externalCall(remainingMs() - 500 + (e.lockKey % 4) * 50);
      await conn.sql`select pg_advisory_unlock(${e.lockKey})`;
    } catch {
      // A cut: the unlock is refused after the deadline, and release() must still leave nothing behind.
    }
  } finally {
    await conn.release();
  }
}
