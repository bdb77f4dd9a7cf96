import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { FaultProxy } from './support/fault-proxy.js';
import { neonVia, postSql, startTestGateway, upstreamOf, waitFor } from './gateway-support.js';

// The gateway when its own connection to PostgreSQL fails: a real TCP proxy between the gateway
// and the server resets the upstream connection at a chosen statement. Every request is answered,
// the lost connection gives its slot back at once, nothing logs in again on its own, and a batch
// lost before its COMMIT is reported as not applied.

let proxy: FaultProxy;
let admin: AdminSql;
const gateways: Gateway[] = [];
const pools: Pool[] = [];

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstreamPort: Number(new URL(databaseUrl()).port) });
  admin = adminClient(adminUrl());
});
afterEach(async () => {
  proxy.clear();
  await proxy.refuse(false);
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  await admin.end();
  await proxy.close();
});

/** The test database through the proxy: what the gateway's upstream and the clients name. */
const viaProxy = () => proxy.urlFor(databaseUrl());

/** A gateway whose upstream is the fault proxy. */
async function gateway(options: Parameters<typeof startTestGateway>[0] = {}): Promise<Gateway> {
  const gw = await startTestGateway({ upstream: upstreamOf(viaProxy()), ...options });
  gateways.push(gw);
  return gw;
}

/** Resets the gateway's upstream connection instead of forwarding the next statement matching `re`. */
function resetBefore(re: RegExp) {
  return proxy.addRule({ match: (s) => re.test(s.text), action: 'reset-before' });
}

/** Every connection the proxy accepted was a login the gateway meant to make: none on its own. */
function expectNoLoginOfItsOwn(gw: Gateway, acceptedBefore: number): void {
  expect(proxy.counters.accepted - acceptedBefore).toBe(gw.stats().connections.opened);
}

/** Backends running a statement that contains `marker`. */
async function running(marker: string): Promise<number> {
  const [row] = await admin`
    select count(*)::int as n from pg_stat_activity
    where state = 'active' and pid <> pg_backend_pid() and query like ${`%${marker}%`}`;
  return row.n as number;
}

/** A request that gets no answer fails here rather than at the test timeout. */
const answered = () => ({ signal: AbortSignal.timeout(20_000) });

