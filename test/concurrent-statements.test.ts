import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, terminateBackend, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// The statements one invocation runs at once (Promise.all) with one connection per container take
// turns on it: each is written only when the one before has been answered, so every statement is
// accounted for (sent or certainly not sent), an error stays in its own statement, and a cancel
// at the deadline reaches only the statement it was sent for.

let admin: AdminSql;
const table = uniqueName('concurrent');
const pools: Pool[] = [];

beforeAll(async () => {
  admin = adminClient(adminUrl());
  await admin.unsafe(`create table ${table} (v text primary key)`);
  await admin.unsafe(`grant all on ${table} to public`);
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin.unsafe(`drop table if exists ${table}`);
  await admin.end();
});

function pool(name: string): Pool {
  const db = createPool({ connectionString: databaseUrl(), applicationName: `${name}-${uniqueName('p')}`, max: 1 });
  pools.push(db);
  return db;
}

const context = (remainingMs = 30_000) => ({ getRemainingTimeInMillis: () => remainingMs });

async function committed(prefix: string): Promise<string[]> {
  const rows = await admin.unsafe(`select v from ${table} where v like $1 order by v`, [`${prefix}%`]);
  return rows.map((r) => r.v as string);
}

/** Waits until a backend runs a statement containing `text` (unique per test); returns its pid. */
async function activeBackend(text: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const rows = await admin`select pid from pg_stat_activity where state = 'active' and query like ${'%' + text + '%'} and pid <> pg_backend_pid()`;
    if (rows.length > 0) return rows[0].pid as number;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no backend ran ${text}`);
}

describe("an invocation's concurrent statements", () => {
  it('take turns on its one connection, each its own transaction', async () => {
    const db = pool('turns');
    const prefix = uniqueName('basic');
    const handler = withPool(db, async () =>
      Promise.all([
        db.sql`select pg_backend_pid() as pid`,
        db.query(`insert into ${table} values ($1) returning v`, [`${prefix}-a`]),
        db.query('/* opened by hand */ BEGIN'),
        db.query(`insert into ${table} values ($1) returning v`, [`${prefix}-b`]),
        db.sql`select pg_backend_pid() as pid`,
      ]),
    );
    const [first, a, , b, last] = await handler({}, context());
    expect(first[0].pid).toBe(last[0].pid);
    expect([a[0].v, b[0].v]).toEqual([`${prefix}-a`, `${prefix}-b`]);
    // The BEGIN held the connection alone and was rolled back on release; no insert ran inside it.
    expect(await committed(prefix)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(db.stats()).toMatchObject({ created: 1, releaseRollbacks: 1, idle: 1, busy: 0 });
  });

  it('an error in one leaves the others alone', async () => {
    const db = pool('error');
    const prefix = uniqueName('error');
    const handler = withPool(db, async () =>
      Promise.allSettled([
        db.query(`insert into ${table} values ($1)`, [`${prefix}-1`]),
        db.sql`select 1 / 0 as boom`,
        db.query(`insert into ${table} values ($1)`, [`${prefix}-2`]),
      ]),
    );
    const [one, boom, two] = await handler({}, context());
    expect(one.status).toBe('fulfilled');
    expect(boom).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
    expect(two.status).toBe('fulfilled');
    expect(await committed(prefix)).toEqual([`${prefix}-1`, `${prefix}-2`]);
    expect(db.stats()).toMatchObject({ created: 1, releaseRollbacks: 0 });
  });

  it('a backend killed under them: the read is retried, the waiting write runs once on a new connection', async () => {
    const db = pool('kill');
    const prefix = uniqueName('kill');
    const marker = uniqueName('sleep_marker');
    const handler = withPool(db, async () =>
      Promise.allSettled([
        db.query(`select pg_sleep(2), '${marker}' as m`, [], { idempotent: true }),
        // First seen and with a parameter: the driver describes it before it runs.
        db.query(`insert into ${table} values ($1::text)`, [`${prefix}-w`]),
      ]),
    );
    const running = handler({}, context());
    await terminateBackend(admin, await activeBackend(marker));
    const [read, write] = await running;
    expect(read).toMatchObject({ status: 'fulfilled' });
    expect(write).toMatchObject({ status: 'fulfilled' });
    expect(await committed(prefix)).toEqual([`${prefix}-w`]);
    expect(db.stats()).toMatchObject({ retries: 1, created: 2 });
  });

  it('at the deadline: the one running is cancelled, the waiting ones are not sent', async () => {
    const db = pool('deadline');
    const prefix = uniqueName('deadline');
    const handler = withPool(
      db,
      async () =>
        Promise.allSettled([
          db.sql`select pg_sleep(5)`,
          db.query(`insert into ${table} values ($1)`, [`${prefix}-w`]),
        ]),
      { deadlineMarginMs: 500 },
    );
    const [sleep, write] = await handler({}, context(900));
    expect(sleep).toMatchObject({ status: 'rejected', reason: { code: 'DEADLINE_EXCEEDED', notApplied: true } });
    expect(write).toMatchObject({ status: 'rejected', reason: { code: 'DEADLINE_EXCEEDED', notApplied: true } });
    expect(await committed(prefix)).toEqual([]);
    const next = withPool(db, async () => db.query(`insert into ${table} values ($1)`, [`${prefix}-next`]));
    await next({}, context());
    expect(await committed(`${prefix}-next`)).toEqual([`${prefix}-next`]);
  });
});

describe('a cancel sent at the deadline', () => {
  it('never outlives its statement: the session it was sent to is not used again', async () => {
    const db = pool('late-cancel');
    const pid = async () => (await db.sql<{ pid: number }>`select pg_backend_pid() as pid`)[0].pid;
    // The statement ends about when the deadline cancels it: the cancel may arrive after its answer.
    const cut = await withPool(db, async () => {
      const before = await pid();
      const error = await db.sql`select pg_sleep(0.4)`.then(() => null, (e) => e);
      return { before, error };
    }, { deadlineMarginMs: 500 })({}, context(900));
    const results = [];
    for (let i = 0; i < 10; i++) {
      results.push(await withPool(db, async () => ({ pid: await pid(), slept: await db.sql`select pg_sleep(0.01)`.then(() => 'ok', (e) => e.code) }))({}, context()));
    }
    expect(results.map((r) => r.slept)).toEqual(Array(10).fill('ok'));
    expect(results[0].pid).not.toBe(cut.before);
  });
});
