import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool, type PoolEvent, type PoolOptions } from '../src/index.js';
import { type FaultServer, eventually, startFaultServer } from './support/fault-server.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';
import { ResumingFront } from './support/resuming-front.js';

// A database resuming from a pause or starting up: its answers (57P03, Aurora's and Neon's
// wake-up messages) and its held connects are waited out within resumeTimeoutMs, reported in
// stats() and as a 'resume' event. Events are ordered by polling state, never by sleeping.

expectNoUnhandledErrors();

let f: FaultServer;
let front: ResumingFront;
const pools: Pool[] = [];
beforeAll(async () => {
  f = await startFaultServer();
  front = await ResumingFront.start(f.server.port);
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await f.cleanup();
  front.refuse(0);
  front.refused = 0;
});
afterAll(async () => {
  await front?.close();
  await f?.stop();
});

function pool(url: string, options: PoolOptions, events: PoolEvent[]): Pool {
  const db = createPool({ connectionString: url, onEvent: (e) => events.push(e), ...options });
  pools.push(db);
  return db;
}

const failure = (p: PromiseLike<unknown>) => Promise.resolve(p).then(() => null, (e) => e);

describe('answers of a database that is resuming', () => {
  const signs = [
    ['57P03', 'the database system is starting up', '57P03'],
    ['08006', 'The Aurora DB instance db-TEST is resuming after being auto-paused. Please wait a few seconds and try again.', 'aurora-resuming'],
    ['XX000', "Couldn't connect to compute node: connection refused", 'neon-waking'],
  ] as const;
  for (const [code, message, reason] of signs) {
    it(`waits out "${message.slice(0, 40)}…" (${code}) beyond maxConnectAttempts, and reports the resume`, async () => {
      front.refuse(5, code, message);
      const events: PoolEvent[] = [];
      const db = pool(front.urlFor(f.server.url), { applicationName: `rs-${reason}`, maxConnectAttempts: 2 }, events);
      expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
      expect(front.refused).toBe(5);
      expect(events.filter((e) => e.type === 'connect-retry').map((e) => e.reason)).toEqual(Array(5).fill(code));
      const resumes = events.filter((e) => e.type === 'resume');
      expect(resumes).toMatchObject([{ reason }]);
      expect(resumes[0].waitedMs).toBeGreaterThanOrEqual(0);
      expect(db.stats()).toMatchObject({ resumes: 1, connectFailures: 5, created: 1 });
      expect(db.stats().resumeWaitMs).toBe(resumes[0].waitedMs);
    });
  }

  it('with resumeTimeoutMs 0, 57P03 is an ordinary failure: maxConnectAttempts bounds it', async () => {
    front.refuse(Infinity);
    const events: PoolEvent[] = [];
    const db = pool(front.urlFor(f.server.url), { applicationName: 'rs-off', maxConnectAttempts: 2, resumeTimeoutMs: 0 }, events);
    const error = await failure(db.sql`select 1`);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '57P03', notApplied: true });
    expect(front.refused).toBe(2);
    expect(db.stats()).toMatchObject({ resumes: 0 });
  });

  it('gives up when the resume outlasts resumeTimeoutMs, saying so, with nothing sent', async () => {
    front.refuse(Infinity);
    const events: PoolEvent[] = [];
    const db = pool(front.urlFor(f.server.url), { applicationName: 'rs-budget', maxConnectAttempts: 1, resumeTimeoutMs: 1_000 }, events);
    const error = await failure(db.sql`select 1`);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '57P03', notApplied: true });
    expect(error.message).toMatch(/waiting for it to resume \(57P03; resumeTimeoutMs 1000/);
    expect(front.refused).toBeGreaterThan(1); // past maxConnectAttempts: the resume budget bounded it
    expect(db.stats()).toMatchObject({ resumes: 0, created: 0 });
    expect(events.filter((e) => e.type === 'resume')).toEqual([]);
  });
});

describe('a paused endpoint that holds connects (the fault proxy stalls them)', () => {
  it('retries connect timeouts past acquireTimeoutMs within resumeTimeoutMs, and connects once it answers', async () => {
    const proxy = await f.proxy();
    proxy.set({ stall: true });
    const events: PoolEvent[] = [];
    // The first connect times out (connectTimeoutMs) before acquireTimeoutMs would cut it.
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'rs-held', connectTimeoutMs: 300, acquireTimeoutMs: 450, resumeTimeoutMs: 60_000 }, events);
    const query = db.sql`select 1 as one`.then((rows) => rows, (e) => e);
    // Two connects held until they timed out (600 ms at least), the third accepted: acquireTimeoutMs has passed.
    expect(await eventually(async () => proxy.counters.accepted >= 3, 30_000)).toBe(true);
    proxy.set({ stall: false }, { existing: false });
    expect(await query).toEqual([{ one: 1 }]);
    const retries = events.filter((e) => e.type === 'connect-retry').map((e) => e.reason);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(new Set(retries)).toEqual(new Set(['CONNECT_TIMEOUT']));
    expect(events.filter((e) => e.type === 'resume')).toMatchObject([{ reason: 'connect timeout' }]);
    expect(db.stats()).toMatchObject({ resumes: 1, acquireTimeouts: 0 });
  });

  it('without a resume budget the same held connects end at acquireTimeoutMs', async () => {
    const proxy = await f.proxy();
    proxy.set({ stall: true });
    const events: PoolEvent[] = [];
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'rs-held-off', connectTimeoutMs: 300, acquireTimeoutMs: 300, resumeTimeoutMs: 0 }, events);
    const error = await failure(db.sql`select 1`);
    expect(error).toMatchObject({ notApplied: true });
    expect(['ACQUIRE_TIMEOUT', 'CONNECT_TIMEOUT']).toContain(error.code);
    expect(db.stats()).toMatchObject({ resumes: 0, created: 0 });
  });
});

describe('the server stopped and started while a container is frozen', () => {
  it('the thawed invocation waits for the paused endpoint and writes once', async () => {
    const proxy = await f.proxy();
    const options = { applicationName: 'rs-frozen', connectTimeoutMs: 500, maxConnectAttempts: 50, resumeTimeoutMs: 60_000 };
    const container = await f.container(proxy.urlFor(f.server.url), options);
    const first = await container.invoke({ op: 'insert', runId: 'rs-frozen-1' }, 30_000);
    expect(first.ok).toBe(true);
    // Frozen (SIGSTOP) now. The server goes away, and the endpoint holds new connects, as a
    // paused Aurora or Neon endpoint does until it has resumed.
    await f.server.pgCtl(['stop', '-m', 'fast', '-w']);
    proxy.set({ stall: true }, { existing: false });
    const accepted = proxy.counters.accepted;
    const second = container.invoke({ op: 'insert', runId: 'rs-frozen-2' }, 60_000);
    expect(await eventually(async () => proxy.counters.accepted >= accepted + 2, 30_000)).toBe(true);
    await f.server.pgCtl(['start', '-w', '-t', '30']);
    proxy.set({ stall: false }, { existing: false });
    const outcome = await second;
    expect(outcome).toMatchObject({ ok: true });
    // Whether the held connects read as a resume (a timeout) or as refusals depends on when the
    // proxy's upstream dial fails; the counting itself is tested with held connects above.
    const rows = await f.admin`select run_id, count(*)::int as n from ledger where run_id like 'rs-frozen-%' group by run_id order by run_id`;
    expect(rows).toEqual([{ run_id: 'rs-frozen-1', n: 1 }, { run_id: 'rs-frozen-2', n: 1 }]);
  });
});
