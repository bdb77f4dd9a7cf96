import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, countConnections, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { startTestGateway, waitFor, withUrl } from './gateway-support.js';

// The WebSocket transport (the Neon driver's Client through the gateway's proxy): a real session,
// so interactive transactions work where TCP is unavailable; closed connections are closed on the
// server too.

let gw: Gateway;
let admin: AdminSql;
const table = uniqueName('ws_tx');
const pools: Pool[] = [];

function wsPool(options: Record<string, unknown> = {}): Pool {
  const db = createPool({ connectionString: databaseUrl(), transport: 'websocket', wsProxy: `ws://${gw.wsProxy}`, applicationName: uniqueName('ws'), ...options });
  pools.push(db);
  return db;
}

beforeAll(async () => {
  gw = await startTestGateway();
  admin = adminClient(adminUrl());
  await wsPool().query(`create table ${table} (id int primary key)`);
});

afterAll(async () => {
  await wsPool().query(`drop table if exists ${table}`);
  await Promise.all(pools.map((p) => p.end()));
  await gw.close();
  await admin.end();
});

describe('the WebSocket transport', () => {
  it('names the fix when the proxy URL misses its /v2 path, never "[object …]"', async () => {
    const wrong = `ws://${gw.wsProxy}`.replace(/\/v2\/?$/, '/');
    const db = wsPool({ wsProxy: wrong, maxConnectAttempts: 1 });
    const error = await db.sql`select 1`.then(() => null, (e: Error) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
    expect(error!.message).not.toMatch(/\[object/);
    expect(error!.message).toContain(`set wsProxy to ws://${new URL(wrong).host}/v2`);
  });

  it('runs interactive transactions: commit, and rollback when the callback throws', async () => {
    const db = wsPool();
    const id = await db.transaction(async (tx) => {
      const [row] = await tx.sql`insert into ${tx.unsafe(table)} values (1) returning id`;
      const [{ n }] = await tx.sql`select count(*)::int as n from ${tx.unsafe(table)}`;
      expect(n).toBe(1);
      return row.id;
    });
    expect(id).toBe(1);
    await expect(db.transaction(async (tx) => {
      await tx.sql`insert into ${tx.unsafe(table)} values (2)`;
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect(await db.sql`select id from ${db.unsafe(table)} order by id`).toEqual([{ id: 1 }]);
    expect(db.stats()).toMatchObject({ transport: 'websocket', created: 1 });
  });

  it('keeps one session across statements, and the server sees the application name', async () => {
    const name = uniqueName('wsapp');
    const db = wsPool({ applicationName: name, max: 1 });
    const [a] = await db.sql`select pg_backend_pid() as pid`;
    const [b] = await db.sql`select pg_backend_pid() as pid, current_setting('application_name') as app`;
    expect(b.pid).toBe(a.pid);
    expect(b.app).toMatch(new RegExp(`^${name}:`));
    expect(await countConnections(admin, name)).toBe(1);
    await db.end();
    await waitFor(async () => (await countConnections(admin, name)) === 0, 3_000, 'the server connection to close');
  });

  it('a wrong password: CONNECT_FAILED with 28P01, without the password in the message', async () => {
    const db = wsPool({ connectionString: withUrl(databaseUrl(), (u) => (u.password = 'wrong-ws-password-1')) });
    const err = await db.sql`select 1`.catch((e) => e);
    expect(err).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28P01', notApplied: true });
    expect(err.message).not.toContain('wrong-ws-password-1');
  });

  it('a statement past its deadline closes the socket; the next statement gets a new connection', async () => {
    const db = wsPool();
    const handler = withPool(db, async () => db.sql`select pg_sleep(5)`);
    const started = Date.now();
    await expect(handler({}, { getRemainingTimeInMillis: () => 800 })).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await db.sql`select 1 as ok`).toEqual([{ ok: 1 }]);
    expect(db.stats().created).toBe(2);
  });

  it('server errors are DatabaseErrors and leave the session usable', async () => {
    const db = wsPool();
    await expect(db.query(`insert into ${table} values (1)`)).rejects.toMatchObject({ name: 'DatabaseError', code: '23505', table });
    expect(await db.sql`select 2 as n`).toEqual([{ n: 2 }]);
    expect(db.stats().created).toBe(1);
  });
});
