import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { databaseUrl } from './support/env.js';
import { neonVia, startTestGateway, waitFor } from './gateway-support.js';

// Client connections: a cap in total and per address that half-open sockets cannot exhaust, and
// header and request timeouts that hold to about the second.

const gateways: Gateway[] = [];
const sockets: net.Socket[] = [];
const aborts: AbortController[] = [];

async function gateway(options: Parameters<typeof startTestGateway>[0]): Promise<Gateway> {
  const gw = await startTestGateway(options);
  gateways.push(gw);
  return gw;
}

afterAll(async () => {
  for (const a of aborts) a.abort();
  for (const s of sockets) s.destroy();
  await Promise.all(gateways.map((g) => g.close()));
});

/** A socket from `localAddress` that sends `bytes` and then nothing; resolves once connected. */
async function halfOpen(gw: Gateway, bytes: string, localAddress = '127.0.0.1'): Promise<{ socket: net.Socket; closed: Promise<string> }> {
  const socket = net.connect({ port: gw.port, host: '127.0.0.1', localAddress });
  sockets.push(socket);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(bytes);
  return { socket, closed };
}

/** POST /sql from `localAddress`, with its own socket. */
function sqlFrom(gw: Gateway, query: string, localAddress = '127.0.0.1', signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: gw.port,
        method: 'POST',
        path: '/sql',
        localAddress,
        agent: false,
        signal,
        headers: { 'Neon-Connection-String': databaseUrl(), 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true' },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query, params: [] }));
  });
}

/** Requests that stay in progress (a long statement) until aborted at the end of the file. */
function busyRequest(gw: Gateway, localAddress = '127.0.0.1'): void {
  const abort = new AbortController();
  aborts.push(abort);
  sqlFrom(gw, 'select pg_sleep(60)', localAddress, abort.signal).catch(() => {});
}

const HALF_LINE = 'POST /sql HT';

describe('gateway client connections', () => {
  it('closes the oldest half-open sockets past --max-client-connections, so a legitimate request still succeeds', async () => {
    const gw = await gateway({ maxClientConnections: 20 });
    const flood = [];
    for (let i = 0; i < 50; i++) flood.push(await halfOpen(gw, HALF_LINE));
    await waitFor(() => gw.stats().clients.evicted >= 30, 5_000, 'the oldest half-open sockets to be closed');
    // The first 30 were closed to make room, oldest first; the last 20 are still held.
    await Promise.all(flood.slice(0, 30).map((f) => f.closed));
    expect(flood.slice(30).every((f) => !f.socket.destroyed)).toBe(true);
    expect(gw.stats().clients.open).toBe(20);
    expect(await neonVia(gw)`select 1 as ok`).toEqual([{ ok: 1 }]);
    expect(gw.stats().clients.refused).toBe(0);
  });

  it('answers 503 with a clear body only when every connection has a request in progress', async () => {
    const gw = await gateway({ maxClientConnections: 3, maxConnections: 3 });
    for (let i = 0; i < 3; i++) busyRequest(gw);
    await waitFor(() => gw.stats().clients.busy === 3, 5_000, 'three requests in progress');
    const refused = await sqlFrom(gw, 'select 1');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({ message: 'too many client connections (max is 3, all busy); retry shortly' });
    expect(gw.stats().clients).toMatchObject({ open: 3, busy: 3, refused: 1, evicted: 0 });
  });

  it('applies --max-client-connections-per-address to each address alone', async () => {
    const gw = await gateway({ maxClientConnections: 100, maxClientConnectionsPerAddress: 4, maxConnections: 5 });
    // A flood from 127.0.0.2 only ever evicts its own sockets...
    const mine = await halfOpen(gw, HALF_LINE, '127.0.0.1');
    const flood = [];
    for (let i = 0; i < 10; i++) flood.push(await halfOpen(gw, HALF_LINE, '127.0.0.2'));
    await waitFor(() => gw.stats().clients.evicted >= 6, 5_000, 'the flood to evict its own sockets');
    expect(gw.stats().clients.open).toBe(5);
    expect(mine.socket.destroyed).toBe(false);
    // ...and once all of its sockets are busy, it is told 429 while other addresses are served.
    for (let i = 0; i < 4; i++) busyRequest(gw, '127.0.0.2');
    await waitFor(() => gw.stats().clients.busy === 4, 5_000, 'four busy requests from 127.0.0.2');
    const refused = await sqlFrom(gw, 'select 1', '127.0.0.2');
    expect([refused.status, JSON.parse(refused.body).message]).toEqual([429, 'too many connections from this address (max is 4, all busy); retry shortly']);
    const served = await sqlFrom(gw, 'select 1', '127.0.0.1');
    expect(served.status).toBe(200);
  });

  it('cuts a socket that sends half a request line at --headers-timeout-ms, long before a 10 s statement ends', async () => {
    const gw = await gateway({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const reference = sqlFrom(gw, 'select pg_sleep(10)').then(() => 'statement answered', () => 'statement failed');
    const { closed } = await halfOpen(gw, HALF_LINE);
    const first = await Promise.race([closed.then((received) => `socket closed: ${received.split('\r\n', 1)[0]}`), reference]);
    expect(first).toBe('socket closed: HTTP/1.1 408 Request Timeout');
  });

  it('closes a socket that sends nothing at --headers-timeout-ms, long before a 10 s statement ends', async () => {
    const gw = await gateway({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const reference = sqlFrom(gw, 'select pg_sleep(10)').then(() => 'statement answered', () => 'statement failed');
    const { closed } = await halfOpen(gw, '');
    expect(await Promise.race([closed.then(() => 'socket closed'), reference])).toBe('socket closed');
  });

  it('cuts a request whose body stops halfway at --request-timeout-ms, long before a 10 s statement ends', async () => {
    const gw = await gateway({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const reference = sqlFrom(gw, 'select pg_sleep(10)').then(() => 'statement answered', () => 'statement failed');
    const headers = `POST /sql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\nNeon-Connection-String: ${databaseUrl()}\r\n\r\n`;
    const { closed } = await halfOpen(gw, `${headers}{"query":`);
    const first = await Promise.race([closed.then((received) => `socket closed: ${received.split('\r\n', 1)[0]}`), reference]);
    expect(first).toBe('socket closed: HTTP/1.1 408 Request Timeout');
  });
});
