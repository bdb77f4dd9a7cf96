import { Client } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { Gateway } from '../packages/gateway/src/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl, isEmbeddedServer } from './support/env.js';
import { registerSecret } from './support/secret-watch.js';
import { postSql, rawRequest, spawnGateway, startTestGateway, withUrl, type RawResponse } from './gateway-support.js';

// Graceful shutdown as an orchestrator drives it: SIGTERM, /health 503 at once, requests in
// flight finish, new ones 503 with Retry-After, WebSocket tunnels close with 1001 once idle,
// upstream sessions end, exit 0. Requests are held in flight by an advisory lock the test holds
// and releases: nothing here waits on the clock.

const ROLE = uniqueName('drain_role');
const PASSWORD = `drain-${uniqueName('pw')}`;
registerSecret(PASSWORD);
const LOCK = 424_242;
let admin: AdminSql;
/** Holds the advisory lock that in-flight requests wait on; its own connection. */
let locker: AdminSql;
let roleUrl: string;

beforeAll(async () => {
  admin = adminClient(adminUrl());
  locker = adminClient(adminUrl());
  await admin.unsafe(`create role ${ROLE} login password '${PASSWORD}'`);
  roleUrl = withUrl(databaseUrl(), (u) => ((u.username = ROLE), (u.password = PASSWORD)));
});

