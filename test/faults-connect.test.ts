import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import type { SeenStatement } from './support/fault-proxy.js';
import { type FaultServer, startFaultServer } from './support/fault-server.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// A connection that dies right after login, at the query that ends its connect (the step where
// postgres.js's own type fetch used to drop a promise), or is cut there by the invocation deadline
// or the connect timeout: an ordinary notApplied connect failure, and no unhandled rejection.

expectNoUnhandledErrors();

let f: FaultServer;
const pools: Pool[] = [];
beforeAll(async () => {
  f = await startFaultServer();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await f.cleanup();
});
afterAll(() => f?.stop());

function pool(url: string, options: Record<string, unknown>): Pool {
  const db = createPool({ connectionString: url, max: 1, ...options });
  pools.push(db);
  return db;
}

/** The first statement each proxied connection carries: the one that ends its connect. */
function firstOnConnection(): (s: SeenStatement) => boolean {
  const seen = new WeakSet<object>();
  return (s) => {
    if (seen.has(s.connection)) return false;
    seen.add(s.connection);
    return true;
  };
}
const isTypeQuery = (text: string) => text.includes('pg_catalog.pg_type');

describe('a connection that dies right after login', () => {
  it('is a connect failure like any other: the statement runs on the next connection', async () => {
    const proxy = await f.proxy();
    const reset = proxy.addRule({ match: firstOnConnection(), action: 'reset-before' });
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'cn-reset' });
    expect(await db.sql`select array[1, null, 3]::int[] as a`).toEqual([{ a: [1, null, 3] }]);
    expect(reset.fired).toBe(1);
    expect(db.stats()).toMatchObject({ connectFailures: 1, created: 1 });
  });

  it('cut by the invocation deadline is DEADLINE_EXCEEDED, notApplied', async () => {
    const proxy = await f.proxy();
    // Blackhole the connection once its first query is on its way: only the deadline ends the wait.
    const first = firstOnConnection();
    proxy.observe((s) => {
      if (first(s)) s.connection.set({ stall: true });
    });
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'cn-deadline' });
    const handler = withPool(db, async () => db.sql`select 1`, { deadlineMarginMs: 300 });
    const error = await handler({}, { getRemainingTimeInMillis: () => 800 }).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    expect(error.message).toMatch(/invocation deadline passed while connecting/);
  });

  it('cut by connectTimeoutMs is CONNECT_TIMEOUT, notApplied', async () => {
    const proxy = await f.proxy();
    const first = firstOnConnection();
    proxy.observe((s) => {
      if (first(s)) s.connection.set({ stall: true });
    });
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'cn-timeout', connectTimeoutMs: 300, maxConnectAttempts: 1 });
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_TIMEOUT', notApplied: true });
  });

  it('looks no types up at connect; a CREATE TYPE column once per pool, on first sight', async () => {
    const proxy = await f.proxy();
    let typeQueries = 0;
    proxy.observe((s) => {
      if (isTypeQuery(s.text)) typeQueries++;
    });
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'cn-cache', max: 2 });
    await db.sql`select 1`;
    // Both at once: the second one needs a connection of its own. Built-in arrays need no lookup.
    const [a, b] = await Promise.all([db.sql`select pg_sleep(0.2), array['x', null]::text[] as t`, db.sql`select pg_sleep(0.2), ${[1, 2]}::int[] as n`]);
    expect(a[0].t).toEqual(['x', null]);
    expect(b[0].n).toEqual([1, 2]);
    expect(db.stats().created).toBe(2);
    expect(typeQueries).toBe(0);
    const type = `cn_mood_${Math.random().toString(36).slice(2, 8)}`;
    await db.query(`create type ${type} as enum ('sad', 'ok')`);
    try {
      // A parameter of an array of it goes out as an array literal without any lookup.
      const [row] = await db.query(`select $1::${type}[] as moods, 'ok'::${type} as mood`, [['ok', 'sad']]);
      expect(row).toEqual({ moods: ['ok', 'sad'], mood: 'ok' });
      expect(typeQueries).toBe(1);
      // Known now, on every connection of the pool.
      await Promise.all([db.query(`select pg_sleep(0.2), $1::${type}[] as m`, [['sad']]), db.query(`select pg_sleep(0.2), array['ok']::${type}[] as m`)]);
      expect(typeQueries).toBe(1);
    } finally {
      await db.query(`drop type ${type}`);
    }
  });
});

describe('a cancel at the deadline that cannot reach the server', () => {
  it('gives up on the cancel and closes the socket, with no unhandled rejection', async () => {
    const proxy = await f.proxy();
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'cn-cancel' });
    await db.sql`select 1`;
    // The session stays up; the cancel request needs a new connection, and none is accepted.
    await proxy.refuse(true);
    const handler = withPool(db, async () => db.sql`select pg_sleep(5)`, { deadlineMarginMs: 300 });
    const error = await handler({}, { getRemainingTimeInMillis: () => 800 }).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    await proxy.refuse(false);
  });
});
