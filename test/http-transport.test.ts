import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { neonConfig } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool, type PoolEvent } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { startTestGateway, waitFor, withUrl } from './gateway-support.js';

// The HTTP transport (neon() to a gateway): the same API and error codes as TCP. Requests that
// certainly never arrived are sent again with backoff; one that may have arrived is not, unless
// the work is idempotent. The pool's cap bounds concurrent requests.

let gw: Gateway;
let admin: AdminSql;
const table = uniqueName('http_tx');
const pools: Pool[] = [];

function httpPool(options: Record<string, unknown> = {}): Pool {
  const db = createPool({ connectionString: databaseUrl(), transport: 'http', httpEndpoint: gw.fetchEndpoint, applicationName: uniqueName('http'), ...options });
  pools.push(db);
  return db;
}

/** A fake endpoint: `answer` decides per request; counts requests. */
async function fakeEndpoint(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sql`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  gw = await startTestGateway();
  admin = adminClient(adminUrl());
  await httpPool().query(`create table ${table} (id int primary key, note text not null)`);
});

afterAll(async () => {
  await httpPool().query(`drop table if exists ${table}`);
  await Promise.all(pools.map((p) => p.end()));
  await gw.close();
  await admin.end();
});

describe('the HTTP transport', () => {
  it('answers a read after an idle gap: no session, so no BEGIN sent as the check', async () => {
    const db = httpPool({ validateAfterIdleMs: 50 });
    await db.sql`select 1`;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await db.sql`select ${5}::int as n`).toEqual([{ n: 5 }]);
  });

  it('runs queries, batches and reports itself in stats', async () => {
    const db = httpPool();
    expect(await db.sql`select ${41}::int + 1 as n`).toEqual([{ n: 42 }]);
    const [inserted, counted] = await db.batch([db.sql`insert into ${db.unsafe(table)} values (1, 'a') returning id`, db.sql`select count(*)::int as n from ${db.unsafe(table)}`]);
    expect([inserted, counted]).toEqual([[{ id: 1 }], [{ n: 1 }]]);
    expect(db.stats()).toMatchObject({ transport: 'http', created: 1 });
  });

  it('rolls a failed batch back whole, and says it was not applied', async () => {
    const db = httpPool();
    const err = await db.batch([db.sql`insert into ${db.unsafe(table)} values (2, 'b')`, db.sql`insert into ${db.unsafe(table)} values (2, 'dup')`]).catch((e) => e);
    expect(err).toMatchObject({ name: 'DatabaseError', code: '23505', notApplied: true, constraint: `${table}_pkey` });
    expect(await db.sql`select count(*)::int as n from ${db.unsafe(table)} where id = 2`).toEqual([{ n: 0 }]);
  });

  it('refuses interactive transactions and BEGIN, pointing to batch and websocket', async () => {
    const db = httpPool();
    await expect(db.transaction(async (tx) => tx.sql`select 1`)).rejects.toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true, message: expect.stringMatching(/batch.*websocket/) });
    await expect(db.query('BEGIN')).rejects.toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT' });
  });

  it('bounds concurrent requests by the pool cap', async () => {
    const db = httpPool({ max: 2 });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, gw.stats().active)), 2);
    await Promise.all(Array.from({ length: 8 }, () => db.sql`select pg_sleep(0.05)`));
    clearInterval(sampler);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('keeps sending to its own endpoint when other code changes the driver fetch', async () => {
    const db = httpPool();
    const seen: string[] = [];
    const previous = neonConfig.fetchFunction;
    neonConfig.fetchFunction = (url: string, init: RequestInit) => {
      seen.push(url);
      return fetch(url, init);
    };
    try {
      expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
      expect(seen).toEqual([gw.fetchEndpoint]);
    } finally {
      neonConfig.fetchFunction = previous;
    }
  });
});

/**
 * A TCP proxy in front of the gateway that forgets a flow idle for `forgetMs`, as a NAT or a load
 * balancer does: the next bytes on it get a reset and reach nothing.
 */
async function forgetfulProxy(target: string, forgetMs: number) {
  const upstream = new URL(target);
  const counts = { accepted: 0, resets: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    counts.accepted++;
    let lastActive = Date.now();
    const gateway = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(gateway);
    client.on('data', (chunk) => {
      if (Date.now() - lastActive >= forgetMs) {
        counts.resets++;
        gateway.destroy();
        client.resetAndDestroy();
        return;
      }
      lastActive = Date.now();
      gateway.write(chunk);
    });
    gateway.on('data', (chunk) => {
      lastActive = Date.now();
      client.write(chunk);
    });
    for (const [a, b] of [[client, gateway], [gateway, client]]) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`,
    counts,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('keep-alive on Node', () => {
  it('reuses a socket between quick requests, and opens a new one after 2 s idle, so a write never meets a forgotten flow', async () => {
    const proxy = await forgetfulProxy(gw.fetchEndpoint, 1_000);
    try {
      const db = httpPool({ httpEndpoint: proxy.endpoint });
      await db.query(`insert into ${table} values (20, 'first')`);
      await db.query(`insert into ${table} values (21, 'right after')`);
      expect(proxy.counts).toEqual({ accepted: 1, resets: 0 });
      // Longer than the proxy remembers the flow, as after a freeze.
      await new Promise((r) => setTimeout(r, 2_300));
      await db.query(`insert into ${table} values (22, 'after the gap')`);
      expect(proxy.counts).toEqual({ accepted: 2, resets: 0 });
      expect(await db.sql`select id from ${db.unsafe(table)} where id between 20 and 29 order by id`).toEqual([{ id: 20 }, { id: 21 }, { id: 22 }]);
    } finally {
      await proxy.close();
    }
  });
});

describe('HTTP failures get the codes TCP gives them', () => {
  it('a refused endpoint: CONNECT_FAILED, not applied, after retries with backoff', async () => {
    const closed = await fakeEndpoint(() => {});
    await closed.close();
    const events: PoolEvent[] = [];
    const db = httpPool({ httpEndpoint: closed.url, maxConnectAttempts: 3, onEvent: (e: PoolEvent) => events.push(e) });
    const err = await db.query(`insert into ${table} values (3, 'c')`).catch((e) => e);
    expect(err).toMatchObject({ code: 'CONNECT_FAILED', notApplied: true, message: expect.stringContaining('ECONNREFUSED') });
    expect(events.filter((e) => e.type === 'connect-retry')).toHaveLength(2);
  });

  it('a wrong password: CONNECT_FAILED with SQLSTATE 28P01, at once, without the password in the message', async () => {
    const wrong = withUrl(databaseUrl(), (u) => (u.password = 'not-the-password-123'));
    const db = httpPool({ connectionString: wrong });
    const err = await db.sql`select 1`.catch((e) => e);
    expect(err).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28P01', notApplied: true });
    expect(err.message).not.toContain('not-the-password-123');
  });

  it('a rejected password from a password function: asked again once with refresh', async () => {
    const calls: boolean[] = [];
    const right = decodeURIComponent(new URL(databaseUrl()).password);
    const db = httpPool({ connectionString: withUrl(databaseUrl(), (u) => (u.password = '')), password: ({ refresh }: { refresh: boolean }) => (calls.push(refresh), refresh ? right : 'stale-password-0') });
    expect(await db.sql`select 1 as ok`).toEqual([{ ok: 1 }]);
    expect(calls).toEqual([false, true]);
  });

  it('a server error: DatabaseError with the SQLSTATE fields', async () => {
    const err = await httpPool().query(`insert into ${table} (id) values (9)`).catch((e) => e);
    expect(err).toMatchObject({ name: 'DatabaseError', code: '23502', column: 'note', table, notApplied: false });
  });

  it('a request lost after it was sent: OUTCOME_UNKNOWN for a write, sent once; an idempotent read is sent again', async () => {
    const lossy = await fakeEndpoint((req) => req.socket.destroy());
    try {
      const db = httpPool({ httpEndpoint: lossy.url });
      await expect(db.query(`insert into ${table} values (4, 'd')`)).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN', notApplied: false });
      expect(lossy.requests()).toBe(1);
      await expect(db.query('select 1', [], { idempotent: true })).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
      expect(lossy.requests()).toBe(3);
    } finally {
      await lossy.close();
    }
  });

  it('a gateway that cannot serve (503, 429): retried, then CONNECT_FAILED, not applied', async () => {
    const busy = await fakeEndpoint((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"could not connect to the upstream database","code":"08001"}'));
    try {
      const db = httpPool({ httpEndpoint: busy.url, maxConnectAttempts: 2 });
      await expect(db.query(`insert into ${table} values (5, 'e')`)).rejects.toMatchObject({ code: 'CONNECT_FAILED', notApplied: true, sqlState: '08001' });
      expect(busy.requests()).toBe(2);
    } finally {
      await busy.close();
    }
  });

  it('an upstream lost mid-statement (502): OUTCOME_UNKNOWN', async () => {
    const lost = await fakeEndpoint((_req, res) => res.writeHead(502).end('{"message":"the connection to the upstream database was lost","code":"08006"}'));
    try {
      await expect(httpPool({ httpEndpoint: lost.url }).query(`update ${table} set note = 'x'`)).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    } finally {
      await lost.close();
    }
  });

  it('a body over the gateway limit: PAYLOAD_TOO_LARGE, not applied', async () => {
    const small = await startTestGateway({ maxBodyBytes: 1024 });
    try {
      const db = httpPool({ httpEndpoint: small.fetchEndpoint });
      await expect(db.query('select $1::text', ['x'.repeat(4096)])).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', notApplied: true });
    } finally {
      await small.close();
    }
  });

  it('a statement past the invocation deadline is abandoned, and the gateway cancels it', async () => {
    const db = httpPool();
    const marker = uniqueName('sleepy');
    const handler = withPool(db, async () => db.query(`select pg_sleep(5), '${marker}'`));
    const started = Date.now();
    const err = await handler({}, { getRemainingTimeInMillis: () => 800 }).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    await waitFor(async () => (await admin`select 1 from pg_stat_activity where query like ${`%${marker}%`} and pid <> pg_backend_pid()`).length === 0, 5_000, 'the statement to be cancelled');
  });
});