describe('gateway under upstream faults', () => {
  it('answers a batch whose upstream is reset before COMMIT as not applied, frees its slot and never logs in again on its own', async () => {
    const before = proxy.counters.accepted;
    const gw = await gateway({ maxConnections: 2 });
    // More lost batches than connections: each must give its slot back.
    for (let i = 0; i < 3; i++) {
      const marker = uniqueName('gw_batch');
      const rule = resetBefore(new RegExp(marker));
      const queries = [{ query: 'select 1', params: [] }, { query: `select $1::int as n /* ${marker} */`, params: [String(i)] }];
      const res = await postSql(gw, { queries }, {}, viaProxy(), answered());
      expect(rule.fired).toBe(1);
      // COMMIT was never sent: the server rolled the transaction back, so nothing was applied.
      expect([res.status, res.json().code, res.headers['retry-after']]).toEqual([503, '08006', '0']);
      expect(res.json().message).toContain('before COMMIT');
      await waitFor(() => gw.stats().connections.open === 0, 5_000, 'the lost connection to leave the pool');
      expect(await neonVia(gw, viaProxy())`select ${i}::int as n`).toEqual([{ n: i }]);
      expectNoLoginOfItsOwn(gw, before);
    }
    expect(gw.stats().connections.opened).toBe(4);
    expect(gw.stats().connections).toMatchObject({ queueTimeouts: 0, queueFull: 0 });
  });

  it('answers a batch whose COMMIT was sent and then lost as possibly applied (502), and frees its slot', async () => {
    const before = proxy.counters.accepted;
    const gw = await gateway({ maxConnections: 1 });
    const rule = resetBefore(/^commit/i);
    const res = await postSql(gw, { queries: [{ query: 'select 1', params: [] }] }, {}, viaProxy(), answered());
    expect(rule.fired).toBe(1);
    expect([res.status, res.json().code]).toEqual([502, '08006']);
    await waitFor(() => gw.stats().connections.open === 0, 5_000, 'the lost connection to leave the pool');
    expect(await neonVia(gw, viaProxy())`select 1 as n`).toEqual([{ n: 1 }]);
    expectNoLoginOfItsOwn(gw, before);
    expect(gw.stats().connections.opened).toBe(2);
  });

  it('answers a single statement whose upstream is reset, and the same user next logs in only once', async () => {
    const before = proxy.counters.accepted;
    const gw = await gateway();
    const sql = neonVia(gw, viaProxy());
    await sql`select 1`;
    const marker = uniqueName('gw_lost');
    resetBefore(new RegExp(marker));
    const res = await postSql(gw, { query: `select $1::text as v /* ${marker} */`, params: ['x'] }, {}, viaProxy(), answered());
    // A single statement may have run before the connection was lost: outcome unknown.
    expect([res.status, res.json().code]).toEqual([502, '08006']);
    await waitFor(() => gw.stats().connections.open === 0, 5_000, 'the lost connection to leave the pool');
    expect(await sql`select ${'y'}::text as v`).toEqual([{ v: 'y' }]);
    expectNoLoginOfItsOwn(gw, before);
    expect(gw.stats().connections.opened).toBe(2);
  });

  it('answers a request whose upstream login is reset with 503, and does not dial again for it', async () => {
    const before = proxy.counters.accepted;
    const gw = await gateway();
    // Reset during the startup exchange, before the password is asked for.
    proxy.set({ closeAfterBytes: 20 });
    const res = await postSql(gw, { query: 'select 1', params: [] }, {}, viaProxy(), answered());
    expect([res.status, res.json().code, res.headers['retry-after']]).toEqual([503, '08001', '1']);
    expect(proxy.counters.accepted - before).toBe(1);
    proxy.set({ closeAfterBytes: 0 });
    expect(await neonVia(gw, viaProxy())`select 1 as n`).toEqual([{ n: 1 }]);
    expectNoLoginOfItsOwn(gw, before + 1);
  });

  it('answers a batch whose upstream stops answering within its statement limit, as not applied', async () => {
    const gw = await gateway({ statementTimeoutMs: 500 });
    const sql = neonVia(gw, viaProxy());
    await sql`select 1`;
    await waitFor(() => gw.stats().connections.idle === 1, 5_000, 'the connection to be idle');
    // A blackhole: the idle connection's socket stays open, nothing comes back.
    proxy.set({ stall: true });
    const res = await postSql(gw, { queries: [{ query: 'select 1', params: [] }] }, {}, viaProxy(), answered());
    expect([res.status, res.json().code]).toEqual([503, '08006']);
    await waitFor(() => gw.stats().connections.open === 0, 5_000, 'the silent connection to leave the pool');
  });

  it('reports a batch lost before COMMIT as not applied: warmpool/http runs it again, once', async () => {
    const gw = await gateway();
    const table = uniqueName('gw_lost_batch');
    const db = createPool({ connectionString: viaProxy(), transport: 'http', httpEndpoint: gw.fetchEndpoint });
    pools.push(db);
    await db.query(`create table ${table} (id text primary key)`);
    const rule = resetBefore(/values \('b'\)/);
    await db.batch([db.query(`insert into ${table} values ('a')`), db.query(`insert into ${table} values ('b')`)]);
    expect(rule.fired).toBe(1);
    expect(await db.query(`select id from ${table} order by id`)).toEqual([{ id: 'a' }, { id: 'b' }]);
    // Run again by the pool's rule for work that was not applied, as over TCP.
    expect(db.stats()).toMatchObject({ retries: 1, outcomeUnknown: 0 });
  });

  it('answers 08P01 for more parameters than placeholders, as PostgreSQL does, alone and in a batch', async () => {
    const gw = await gateway();
    const single = await postSql(gw, { query: 'select $1::int as n', params: ['1', '2'] }, {}, viaProxy());
    expect([single.status, single.json().code, single.json().message]).toEqual([
      400,
      '08P01',
      'bind message supplies 2 parameters, but prepared statement "" requires 1',
    ]);
    const batch = await postSql(gw, { queries: [{ query: 'select 1', params: [] }, { query: 'select $1::int', params: ['1', '2', '3'] }] }, {}, viaProxy());
    expect([batch.status, batch.json().code, batch.json().message]).toEqual([
      400,
      '08P01',
      'bind message supplies 3 parameters, but prepared statement "" requires 1',
    ]);
    // A parameter whose type cannot be determined keeps its own error.
    const undetermined = await postSql(gw, { query: 'select $1 is null as x', params: ['1'] }, {}, viaProxy());
    expect([undetermined.status, undetermined.json().code]).toEqual([400, '42P18']);
    // Fewer parameters than placeholders: the server's own 08P01.
    const fewer = await postSql(gw, { query: 'select $1::int + $2::int as n', params: ['1'] }, {}, viaProxy());
    expect([fewer.status, fewer.json().code, fewer.json().message]).toEqual([400, '08P01', 'bind message supplies 1 parameters, but prepared statement "" requires 2']);
  });

  it('stops a statement past --max-response-bytes on the server even when its cancel request cannot get through', async () => {
    const gw = await gateway({ maxResponseBytes: 1024 * 1024 });
    const sql = neonVia(gw, viaProxy());
    await sql`select 1`;
    // The gateway's connection is open; its cancel request would need a new one.
    await proxy.refuse(true);
    const marker = uniqueName('gw_uncancelled');
    const err = await sql.query(`select generate_series(1, 20000000) as n, repeat('x', 1000) as filler /* ${marker} */`).catch((e: Error) => e);
    expect(String(err)).toContain('HTTP status 507');
    // The server, blocked writing to the gateway's paused socket, sees only the socket being cut.
    await waitFor(async () => (await running(marker)) === 0, 30_000, 'the oversized query to stop');
  });
});