afterAll(async () => {
  await admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where usename = '${ROLE}'`);
  await admin.unsafe(`drop role if exists ${ROLE}`);
  await locker.end();
  await admin.end();
});

/** Server sessions of the test role, and how many of them wait for the lock. */
async function sessions(): Promise<{ all: number; waiting: number }> {
  const [row] = await admin`select count(*)::int as all, count(*) filter (where wait_event_type = 'Lock')::int as waiting from pg_stat_activity where usename = ${ROLE}`;
  return { all: row.all as number, waiting: row.waiting as number };
}

/** A statement that runs until the test releases LOCK. */
const HELD = { query: `select pg_advisory_xact_lock(${LOCK}), 'finished' as r`, params: [] };

async function holdLock(): Promise<void> {
  await locker`select pg_advisory_lock(${LOCK})`;
}
async function releaseLock(): Promise<void> {
  await locker`select pg_advisory_unlock(${LOCK})`;
}

/** A gateway-like target for rawRequest from a URL's port. */
const at = (port: number) => ({ port }) as Gateway;
const health = async (port: number) => {
  const res = await rawRequest(at(port), { method: 'GET', path: '/health' });
  return { status: res.status, body: res.json() };
};

/** The neon driver's WebSocket Client through the gateway, recording the WebSocket's close code. */
function tunnelClient(port: number, closeCodes: number[]): Client {
  class Recording extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.on('close', (code) => closeCodes.push(code));
    }
  }
  const client = new Client(roleUrl);
  client.neonConfig.webSocketConstructor = Recording;
  client.neonConfig.wsProxy = (host, p) => `127.0.0.1:${port}/v2?address=${host}:${p}`;
  client.neonConfig.useSecureWebSocket = false;
  return client;
}

describe.skipIf(!isEmbeddedServer())('gateway drain on SIGTERM (the warmpool-gateway process)', () => {
  it('answers /health 503 at once, lets requests and transactions in flight finish, refuses new ones, closes tunnels with 1001, exits 0', async () => {
    const gw = await spawnGateway(['--log-format', 'json', '--drain-timeout-ms', '600000']);
    await holdLock();
    const inFlight = postSql(at(gw.port), HELD, {}, roleUrl);
    await vi.waitFor(async () => expect((await sessions()).waiting).toBe(1), { timeout: 30_000, interval: 20 });

    const closeCodes: number[] = [];
    const idle = tunnelClient(gw.port, closeCodes);
    const idleErrors: unknown[] = [];
    idle.on('error', (e) => idleErrors.push(e));
    await idle.connect();
    const busy = tunnelClient(gw.port, closeCodes);
    const busyErrors: unknown[] = [];
    busy.on('error', (e) => busyErrors.push(e));
    await busy.connect();
    await busy.query('begin');
    expect((await busy.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    expect(await health(gw.port)).toEqual({ status: 200, body: { ok: true } });

    gw.child.kill('SIGTERM');
    await vi.waitFor(async () => expect(await health(gw.port)).toEqual({ status: 503, body: { ok: false, draining: true } }), { timeout: 30_000, interval: 20 });

    // A new request: 503, nothing ran, retry elsewhere.
    let refused: RawResponse | undefined;
    await vi.waitFor(async () => {
      refused = await postSql(at(gw.port), { query: 'select 1', params: [] }, {}, roleUrl);
      expect(refused.status).toBe(503);
    }, { timeout: 30_000, interval: 20 });
    expect(refused!.headers['retry-after']).toBe('1');
    expect(refused!.headers.connection).toBe('close');
    expect(refused!.json()).toMatchObject({ code: '57P03' });

    // The idle tunnel goes at once: FATAL 57P01, then close code 1001 (going away).
    await vi.waitFor(() => expect(closeCodes).toEqual([1001]), { timeout: 30_000, interval: 20 });
    // (pg's Client then also reports "Connection terminated unexpectedly", as on a server shutdown.)
    expect(idleErrors[0]).toMatchObject({ code: '57P01' });

    // The tunnel in a transaction keeps working until it commits, then goes too.
    expect((await busy.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
    await busy.query('commit');
    await vi.waitFor(() => expect(closeCodes).toEqual([1001, 1001]), { timeout: 30_000, interval: 20 });

    // The request in flight is still running, so is the process.
    expect(gw.child.exitCode).toBeNull();
    await releaseLock();
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(finished.body).toContain('"finished"');
    expect(finished.headers.connection).toBe('close');

    expect(await gw.exited).toBe(0);
    await vi.waitFor(async () => expect((await sessions()).all).toBe(0), { timeout: 30_000, interval: 20 });
    const events = gw.output().trim().split('\n').map((line) => JSON.parse(line) as { event: string; cutRequests?: number });
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['signal', 'drain.draining', 'drain.refusing', 'drain.closed']));
    expect(events.find((e) => e.event === 'drain.closed')).toMatchObject({ cutRequests: 0, cutWebSockets: 0 });
  });

  it('exits at once on a second SIGTERM, without waiting for the request in flight', async () => {
    const gw = await spawnGateway(['--drain-timeout-ms', '600000']);
    await holdLock();
    try {
      const inFlight = postSql(at(gw.port), HELD, {}, roleUrl).catch((e: Error) => e);
      await vi.waitFor(async () => expect((await sessions()).waiting).toBe(1), { timeout: 30_000, interval: 20 });
      gw.child.kill('SIGTERM');
      await vi.waitFor(async () => expect((await health(gw.port)).status).toBe(503), { timeout: 30_000, interval: 20 });
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toBe(143);
      expect(await inFlight).toBeInstanceOf(Error);
    } finally {
      await releaseLock();
    }
    await vi.waitFor(async () => expect((await sessions()).all).toBe(0), { timeout: 30_000, interval: 20 });
  });
});

describe.skipIf(!isEmbeddedServer())('gateway.drain() and close() from code', () => {
  it('keeps serving for delayMs while /health says draining, then refuses; a later call moves the steps earlier', async () => {
    const gw = await startTestGateway({ drainDelayMs: 600_000 });
    const draining = gw.drain();
    expect(gw.draining).toBe(true);
    expect((await rawRequest(gw, { method: 'GET', path: '/health' })).status).toBe(503);
    expect((await rawRequest(gw, { method: 'GET', path: '/ready' })).status).toBe(503);
    const served = await postSql(gw, { query: 'select 1', params: [] }, {}, roleUrl);
    expect(served.status).toBe(200);
    expect(served.headers.connection).toBe('close');

    // A request in flight keeps the drain from finishing (and the port open) while we look.
    await holdLock();
    let inFlight: ReturnType<typeof postSql> | undefined;
    try {
      inFlight = postSql(gw, HELD, {}, roleUrl);
      await vi.waitFor(async () => expect((await sessions()).waiting).toBe(1), { timeout: 30_000, interval: 20 });
      void gw.drain({ delayMs: 0, timeoutMs: 600_000 });
      await vi.waitFor(async () => expect((await postSql(gw, { query: 'select 1', params: [] }, {}, roleUrl)).status).toBe(503), { timeout: 30_000, interval: 20 });
    } finally {
      await releaseLock();
    }
    expect((await inFlight).status).toBe(200);
    expect(await draining).toMatchObject({ cutRequests: 0, cutWebSockets: 0 });
    // Its upstream connection was closed, not left idle for --idle-timeout-ms.
    expect(gw.stats().connections.open).toBe(0);
    await vi.waitFor(async () => expect((await sessions()).all).toBe(0), { timeout: 30_000, interval: 20 });
  });

  it('cuts requests still running at the drain timeout, and their sessions end', async () => {
    const gw = await startTestGateway();
    await holdLock();
    try {
      const inFlight = postSql(gw, HELD, {}, roleUrl).catch((e: Error) => e);
      await vi.waitFor(async () => expect((await sessions()).waiting).toBe(1), { timeout: 30_000, interval: 20 });
      expect(await gw.drain({ timeoutMs: 0 })).toMatchObject({ cutRequests: 1 });
      expect(await inFlight).toBeInstanceOf(Error);
      // The statement waiting for the lock was cancelled with its connection: no session is left.
      await vi.waitFor(async () => expect((await sessions()).all).toBe(0), { timeout: 30_000, interval: 20 });
    } finally {
      await releaseLock();
    }
  });
});
