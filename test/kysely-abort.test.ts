/**
 * Kysely's in-flight query abort strategies through WarmpoolDialect: an aborted query with
 * `'cancel query'` is cancelled on the server (pg_cancel_backend from another connection of the
 * pool) and its connection is reused; with `'kill session'` its backend is terminated and the pool
 * replaces the connection. The query waits on a lock held elsewhere, so it ends only if the
 * strategy ended it. Over HTTP there is no session to signal: a coded error says so.
 */
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WarmpoolDialect } from '../src/adapters/kysely/index.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { type AdminSql, adminClient } from './support/db.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

const LOCK = 7_340_021;
let gw: Gateway;
let holder: AdminSql;
let observer: AdminSql;
const pools: Pool[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  holder = adminClient(databaseUrl());
  observer = adminClient(databaseUrl());
  await holder`select pg_advisory_lock(${LOCK})`;
});

afterAll(async () => {
  await holder?.end();
  await observer?.end();
  await Promise.all(pools.map((p) => p.end()));
  await gw?.close();
});

function kyselyOn(transport: 'tcp' | 'websocket' | 'http', applicationName: string) {
  const pool = createPool({ connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}`, transport, applicationName, max: 2 });
  pools.push(pool);
  return { pool, db: new Kysely<Record<string, never>>({ dialect: new WarmpoolDialect({ pool }) }) };
}

/** The backend of `applicationName` waiting on the lock, once there is one. */
async function waiting(applicationName: string): Promise<number> {
  let pid = 0;
  await vi.waitFor(async () => {
    const [row] = await observer`select pid from pg_stat_activity where application_name like ${applicationName + '%'} and wait_event_type = 'Lock' and state = 'active'`;
    expect(row).toBeDefined();
    pid = row.pid as number;
  }, { timeout: 10_000, interval: 20 });
  return pid;
}

const stillWaiting = async (applicationName: string) =>
  (await observer`select count(*)::int as n from pg_stat_activity where application_name like ${applicationName + '%'} and wait_event_type = 'Lock'`)[0].n as number;

describe.each(['tcp', 'websocket'] as const)('over %s', (transport) => {
  it('\'cancel query\' cancels the query on the server; the connection serves the next query', async () => {
    const name = `ky-abort-cancel-${transport}`;
    const { pool, db } = kyselyOn(transport, name);
    const controller = new AbortController();
    const aborted = sql`select pg_advisory_lock(${LOCK})`.execute(db, { signal: controller.signal, inflightQueryAbortStrategy: 'cancel query' }).catch((e: unknown) => e);
    const pid = await waiting(name);
    controller.abort(new Error('the caller gave up'));
    expect(await aborted).toMatchObject({ message: 'the caller gave up' });
    await vi.waitFor(async () => expect(await stillWaiting(name)).toBe(0), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(pool.stats().busy).toBe(0));
    const next = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
    expect(await observer`select count(*)::int as n from pg_stat_activity where pid = ${pid}`).toEqual([{ n: 1 }]);
    expect(typeof next.rows[0].pid).toBe('number');
  });

  it('\'kill session\' terminates the backend; the pool replaces the connection', async () => {
    const name = `ky-abort-kill-${transport}`;
    const { pool, db } = kyselyOn(transport, name);
    const controller = new AbortController();
    const aborted = sql`select pg_advisory_lock(${LOCK})`.execute(db, { signal: controller.signal, inflightQueryAbortStrategy: 'kill session' }).catch((e: unknown) => e);
    const pid = await waiting(name);
    controller.abort(new Error('the caller gave up'));
    expect(await aborted).toMatchObject({ message: 'the caller gave up' });
    await vi.waitFor(async () => expect(await observer`select count(*)::int as n from pg_stat_activity where pid = ${pid}`).toEqual([{ n: 0 }]), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(pool.stats().busy).toBe(0));
    const next = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
    expect(next.rows[0].pid).not.toBe(pid);
  });
});

describe('over http', () => {
  it('refuses \'cancel query\' and \'kill session\' with NOT_SUPPORTED_ON_TRANSPORT; \'ignore query\' runs', async () => {
    const { db } = kyselyOn('http', 'ky-abort-http');
    const signal = new AbortController().signal;
    for (const inflightQueryAbortStrategy of ['cancel query', 'kill session'] as const) {
      const refused = await sql`select 1`.execute(db, { signal, inflightQueryAbortStrategy }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
      expect((refused as Error).message).toContain('inflightQueryAbortStrategy');
    }
    expect((await sql<{ n: number }>`select 1 as n`.execute(db, { signal, inflightQueryAbortStrategy: 'ignore query' })).rows).toEqual([{ n: 1 }]);
  });
});
