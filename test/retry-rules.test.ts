import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { adminClient, uniqueName } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// A statement that may have reached the server is never sent twice unless marked idempotent.
// The backend is killed while the statement runs, so the client cannot know whether it applied.

const admin = adminClient(adminUrl());
const table = uniqueName('retry_ledger');

beforeAll(async () => {
  const db = createPool({ connectionString: databaseUrl(), applicationName: 'retry-setup' });
  await db.query(`create table ${table} (id bigserial, run_id text not null)`);
  await db.end();
});
afterAll(() => admin.end());

/** Kills the backend running a statement of `appName` once it is active. */
async function killWhenActive(appName: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const rows = await admin`select pid from pg_stat_activity where application_name like ${appName + ':%'} and state = 'active' and query like '%pg_sleep%'`;
    if (rows.length > 0) {
      await admin`select pg_terminate_backend(${rows[0].pid})`;
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('statement never became active');
}

describe('after the connection is lost mid-statement', () => {
  it('a write the server ended before it completed is sent again and applies once', async () => {
    // The server's FATAL came before the statement's CommandComplete, and a statement run as its
    // own transaction commits only after that: it did not commit, so it is safe to send again.
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'retry-write' });
    const runId = uniqueName('w');
    const write = db.query(`insert into ${table} (run_id) select $1 from pg_sleep(0.5)`, [runId]).then(() => null, (e) => e);
    await killWhenActive('retry-write');
    expect(await write).toBeNull();
    expect(db.stats()).toMatchObject({ retries: 1, outcomeUnknown: 0 });
    const [row] = await admin`select count(*)::int as n from ${admin(table)} where run_id = ${runId}`;
    expect(row.n).toBe(1);
    await db.end();
  });

  it('behind a pooler the same write is not re-sent: the FATAL may stand for a server that committed', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'retry-write-pooled', pooler: 'pgbouncer' });
    const runId = uniqueName('wp');
    const write = db.query(`insert into ${table} (run_id) select $1 from pg_sleep(0.5)`, [runId]).then(() => null, (e) => e);
    await killWhenActive('retry-write-pooled');
    const error = await write;
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', notApplied: false });
    expect(error.cause).toMatchObject({ code: 'CONNECTION_LOST' });
    expect(db.stats()).toMatchObject({ retries: 0, outcomeUnknown: 1 });
    const [row] = await admin`select count(*)::int as n from ${admin(table)} where run_id = ${runId}`;
    expect(row.n).toBeLessThanOrEqual(1);
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    await db.end();
  });

  it('an idempotent statement is retried once on a new connection', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'retry-read' });
    const read = db.sql`select 42 as answer, pg_sleep(0.3)`.idempotent().then((rows) => rows);
    await killWhenActive('retry-read');
    expect((await read)[0].answer).toBe(42);
    expect(db.stats()).toMatchObject({ retries: 1, created: 2 });
    await db.end();
  });

  it('a batch lost before its COMMIT was sent is sent again, and applies exactly once', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'retry-batch' });
    const runId = uniqueName('b');
    const write = db.batch([db.query(`insert into ${table} (run_id) values ($1)`, [runId]), db.sql`select pg_sleep(0.3)`]);
    await killWhenActive('retry-batch');
    await write;
    expect(db.stats()).toMatchObject({ retries: 1, outcomeUnknown: 0 });
    const [row] = await admin`select count(*)::int as n from ${admin(table)} where run_id = ${runId}`;
    expect(row.n).toBe(1);
    await db.end();
  });

  it('a transaction whose connection dies before COMMIT reports that it did not commit', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'retry-tx' });
    const runId = uniqueName('t');
    const tx = db.transaction(async (t) => {
      await t.query(`insert into ${table} (run_id) values ($1)`, [runId]);
      await t.sql`select pg_sleep(0.5)`;
    }).then(() => null, (e) => e);
    await killWhenActive('retry-tx');
    expect(await tx).toMatchObject({ code: 'CONNECTION_LOST', notApplied: true });
    const [row] = await admin`select count(*)::int as n from ${admin(table)} where run_id = ${runId}`;
    expect(row.n).toBe(0);
    await db.end();
  });

  it('a transaction opted in with retries runs again after a lost connection', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'retry-tx2' });
    const runId = uniqueName('t2');
    let attempts = 0;
    const tx = db.transaction(async (t) => {
      attempts++;
      await t.query(`insert into ${table} (run_id) values ($1)`, [runId]);
      if (attempts === 1) await t.sql`select pg_sleep(0.5)`;
      return attempts;
    }, { retries: 1 });
    const killer = killWhenActive('retry-tx2');
    expect(await tx).toBe(2);
    await killer;
    const [row] = await admin`select count(*)::int as n from ${admin(table)} where run_id = ${runId}`;
    expect(row.n).toBe(1);
    await db.end();
  });
});

describe('connecting', () => {
  it('retries a refused connect with backoff, then fails with CONNECT_FAILED', async () => {
    const events: string[] = [];
    const db = createPool({ connectionString: 'postgres://u:secret-pw@127.0.0.1:1/db', maxConnectAttempts: 3, onEvent: (e) => events.push(e.type) });
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
    expect(events.filter((e) => e === 'connect-retry')).toHaveLength(2);
    expect(db.stats()).toMatchObject({ connectFailures: 3, open: 0 });
    await db.end();
  });

  it('makes one connection per attempt when the server closes it during startup', async () => {
    let accepted = 0;
    const closer = net.createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((r) => closer.listen(0, '127.0.0.1', r));
    const port = (closer.address() as net.AddressInfo).port;
    const db = createPool({ connectionString: `postgres://u:pw@127.0.0.1:${port}/db`, maxConnectAttempts: 2, acquireTimeoutMs: 2_000 });
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
    expect(accepted).toBe(2);
    await db.end();
    closer.close();
  });

  it('does not retry a wrong password', async () => {
    const url = new URL(databaseUrl());
    url.password = 'wrong-password';
    const db = createPool({ connectionString: url.toString(), maxConnectAttempts: 5 });
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28P01' });
    expect(db.stats().connectFailures).toBe(1);
    await db.end();
  });
});
