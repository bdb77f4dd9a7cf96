// The handler each chaos container runs: one pool at module scope with `max: 1`, wrapped in
// withPool, and a mix of the work a user's function does. Every write inserts ledger rows named
// after its operation id (`<op>` for one insert, `<op>.1` and `<op>.2` for the two inserts of a
// transaction or batch), so the soak can count them afterwards.
//
// Unhandled rejections and uncaught exceptions are appended to CHAOS_EVENTS_FILE at once
// (synchronously), so a count survives a SIGKILL of the container.
import { appendFileSync } from 'node:fs';
import { createPool } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';

export type ChaosEvent =
  | { op: 'read'; opId: string }
  | { op: 'insert'; opId: string }
  /** A read and an insert at once: the insert is pipelined behind the read on the one connection. */
  | { op: 'read-and-insert'; opId: string }
  | { op: 'batch'; opId: string }
  /**
   * Two inserts and a pause like an external call, between them or after both. The call has a
   * timeout of its own that ends it 250 ms before the function's, as a careful handler's would.
   */
  | { op: 'tx'; opId: string; pauseMs: number; pauseAt: 'between' | 'after' }
  /** An insert, then a statement that runs for `seconds` (the deadline may cancel it). */
  | { op: 'tx-sleep'; opId: string; seconds: number };

const eventsFile = process.env.CHAOS_EVENTS_FILE;

function record(kind: 'unhandledRejection' | 'uncaughtException', error: unknown): void {
  const e = error as { code?: unknown; message?: unknown; stack?: unknown } | undefined;
  const stack = typeof e?.stack === 'string' ? e.stack.split('\n').slice(1, 8).map((l) => l.trim()) : [];
  const line = JSON.stringify({ kind, code: String(e?.code ?? ''), message: String(e?.message ?? error).slice(0, 300), stack, at: Date.now() });
  if (eventsFile) appendFileSync(eventsFile, `${line}\n`);
}

process.on('unhandledRejection', (reason) => record('unhandledRejection', reason));
process.on('uncaughtException', (error) => record('uncaughtException', error));

const db = createPool({
  connectionString: process.env.DATABASE_URL,
  max: 1,
  ...JSON.parse(process.env.CHAOS_POOL_OPTIONS ?? '{}'),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = withPool(db, async (event: ChaosEvent, context: { getRemainingTimeInMillis(): number }) => {
  const externalCall = (ms: number) => sleep(Math.max(0, Math.min(ms, context.getRemainingTimeInMillis() - 250)));
  switch (event.op) {
    case 'read': {
      const [row] = await db.sql`select count(*)::int as n from ledger where run_id = ${event.opId}`;
      return row;
    }
    case 'insert':
      await db.sql`insert into ledger (run_id) values (${event.opId})`;
      return {};
    case 'read-and-insert': {
      const [, insert] = await Promise.allSettled([
        db.query('select count(*)::int as n from ledger where run_id = $1', [event.opId], { idempotent: true }),
        db.sql`insert into ledger (run_id) values (${event.opId})`,
      ]);
      // The invocation's outcome is the write's: the read may fail while the insert committed.
      if (insert.status === 'rejected') throw insert.reason;
      return {};
    }
    case 'batch':
      await db.batch([
        db.sql`insert into ledger (run_id) values (${`${event.opId}.1`})`,
        db.sql`insert into ledger (run_id) values (${`${event.opId}.2`})`,
      ]);
      return {};
    case 'tx':
      await db.transaction(async (tx) => {
        await tx.sql`insert into ledger (run_id) values (${`${event.opId}.1`})`;
        if (event.pauseAt === 'between') await externalCall(event.pauseMs);
        await tx.sql`insert into ledger (run_id) values (${`${event.opId}.2`})`;
        if (event.pauseAt === 'after') await externalCall(event.pauseMs);
      });
      return {};
    case 'tx-sleep':
      await db.transaction(async (tx) => {
        await tx.sql`insert into ledger (run_id) values (${event.opId})`;
        await tx.sql`select pg_sleep(${event.seconds})`;
      });
      return {};
  }
});
