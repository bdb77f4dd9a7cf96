import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool, type PoolOptions } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, uniqueName } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// db.reserve(): one connection across statements, released by the caller, under the invocation's
// deadline and leak rules; over TCP and WebSocket (HTTP has no session).

let gw: Gateway;
let base: PoolOptions;
const context = { getRemainingTimeInMillis: () => 5_000 };

beforeAll(async () => {
  gw = await startTestGateway();
  base = { connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}` };
});
afterAll(() => gw?.close());

describe.each(['tcp', 'websocket'] as const)('a reserved connection over %s', (transport) => {
  let db: Pool;
  beforeAll(() => {
    db = createPool({ ...base, transport, max: 2, applicationName: `reserve-${transport}` });
  });
  afterAll(() => db.end());

  it('keeps one session across statements until released', async () => {
    const conn = await db.reserve();
    const temp = uniqueName('reserved_tmp');
    const [{ pid }] = await conn.sql<{ pid: number }>`select pg_backend_pid() as pid`;
    await conn.query(`create temporary table ${temp} (n int)`);
    const inserted = await conn.query(`insert into ${temp} values (1), (2)`);
    expect(inserted.count).toBe(2);
    const [again] = await conn.query<{ pid: number; n: number }>(`select pg_backend_pid() as pid, count(*)::int as n from ${temp}`);
    expect(again).toEqual({ pid, n: 2 });
    expect(db.stats()).toMatchObject({ busy: 1 });
    // The temp table is dropped on release, before the connection is pooled again.
    await conn.release();
    expect(db.stats()).toMatchObject({ busy: 0, sessionResets: 1 });
    conn.release(); // a second release does nothing
    await expect(Promise.resolve(conn.sql`select 1`)).rejects.toMatchObject({ code: 'INVALID_QUERY', notApplied: true });
  });

  it('gives the connection back only after a statement in flight settles', async () => {
    const conn = await db.reserve();
    const slow = conn.sql`select pg_sleep(0.05), 1 as n`.then((rows) => rows[0].n);
    conn.release();
    expect(db.stats()).toMatchObject({ busy: 1 });
    expect(await slow).toBe(1);
    expect(db.stats()).toMatchObject({ busy: 0 });
  });

  it('is evicted when the invocation ends without releasing it', async () => {
    const lambdaDb = createPool({ ...base, transport, applicationName: `reserve-leak-${transport}` });
    let leaked = -1;
    const handler = withPool(lambdaDb, async () => {
      const conn = await lambdaDb.reserve();
      await conn.sql`select 1`;
      return 'returned';
    }, { onInvocationEnd: (r) => (leaked = r.leaked) });
    expect(await handler({}, context)).toBe('returned');
    expect(leaked).toBe(1);
    expect(lambdaDb.stats()).toMatchObject({ leaked: 1, busy: 0 });
    // The slot came back: the next invocation runs.
    expect(await withPool(lambdaDb, async () => [...(await lambdaDb.sql`select 1 as one`)])({}, context)).toEqual([{ one: 1 }]);
    await lambdaDb.end();
  });

  it('refuses at once a pool call that could only wait for it (max 1, inside the invocation)', async () => {
    const lambdaDb = createPool({ ...base, transport, max: 1, applicationName: `reserve-self-${transport}` });
    const handler = withPool(lambdaDb, async () => {
      const conn = await lambdaDb.reserve();
      try {
        return await lambdaDb.sql`select 1`.then(() => 'no error', (e) => e.code);
      } finally {
        conn.release();
      }
    });
    expect(await handler({}, context)).toBe('POOL_HELD_BY_TRANSACTION');
    await lambdaDb.end();
  });
});

describe('a reserved connection over tcp', () => {
  it('made at module scope, runs under the deadline of the invocation using it', async () => {
    const db = createPool({ ...base, transport: 'tcp', max: 1, applicationName: 'reserve-module' });
    const conn = await db.reserve(); // at module scope: no invocation yet
    const handler = withPool(db, async () => conn.sql`select pg_sleep(5)`.then(() => 'slept', (e) => e.code), { deadlineMarginMs: 500 });
    expect(await handler({}, { getRemainingTimeInMillis: () => 1_200 })).toBe('DEADLINE_EXCEEDED');
    await conn.release();
    await db.end();
  });

  it('names the server\'s FATAL that ended its idle session in the next statement\'s error', async () => {
    const admin = adminClient(adminUrl());
    const app = uniqueName('reserve_fatal');
    const db = createPool({ ...base, transport: 'tcp', max: 1, applicationName: app });
    const conn = await db.reserve();
    await conn.sql`select 1`;
    // Returns once the backend has exited: its FATAL is on the wire; the admin round trip lets it be read.
    await admin`select pg_terminate_backend(pid, 5000) from pg_stat_activity where application_name like ${app + ':%'}`;
    await admin`select 1`;
    const error = await conn.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECTION_LOST', notApplied: true, sqlState: '57P01' });
    expect(error.message).toContain('terminating connection due to administrator command');
    await conn.release();
    await Promise.all([db.end(), admin.end()]);
  });
});

it('is refused over HTTP, which holds no session', async () => {
  const db = createPool({ ...base, transport: 'http', applicationName: 'reserve-http' });
  await expect(db.reserve()).rejects.toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
  await db.end();
});
