import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { neonVia, postSql, rawRequest, startTestGateway, waitFor } from './gateway-support.js';

// Every limit of the gateway, and what a caller sees when it is reached.

let admin: AdminSql;
const gateways: Gateway[] = [];

async function gateway(options: Parameters<typeof startTestGateway>[0]): Promise<Gateway> {
  const gw = await startTestGateway(options);
  gateways.push(gw);
  return gw;
}

/** Backends currently running a statement that contains `marker`. */
async function running(marker: string): Promise<number> {
  const [row] = await admin`
    select count(*)::int as n from pg_stat_activity
    where state = 'active' and pid <> pg_backend_pid() and query like ${`%${marker}%`}`;
  return row.n as number;
}

beforeAll(() => {
  admin = adminClient(adminUrl());
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await admin.end();
});

describe('gateway limits', () => {
  it('refuses a body over --max-body-bytes with 413, declared or chunked, without reading it', async () => {
    const gw = await gateway({ maxBodyBytes: 1024 });
    const err = await neonVia(gw)`select ${'x'.repeat(2000)} as big`.catch((e: Error) => e);
    expect(String(err)).toContain('HTTP status 413');
    const chunked = await rawRequest(gw, {
      headers: { 'Neon-Connection-String': databaseUrl() },
      body: JSON.stringify({ query: 'select $1', params: ['y'.repeat(200_000)] }),
      chunked: true,
    });
    expect(chunked.status).toBe(413);
    expect(chunked.json().message).toBe('request is too large (max is 1024 bytes)');
    expect(await neonVia(gw)`select ${'x'.repeat(100)} as fits`).toHaveLength(1);
  });

  it('answers 507 past --max-response-bytes, stops the query on the server and keeps memory bounded', async () => {
    const gw = await gateway({ maxResponseBytes: 1024 * 1024 });
    const marker = uniqueName('gw_huge');
    // 20 million rows of 1 kB: 20 GB if it were all read. (The set-returning function sits in the
    // select list so rows stream; in FROM, Postgres would materialise the series first.)
    const text = `select generate_series(1, 20000000) as n, repeat('x', 1000) as filler /* ${marker} */`;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const err = await neonVia(gw).query(text).catch((e: Error) => e);
    clearInterval(sampler);
    expect(String(err)).toContain('HTTP status 507');
    expect(String(err)).toContain('response is too large (max is 1048576 bytes)');
    expect(peak - baseline).toBeLessThan(150 * 1024 * 1024);
    // A bound on the wait, not a measurement: on a loaded machine the backend may take seconds to go.
    await waitFor(async () => (await running(marker)) === 0, 30_000, 'the oversized query to stop');
    // The gateway keeps serving.
    expect(await neonVia(gw)`select 1 as ok`).toEqual([{ ok: 1 }]);
  });

  it('refuses a single row over --max-response-bytes from its header, and serves one just under it', async () => {
    const gw = await gateway({ maxResponseBytes: 1024 * 1024 });
    const sql = neonVia(gw);
    const [fits] = await sql`select repeat('a', 1000000) as v`;
    expect((fits.v as string).length).toBe(1_000_000);
    const marker = uniqueName('gw_row');
    const err = await sql.query(`select repeat(repeat('b', 1000), 1100) as v /* ${marker} */`).catch((e: Error) => e);
    expect(String(err)).toContain('HTTP status 507');
    await waitFor(async () => (await running(marker)) === 0, 30_000, 'the oversized statement to stop');
    await waitFor(() => gw.stats().connections.busy === 0, 5_000, 'its connection to be dropped');
    expect(await sql`select 1 as ok`).toEqual([{ ok: 1 }]);
  });

  it('counts the limit over the whole batch', async () => {
    const gw = await gateway({ maxResponseBytes: 10_000 });
    const sql = neonVia(gw);
    const q = () => sql`select repeat('y', 1000) as v from generate_series(1, 6)`;
    expect(await sql.transaction([q()])).toHaveLength(1);
    expect(String(await sql.transaction([q(), q()]).catch((e: Error) => e))).toContain('HTTP status 507');
  });

  it('cancels a statement past --statement-timeout-ms (server-side statement_timeout)', async () => {
    const gw = await gateway({ statementTimeoutMs: 300 });
    const started = Date.now();
    const err = await neonVia(gw)`select pg_sleep(5)`.catch((e) => e);
    expect(err).toMatchObject({ code: '57014' });
  });

  it('cancels the backend query when the client disconnects mid-query', async () => {
    const gw = await gateway({});
    const marker = uniqueName('gw_gone');
    const aborter = new AbortController();
    const request = fetch(gw.fetchEndpoint, {
      method: 'POST',
      headers: { 'Neon-Connection-String': databaseUrl(), 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true' },
      body: JSON.stringify({ query: `select pg_sleep(30) /* ${marker} */`, params: [] }),
      signal: aborter.signal,
    }).catch((e: Error) => e.name);
    await waitFor(async () => (await running(marker)) === 1, 5_000, 'the query to start');
    aborter.abort();
    expect(await request).toBe('AbortError');
    await waitFor(async () => (await running(marker)) === 0, 3_000, 'the backend query to be cancelled');
    await waitFor(() => gw.stats().connections.busy === 0, 3_000, 'the connection to be released');
  });

  it('queues past --max-connections: 503 after --queue-timeout-ms, 429 past --max-queue', async () => {
    const gw = await gateway({ maxConnections: 1, maxQueue: 1, queueTimeoutMs: 300 });
    const slow = postSql(gw, { query: 'select pg_sleep(1)', params: [] });
    await waitFor(() => gw.stats().connections.busy === 1, 5_000, 'the first request to hold the connection');
    const queued = postSql(gw, { query: 'select 1', params: [] });
    await waitFor(() => gw.stats().connections.waiting === 1, 5_000, 'the second request to queue');
    const refused = await postSql(gw, { query: 'select 1', params: [] });
    expect([refused.status, refused.headers['retry-after']]).toEqual([429, '1']);
    const timedOut = await queued;
    expect([timedOut.status, timedOut.json().message]).toEqual([503, 'no database connection became free within 300 ms']);
    expect((await slow).status).toBe(200);
    expect(gw.stats().connections.open).toBe(1);
  });

  it('survives clients that vanish mid-body or send garbage', async () => {
    const gw = await gateway({});
    const net = await import('node:net');
    for (const payload of [
      `POST /sql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\nNeon-Connection-String: ${databaseUrl()}\r\n\r\n{"query":`,
      'POST /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nabc',
      'GARBAGE\r\n\r\n',
    ]) {
      const socket = net.connect(gw.port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(payload);
      await new Promise((r) => setTimeout(r, 20));
      socket.destroy();
    }
    expect(await neonVia(gw)`select 1 as ok`).toEqual([{ ok: 1 }]);
  });

  it('serves many concurrent requests within the connection cap', async () => {
    const gw = await gateway({ maxConnections: 3, maxQueue: 100 });
    const sql = neonVia(gw);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => sql`select ${i}::int as i, pg_sleep(0.005)`));
    expect(results.map((r) => r[0].i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const { open, opened } = gw.stats().connections;
    expect(open).toBeLessThanOrEqual(3);
    expect(opened).toBeLessThanOrEqual(3);
  });
});
