import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { mayPipeline } from '../src/pool/pipelining.js';
import { adminClient, terminateBackend, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// With one connection per container, the single statements one invocation runs at once are
// written on that connection one after another (as postgres.js pipelines them) instead of each
// waiting for the previous answer. Each still runs as its own transaction.

let admin: AdminSql;
const table = uniqueName('pipelined');
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

describe('pipelining', () => {
  it("writes an invocation's concurrent statements on its one connection, each its own transaction", async () => {
    const db = pool('pipe-basic');
    const prefix = uniqueName('basic');
    const handler = withPool(db, async () =>
      Promise.all([
        db.sql`select pg_backend_pid() as pid`,
        db.query(`insert into ${table} values ($1) returning v`, [`${prefix}-a`]),
        db.query(`insert into ${table} values ($1) returning v`, [`${prefix}-b`]),
        db.sql`select pg_backend_pid() as pid`,
      ]),
    );
    const [first, a, b, last] = await handler({}, context());
    expect(first[0].pid).toBe(last[0].pid);
    expect([a[0].v, b[0].v]).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(await committed(prefix)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(db.stats()).toMatchObject({ created: 1, pipelined: 3, releaseRollbacks: 0, idle: 1, busy: 0 });
    // A warm invocation pipelines on the pooled connection too.
    await handler({}, context()).catch(() => {});
    expect(db.stats()).toMatchObject({ created: 1, pipelined: 6 });
  });

  it('keeps statements outside an invocation on their own turns', async () => {
    const db = pool('pipe-unscoped');
    await Promise.all([db.sql`select 1`, db.sql`select 2`, db.sql`select 3`]);
    expect(db.stats()).toMatchObject({ created: 1, pipelined: 0 });
  });

  it('never pipelines BEGIN: a write beside it commits on its own', async () => {
    const db = pool('pipe-begin');
    const prefix = uniqueName('begin');
    const handler = withPool(db, async () =>
      Promise.all([
        db.query(`insert into ${table} values ($1)`, [`${prefix}-1`]),
        db.query('/* opened by hand */ BEGIN'),
        db.query(`insert into ${table} values ($1)`, [`${prefix}-2`]),
      ]),
    );
    await handler({}, context());
    // The BEGIN ran alone and was rolled back on release; neither insert ran inside it.
    expect(await committed(prefix)).toEqual([`${prefix}-1`, `${prefix}-2`]);
    expect(db.stats()).toMatchObject({ pipelined: 0, releaseRollbacks: 1, created: 1 });
  });

  it('an error in one pipelined statement leaves the others alone', async () => {
    const db = pool('pipe-error');
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
    expect(db.stats()).toMatchObject({ created: 1, pipelined: 2, releaseRollbacks: 0 });
  });

  it('a backend killed under pipelined statements: the read is retried, the write is not sent twice', async () => {
    const db = pool('pipe-kill');
    const prefix = uniqueName('kill');
    const marker = uniqueName('sleep_marker');
    const handler = withPool(db, async () =>
      Promise.allSettled([
        db.query(`select pg_sleep(2), '${marker}' as m`, [], { idempotent: true }),
        db.query(`insert into ${table} values ($1)`, [`${prefix}-w`]),
      ]),
    );
    const running = handler({}, context());
    await terminateBackend(admin, await activeBackend(marker));
    const [read, write] = await running;
    expect(read).toMatchObject({ status: 'fulfilled' });
    if (write.status === 'rejected') expect(write.reason).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    const rows = await committed(prefix);
    expect(rows.length).toBe(write.status === 'fulfilled' ? 1 : rows.length);
    expect(rows.length).toBeLessThanOrEqual(1);
    expect(db.stats()).toMatchObject({ retries: 1 });
    expect(await withPool(db, async () => db.sql`select 1 as one`)({}, context())).toEqual([{ one: 1 }]);
  });

  it('at the deadline every pipelined statement is cut and each outcome is told as it is', async () => {
    const db = pool('pipe-deadline');
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
    const rows = await committed(prefix);
    if (write.status === 'fulfilled') expect(rows).toEqual([`${prefix}-w`]);
    else if (write.reason.notApplied) expect(rows).toEqual([]);
    else expect(write.reason.code).toBe('OUTCOME_UNKNOWN');
    // The connection went back idle (or was closed): the next write commits at once.
    const next = withPool(db, async () => db.query(`insert into ${table} values ($1)`, [`${prefix}-next`]));
    await next({}, context());
    expect(await committed(`${prefix}-next`)).toEqual([`${prefix}-next`]);
  });
});

describe('mayPipeline', () => {
  it('reads the first word past whitespace and comments', () => {
    for (const text of ['begin', '  BEGIN;', 'Start transaction', '/* a /* nested */ b */ begin', '-- note\n  commit', 'END', 'rollback', 'savepoint s', 'release s', 'abort', 'prepare transaction $$x$$', '/* unterminated begin', '\t\r\nBEGIN', '\fcommit', '\vRollBack']) {
      expect(mayPipeline(text), text).toBe(false);
    }
    for (const text of ['select 1', 'insert into t values (1)', 'with x as (select 1) select * from x', '(select 1)', '/* begin */ select 1', '-- begin\nselect 1', 'beginning_of_time()', 'set search_path = public']) {
      expect(mayPipeline(text), text).toBe(true);
    }
  });
});
