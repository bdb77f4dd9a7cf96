import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

const admin = adminClient(adminUrl());
afterAll(() => admin.end());

async function sleepingQueries(appName: string): Promise<number> {
  const [row] = await admin`select count(*)::int as n from pg_stat_activity where application_name like ${appName + ':%'} and state = 'active'`;
  return row.n;
}

describe('the invocation deadline', () => {
  it('cancels a statement on the server before Lambda would kill the container', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'deadline' });
    const handler = withPool(db, async () => db.sql`select pg_sleep(5)`, { deadlineMarginMs: 200 });
    const started = Date.now();
    const error = await handler({}, { getRemainingTimeInMillis: () => 1_000 }).then(() => null, (e) => e);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    expect(elapsed).toBeLessThan(5_000);
    expect(await sleepingQueries('deadline')).toBe(0);
    const next = await withPool(db, async () => db.sql`select 1 as one`)({}, { getRemainingTimeInMillis: () => 1_000 });
    expect(next).toEqual([{ one: 1 }]);
    await db.end();
  });

  it("cuts a statement at its own deadline after one with a later deadline on the same connection", async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'deadline-earlier', max: 1 });
    await db.sql`select 1`;
    const quick = withPool(db, async () => db.sql`select 1 as one`, { deadlineMarginMs: 0 });
    const slow = withPool(db, async () => db.sql`select pg_sleep(5)`, { deadlineMarginMs: 0 });
    expect(await quick({}, { getRemainingTimeInMillis: () => 60_000 })).toEqual([{ one: 1 }]);
    const error = await slow({}, { getRemainingTimeInMillis: () => 300 }).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    expect(await sleepingQueries('deadline-earlier')).toBe(0);
    await db.end();
  });

  it("does not cut a statement at an earlier statement's deadline on the same connection", async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'deadline-later', max: 1 });
    await db.sql`select 1`;
    const quick = withPool(db, async () => db.sql`select 1 as one`, { deadlineMarginMs: 0 });
    const slow = withPool(db, async () => db.sql`select pg_sleep(1) as slept`, { deadlineMarginMs: 0 });
    expect(await quick({}, { getRemainingTimeInMillis: () => 300 })).toEqual([{ one: 1 }]);
    // The first deadline passes while this one runs.
    expect(await slow({}, { getRemainingTimeInMillis: () => 60_000 })).toEqual([{ slept: '' }]);
    expect(db.stats()).toMatchObject({ created: 1 });
    await db.end();
  });

  it('bounds the wait for a connection', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'deadline-wait', max: 1 });
    const busy = db.sql`select pg_sleep(1)`.then((rows) => rows); // queries are lazy: start it now
    const handler = withPool(db, async () => db.sql`select 1`, { deadlineMarginMs: 0 });
    const error = await handler({}, { getRemainingTimeInMillis: () => 200 }).then(() => null, (e) => e);
    // The deadline, not acquireTimeoutMs, ended the wait: raising max is not the advice.
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    await busy;
    await db.end();
  });

  it('applies queryTimeoutMs outside Lambda too', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'qtimeout', queryTimeoutMs: 200 });
    const error = await db.sql`select pg_sleep(3)`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'QUERY_TIMEOUT', notApplied: true });
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    await db.end();
  });
});

describe('overlapping invocations (Lambda Managed Instances)', () => {
  it('keep their own deadlines', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'overlap', max: 2 });
    const handler = withPool(db, async (event: { seconds: number }) => db.sql`select pg_sleep(${event.seconds}) as slept`, { deadlineMarginMs: 0 });
    const [long, short] = await Promise.allSettled([
      handler({ seconds: 0.6 }, { getRemainingTimeInMillis: () => 5_000 }),
      handler({ seconds: 3 }, { getRemainingTimeInMillis: () => 300 }),
    ]);
    expect(long.status).toBe('fulfilled');
    expect(short).toMatchObject({ status: 'rejected', reason: { code: 'DEADLINE_EXCEEDED' } });
    await db.end();
  });
});
