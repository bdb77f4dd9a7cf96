import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway, waitFor, withUrl } from './gateway-support.js';

// Clients that push the gateway to its client-connection caps: a burst from one address is told
// 429 (never reset), and requests that trickle their body cannot hold the cap.

const gateways: Gateway[] = [];
const sockets: net.Socket[] = [];
const pools: Pool[] = [];

async function gateway(options: Parameters<typeof startTestGateway>[0]): Promise<Gateway> {
  const gw = await startTestGateway(options);
  gateways.push(gw);
  return gw;
}

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(pools.map((p) => p.end()));
  await Promise.all(gateways.map((g) => g.close()));
});

interface Answer {
  status: number;
  retryAfter?: string;
}

/** POST /sql on a socket of its own; a reset rejects with the socket error. */
function post(gw: Gateway, query: string, connectionString = databaseUrl()): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: gw.port,
        method: 'POST',
        path: '/sql',
        agent: false,
        headers: { 'Neon-Connection-String': connectionString, 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query, params: [] }));
  });
}

/** Complete headers with a wrong password, then a body that stops after its first bytes. */
async function trickle(gw: Gateway): Promise<net.Socket> {
  const socket = net.connect(gw.port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const wrong = withUrl(databaseUrl(), (u) => (u.password = 'wrong'));
  socket.write(`POST /sql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\nNeon-Connection-String: ${wrong}\r\n\r\n{"query":`);
  return socket;
}

describe('gateway under abusive clients', () => {
  it('answers a burst from one address past its cap with 429 and Retry-After, never a reset', async () => {
    const gw = await gateway({ maxClientConnectionsPerAddress: 20, maxConnections: 20, queueTimeoutMs: 30_000 });
    const answers = await Promise.allSettled(Array.from({ length: 80 }, () => post(gw, 'select pg_sleep(0.3)')));
    const resets = answers.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason));
    expect(resets).toEqual([]);
    const statuses = answers.map((a) => (a as PromiseFulfilledResult<Answer>).value);
    expect(statuses.filter((a) => a.status === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((a) => a.status !== 200 && !(a.status === 429 && a.retryAfter === '1'))).toEqual([]);
  });

  it('a burst of writes through warmpool/http past the cap: each runs exactly once, none OUTCOME_UNKNOWN', async () => {
    const gw = await gateway({ maxClientConnectionsPerAddress: 10, maxConnections: 10, queueTimeoutMs: 30_000 });
    const table = uniqueName('gw_burst');
    const db = createPool({ connectionString: databaseUrl(), transport: 'http', httpEndpoint: gw.fetchEndpoint, max: 40, maxConnectAttempts: 20 });
    pools.push(db);
    await db.query(`create table ${table} (id int primary key)`);
    const writes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => db.query(`insert into ${table} select $1 from pg_sleep(0.2)`, [i])));
    expect(writes.filter((w) => w.status === 'rejected').map((w) => (w as PromiseRejectedResult).reason.code)).toEqual([]);
    expect(await db.query(`select count(*)::int as n from ${table}`)).toEqual([{ n: 40 }]);
    expect(db.stats()).toMatchObject({ outcomeUnknown: 0 });
  });

  it('evicts requests that trickle their body once a legitimate client needs room', async () => {
    const gw = await gateway({ maxClientConnections: 10, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    for (let i = 0; i < 10; i++) await trickle(gw);
    await waitFor(() => gw.stats().clients.busy === 10, 5_000, 'the trickling requests to hold every slot');
    // Answered every time (503 while the trickling requests are young), then served.
    let answer: Answer = { status: 0 };
    await waitFor(async () => (answer = await post(gw, 'select 1')).status === 200, 15_000, 'a legitimate request to be served');
    expect(gw.stats().clients.evicted).toBeGreaterThan(0);
  });
});
