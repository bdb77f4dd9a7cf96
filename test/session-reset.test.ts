import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// Nothing one invocation leaves in its session reaches the next: settings, a tenant key, temp
// tables, LISTEN, advisory locks. Each case runs with `max: 1`, so the next invocation gets the
// very same server session (its pid is compared), and checks what it finds there.

let gw: Gateway;
let admin: AdminSql;
const pools: Pool[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  admin = adminClient(adminUrl());
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin.end();
  await gw.close();
});

type Transport = 'tcp' | 'websocket';

function setup(transport: Transport, remainingMs = 10_000) {
  const db = createPool({
    connectionString: databaseUrl(),
    transport,
    ...(transport === 'websocket' ? { wsProxy: `ws://${gw.wsProxy}` } : {}),
    applicationName: uniqueName('reset'),
    max: 1,
    validateAfterIdleMs: 60_000,
  });
  pools.push(db);
  const invoke = <R>(fn: () => Promise<R>): Promise<R> => withPool(db, fn)({}, { getRemainingTimeInMillis: () => remainingMs });
  const pid = async () => (await db.sql<{ pid: number }>`select pg_backend_pid() as pid`)[0].pid;
  return { db, invoke, pid };
}

describe.each<Transport>(['tcp', 'websocket'])('a session reused over %s', (transport) => {
  it('does not carry a tenant key set with set_config(…, false) into the next invocation', async () => {
    const { db, invoke, pid } = setup(transport);
    const first = await invoke(async () => {
      await db.sql`select set_config('app.tenant', 'a', false)`;
      return pid();
    });
    const [row, second] = await invoke(async () => [(await db.sql<{ tenant: string | null }>`select current_setting('app.tenant', true) as tenant`)[0], await pid()] as const);
    expect(second).toBe(first);
    expect(row.tenant ?? '').toBe('');
    expect(db.stats()).toMatchObject({ created: 1, sessionResets: 1 });
  });

  it('resets SET on a reserved connection (search_path, statement_timeout) when it is released', async () => {
    const { db, invoke, pid } = setup(transport);
    const first = await invoke(async () => {
      const conn = await db.reserve();
      await conn.sql`set search_path = pg_catalog`;
      await conn.sql`set statement_timeout = 50`;
      const id = (await conn.sql<{ pid: number }>`select pg_backend_pid() as pid`)[0].pid;
      await conn.release();
      return id;
    });
    const found = await invoke(async () => {
      await db.sql`select pg_sleep(0.2)`;
      return { pid: await pid(), path: (await db.sql<{ p: string }>`select current_setting('search_path') as p`)[0].p };
    });
    expect(found).toEqual({ pid: first, path: '"$user", public' });
  });

  it('drops temp tables, so the next CREATE TEMP TABLE of the same name works', async () => {
    const { db, invoke, pid } = setup(transport);
    const table = uniqueName('tmp');
    const first = await invoke(async () => {
      await db.query(`create temp table ${table} (n int)`);
      return pid();
    });
    const second = await invoke(async () => {
      await db.query(`create temp table ${table} (n int)`);
      return pid();
    });
    expect(second).toBe(first);
  });

  it('stops listening and releases session advisory locks left by the handler', async () => {
    const { db, invoke, pid } = setup(transport);
    const key = Math.floor(Math.random() * 1e9);
    const first = await invoke(async () => {
      await db.sql`listen warmpool_reset_test`;
      const conn = await db.reserve();
      await conn.sql`select pg_advisory_lock(${key}::bigint)`;
      await conn.release();
      return pid();
    });
    const [{ locked }] = await admin`select pg_try_advisory_lock(${key}::bigint) as locked`;
    expect(locked).toBe(true);
    await admin`select pg_advisory_unlock(${key}::bigint)`;
    const found = await invoke(async () => ({ pid: await pid(), channels: (await db.sql<{ n: number }>`select count(*)::int as n from pg_listening_channels()`)[0].n }));
    expect(found).toEqual({ pid: first, channels: 0 });
  });

  it('keeps a reserved connection cut at the deadline from holding its advisory lock', async () => {
    const { db, invoke } = setup(transport, 1_500);
    const key = Math.floor(Math.random() * 1e9);
    const error = await invoke(async () => {
      const conn = await db.reserve();
      try {
        await conn.sql`select pg_advisory_lock(${key}::bigint)`;
        await conn.sql`select pg_sleep(5)`;
      } finally {
        // Refused past the deadline: only the release can undo the lock.
        await conn.sql`select pg_advisory_unlock(${key}::bigint)`.catch(() => {});
        await conn.release();
      }
    }).then(() => null, (e) => e);
    // Over WebSocket a statement past its deadline closes the socket: its outcome is unknown.
    expect(['DEADLINE_EXCEEDED', 'OUTCOME_UNKNOWN']).toContain(error?.code);
    // Over WebSocket (no cancel through the proxy) the server ends the session once the sleep ends.
    await expect.poll(async () => (await admin`select pg_try_advisory_lock(${key}::bigint) as locked`)[0].locked, { timeout: 15_000 }).toBe(true);
    await admin`select pg_advisory_unlock_all()`;
  });

  it('sends no reset when nothing changed the session', async () => {
    const { db, invoke } = setup(transport);
    await invoke(async () => {
      await db.sql`select 1`;
      await db.transaction(async (tx) => {
        await tx.sql`set local statement_timeout = 1000`;
        await tx.sql`select set_config('app.tenant', 'x', true)`;
      });
      const conn = await db.reserve();
      await conn.release();
    });
    expect(db.stats()).toMatchObject({ created: 1, sessionResets: 0 });
  });
});

describe('a session reused over tcp', () => {
  it('resets a setting a function changed, seen in the server’s ParameterStatus', async () => {
    const fn = uniqueName('set_tz');
    await admin.unsafe(`create function ${fn}() returns void language plpgsql as $$ begin perform set_config('TimeZone', 'Asia/Tokyo', false); end $$`);
    await admin.unsafe(`grant execute on function ${fn}() to public`);
    try {
      const { db, invoke, pid } = setup('tcp');
      const before = await invoke(async () => (await db.sql<{ tz: string }>`select current_setting('TimeZone') as tz`)[0].tz);
      const first = await invoke(async () => {
        await db.query(`select ${fn}()`);
        return pid();
      });
      const after = await invoke(async () => ({ pid: await pid(), tz: (await db.sql<{ tz: string }>`select current_setting('TimeZone') as tz`)[0].tz }));
      expect(after).toEqual({ pid: first, tz: before });
    } finally {
      await admin.unsafe(`drop function if exists ${fn}()`);
    }
  });
});
