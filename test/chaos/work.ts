/**
 * The statements of the soak's work without session state: reads, inserts, batches,
 * transactions, concurrent statements and savepoints. Each function is one invocation's work;
 * its outcome is the outcome of the writes it owns (events.ts).
 */
import type { Pool } from '../../src/index.js';
import { type ChaosEvent, type KeyedResult, STAMP } from './events.js';

/** What a work function gets besides its event. */
export interface Invocation {
  db: Pool;
  /** A pause like an external call, ended 250 ms before the function's timeout as a careful handler's would be. */
  externalCall(ms: number): Promise<void>;
  remainingMs(): number;
}

type EventOf<K extends ChaosEvent['op']> = Extract<ChaosEvent, { op: K }>;

/** Thrown inside a savepoint to undo its work. */
class Undo extends Error {}

export async function read({ db }: Invocation, e: EventOf<'read'>) {
  // `select *`: a column added mid-run changes its result type under a prepared statement.
  return db.query('select * from ledger where run_id = $1', [e.opId], { idempotent: true });
}

export async function insert({ db }: Invocation, e: EventOf<'insert'>) {
  await db.sql`insert into ledger (run_id, tag, stamp, tenant) values (${e.opId}, ${e.tag}, ${STAMP}, nullif(current_setting('app.tenant', true), ''))`;
}

/**
 * Runs two statements at once; the first given is sent first (a query starts when awaited). The
 * invocation's outcome is the insert's: the other may fail while the insert committed.
 */
async function pair(first: PromiseLike<unknown>, second: PromiseLike<unknown>, insertIsFirst: boolean) {
  const settled = await Promise.allSettled([first, second]);
  const write = settled[insertIsFirst ? 0 : 1];
  if (write.status === 'rejected') throw write.reason;
}

export async function readAndInsert({ db }: Invocation, e: EventOf<'read-and-insert'>) {
  await pair(
    db.query('select count(*)::int as n from ledger where run_id = $1', [e.opId], { idempotent: true }),
    db.sql`insert into ledger (run_id) values (${e.opId})`,
    false,
  );
}

export async function pairLate({ db }: Invocation, e: EventOf<'pair-late'>) {
  const sleep = () => db.query('select pg_sleep($1)', [e.seconds], { idempotent: true });
  const write = () => db.sql`insert into ledger (run_id) values (${e.opId})`;
  if (e.first === 'sleep') await pair(sleep(), write(), false);
  else await pair(write(), sleep(), true);
}

export async function batch({ db }: Invocation, e: EventOf<'batch'>) {
  await db.batch([
    db.sql`insert into ledger (run_id) values (${`${e.opId}.1`})`,
    db.sql`insert into ledger (run_id) values (${`${e.opId}.2`})`,
  ]);
}

export async function tx({ db, externalCall }: Invocation, e: EventOf<'tx'>) {
  await db.transaction(async (t) => {
    await t.sql`insert into ledger (run_id) values (${`${e.opId}.1`})`;
    if (e.pauseAt === 'between') await externalCall(e.pauseMs);
    await t.sql`insert into ledger (run_id) values (${`${e.opId}.2`})`;
    if (e.pauseAt === 'after') await externalCall(e.pauseMs);
  });
}

export async function txSleep({ db }: Invocation, e: EventOf<'tx-sleep'>) {
  await db.transaction(async (t) => {
    await t.sql`insert into ledger (run_id) values (${e.opId})`;
    await t.sql`select pg_sleep(${e.seconds})`;
  });
}

export async function txAll({ db }: Invocation, e: EventOf<'tx-all'>) {
  // No effects outside the database, so it may run again: after a schema change (STALE_STATEMENT).
  await db.transaction(async (t) => {
    await Promise.all([
      t.sql`insert into ledger (run_id, tag, stamp) values (${`${e.opId}.1`}, ${e.tag}, ${STAMP})`,
      t.query('select * from ledger where run_id = $1', [e.opId]),
      t.sql`insert into ledger (run_id) values (${`${e.opId}.2`})`,
    ]);
  }, { retries: 1 });
}

export async function savepoints({ db }: Invocation, e: EventOf<'savepoints'>) {
  await db.transaction(async (t) => {
    await t.sql`insert into ledger (run_id) values (${`${e.opId}.1`})`;
    await t
      .savepoint(async (s) => {
        await s.sql`insert into ledger (run_id) values (${`${e.opId}.undone`})`;
        throw new Undo('undo this savepoint');
      })
      .catch((err: unknown) => {
        if (!(err instanceof Undo)) throw err;
      });
    const kept = t.savepoint((s) => s.sql`insert into ledger (run_id) values (${`${e.opId}.2`})`);
    if (!e.concurrent) return kept;
    const [ok, refused] = await Promise.allSettled([kept, t.savepoint((s) => s.sql`insert into ledger (run_id) values (${`${e.opId}.refused`})`)]);
    if (ok.status === 'rejected') throw ok.reason;
    if (refused.status === 'fulfilled' || (refused.reason as { code?: string }).code !== 'CONCURRENT_SAVEPOINT') {
      throw new Error(`a savepoint started while another was open was not refused with CONCURRENT_SAVEPOINT: ${refused.status === 'rejected' ? String(refused.reason) : 'it ran'}`);
    }
  });
}

/**
 * A keyed transaction: inserts the key's row and returns its id, at most once per key however
 * often the key is delivered. A repeat returns the first delivery's stored result; `retries: 1`
 * reruns it when a lost COMMIT turns out not to have committed.
 */
export async function keyed({ db, externalCall }: Invocation, e: EventOf<'keyed'>): Promise<KeyedResult> {
  return db.transaction(async (t) => {
    const [row] = await t.sql<{ id: string }>`insert into ledger (run_id) values (${e.key}) returning id::text as id`;
    await externalCall(e.pauseMs);
    return { id: row!.id };
  }, { idempotencyKey: e.key, payload: { key: e.key }, retries: 1 });
}
