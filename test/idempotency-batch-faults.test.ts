import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool, type Transaction } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import { startTestGateway, upstreamOf } from './gateway-support.js';
import type { FaultProxy, SeenStatement } from './support/fault-proxy.js';
import { type FaultServer, startFaultServer } from './support/fault-server.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// Keyed batches (every transport) and keyed transactions over WebSocket under real faults, on a
// PostgreSQL of their own. A batch whose answer was lost after its COMMIT may have been sent is
// sent again, which settles it: the key committed → ALREADY_APPLIED; not → it runs now; never
// OUTCOME_UNKNOWN while the server answers. Over HTTP and WebSocket the cut is between the
// gateway and the server. Also: the table on first use, and what a key costs in round trips.

expectNoUnhandledErrors();

let f: FaultServer;
const pools: Pool[] = [];
const gateways: Gateway[] = [];
beforeAll(async () => {
  f = await startFaultServer();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await Promise.all(gateways.splice(0).map((g) => g.close()));
  await f.cleanup();
});
afterAll(() => f?.stop());

let sequence = 0;
const nextKey = () => `op-ibf-${process.pid}-${++sequence}`;
const ledgerRows = async (id: string) => (await f.admin`select count(*)::int as n from ledger where run_id = ${id}`)[0]!.n as number;
const keyRows = async (key: string) => (await f.admin`select count(*)::int as n from warmpool_idempotency where key = ${key}`)[0]!.n as number;
const isCommit = (s: SeenStatement) => /^\s*commit/i.test(s.text);
/** The ledger row a batch keyed `key` writes: another value, so the proxy counts the key's claims alone. */
const rowOf = (key: string) => `${key}:row`;
const write = (db: Pool, key: string) => db.sql`insert into ledger (run_id) values (${rowOf(key)})`;

/** A pool of `transport` whose way to the server goes through a fresh fault proxy (for HTTP and WebSocket, behind a gateway). */
async function through(transport: 'tcp' | 'http' | 'websocket', app: string, options: Record<string, unknown> = {}): Promise<{ db: Pool; proxy: FaultProxy }> {
  const proxy = await f.proxy();
  const url = proxy.urlFor(f.server.url);
  let db: Pool;
  if (transport === 'tcp') {
    db = createPool({ connectionString: url, applicationName: app, ...options });
  } else {
    const gw = await startTestGateway({ upstream: upstreamOf(url) });
    gateways.push(gw);
    db = transport === 'http'
      ? createPool({ connectionString: url, transport, httpEndpoint: gw.fetchEndpoint, applicationName: app, ...options })
      : createPool({ connectionString: url, transport, wsProxy: `ws://${gw.wsProxy}`, applicationName: app, ...options });
  }
  pools.push(db);
  return { db, proxy };
}

for (const transport of ['tcp', 'http', 'websocket'] as const) {
  describe(`a keyed batch over ${transport} whose COMMIT's answer was lost`, () => {
    it('forwarded to the server (it committed): ALREADY_APPLIED, applied once', async () => {
      const { db, proxy } = await through(transport, `ibf-after-${transport}`);
      // The table first: a claim refused for want of it (42P01) would count as one more send.
      const other = nextKey();
      await db.batch([write(db, other)], { idempotencyKey: other });
      const key = nextKey();
      const rule = proxy.addRule({ match: isCommit, action: { resetAfterReplyBytes: 0 } });
      const error = await db.batch([write(db, key)], { idempotencyKey: key }).catch((e: unknown) => e);
      expect(rule.fired).toBe(1);
      expect(error).toMatchObject({ code: 'ALREADY_APPLIED', notApplied: true });
      expect((error as Error).message).toContain('the answer to this call\'s own batch was lost');
      expect(await ledgerRows(rowOf(key))).toBe(1);
      expect(await keyRows(key)).toBe(1);
      // The batch went out twice: the first, and the one that found the key.
      expect(proxy.sends(key).forwarded).toBe(2);
      // Settled: not counted as an OUTCOME_UNKNOWN.
      expect(db.stats().outcomeUnknown).toBe(0);
    });

    it('never reaching the server: runs again and resolves to its results, applied once', async () => {
      const { db, proxy } = await through(transport, `ibf-before-${transport}`);
      const key = nextKey();
      const rule = proxy.addRule({ match: isCommit, action: 'reset-before' });
      const [rows] = await db.batch([db.sql`insert into ledger (run_id) values (${rowOf(key)}) returning run_id`], { idempotencyKey: key });
      expect(rule.fired).toBe(1);
      expect(rows).toEqual([{ run_id: rowOf(key) }]);
      expect(await ledgerRows(rowOf(key))).toBe(1);
      expect(proxy.sends(key).forwarded).toBe(2);
      expect(db.stats().outcomeUnknown).toBe(0);
    });
  });
}

describe('a keyed batch whose answer was lost, when the database is unreachable', () => {
  it('stays OUTCOME_UNKNOWN only until the deadline; called again, it settles', async () => {
    const { db, proxy } = await through('tcp', 'ibf-unreachable');
    const key = nextKey();
    proxy.addRule({ match: isCommit, action: 'reset-before' });
    // The proxy stops accepting connections as the COMMIT is cut: the batch cannot be sent again.
    const stop = proxy.observe((s) => {
      if (isCommit(s)) void proxy.refuse(true);
    });
    const handler = withPool(db, () => db.batch([write(db, key)], { idempotencyKey: key }));
    const error = await handler({}, { getRemainingTimeInMillis: () => 1500 } as never).catch((e: unknown) => e);
    stop();
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', notApplied: false });
    expect((error as Error).message).toContain('fails with ALREADY_APPLIED if the batch committed');
    await proxy.refuse(false);
    const [rows] = await db.batch([db.sql`insert into ledger (run_id) values (${rowOf(key)}) returning run_id`], { idempotencyKey: key });
    expect(rows).toEqual([{ run_id: rowOf(key) }]);
    expect(await ledgerRows(rowOf(key))).toBe(1);
  });
});

describe('a keyed batch whose lost transaction still holds its key', () => {
  it('stays OUTCOME_UNKNOWN, not IN_PROGRESS, until that transaction ends; called again, it settles', async () => {
    const { db, proxy } = await through('tcp', 'ibf-zombie');
    const key = nextKey();
    // COMMIT is held and the client cut, while the server side stays open: a backend in the
    // transaction, holding the key, as when a container vanished without a FIN.
    const stop = proxy.observe((s) => {
      if (isCommit(s) && s.connection.app.startsWith('ibf-zombie')) {
        s.connection.set({ stall: true });
        s.connection.leak();
      }
    });
    const error = await db.batch([write(db, key)], { idempotencyKey: key, inProgressWaitMs: 200 }).catch((e: unknown) => e);
    stop();
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', notApplied: false });
    expect((error as Error).message).toContain('the key was still held on the server');
    // It got COMMIT's first message only: it waits for the rest, holding the key.
    const zombie = () => f.admin`select pid from pg_stat_activity where application_name like 'ibf-zombie%' and query = 'commit'`;
    expect(await zombie()).toHaveLength(1);
    await f.admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'ibf-zombie%' and query = 'commit'`;
    await vi.waitFor(async () => {
      const [row] = await f.admin`select count(*)::int as n from pg_stat_activity where application_name like 'ibf-zombie%' and query = 'commit'`;
      expect(row!.n).toBe(0);
    });
    const [rows] = await db.batch([db.sql`insert into ledger (run_id) values (${rowOf(key)}) returning run_id`], { idempotencyKey: key });
    expect(rows).toEqual([{ run_id: rowOf(key) }]);
    expect(await ledgerRows(rowOf(key))).toBe(1);
  });
});

describe('a keyed transaction over WebSocket whose COMMIT\'s answer was lost', () => {
  function ledgerWrite(key: string) {
    const runs = { n: 0 };
    const fn = async (tx: Transaction) => {
      runs.n++;
      await tx.sql`insert into ledger (run_id) values (${key})`;
      return { written: key, run: runs.n };
    };
    return { fn, runs };
  }

  it('forwarded to the server (it committed): resolves to the stored result, fn ran once', async () => {
    const { db, proxy } = await through('websocket', 'ibf-ws-tx-after');
    const key = nextKey();
    const { fn, runs } = ledgerWrite(key);
    const rule = proxy.addRule({ match: isCommit, action: { resetAfterReplyBytes: 0 } });
    expect(await db.transaction(fn, { idempotencyKey: key })).toEqual({ written: key, run: 1 });
    expect(rule.fired).toBe(1);
    expect(runs.n).toBe(1);
    expect(await ledgerRows(key)).toBe(1);
  });

  it('never reaching the server: runs again with retries 1, notApplied with retries 0', async () => {
    const { db, proxy } = await through('websocket', 'ibf-ws-tx-before');
    const key = nextKey();
    const { fn, runs } = ledgerWrite(key);
    proxy.addRule({ match: isCommit, action: 'reset-before' });
    expect(await db.transaction(fn, { idempotencyKey: key, retries: 1 })).toEqual({ written: key, run: 2 });
    expect(runs.n).toBe(2);
    expect(await ledgerRows(key)).toBe(1);
    const other = nextKey();
    const once = ledgerWrite(other);
    proxy.addRule({ match: isCommit, action: 'reset-before' });
    const error = await db.transaction(once.fn, { idempotencyKey: other }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONNECTION_LOST', notApplied: true });
    expect(await ledgerRows(other)).toBe(0);
  });
});

describe('the table, from a keyed batch', () => {
  it('is created on first use', async () => {
    await f.admin`drop table if exists warmpool_idempotency`;
    const { db } = await through('tcp', 'ibf-create');
    const key = nextKey();
    await db.batch([write(db, key)], { idempotencyKey: key });
    await expect(db.batch([write(db, key)], { idempotencyKey: key })).rejects.toMatchObject({ code: 'ALREADY_APPLIED' });
    expect(await ledgerRows(rowOf(key))).toBe(1);
  });

  it('is not created with createTable: false (IDEMPOTENCY_TABLE_MISSING, notApplied), over HTTP too', async () => {
    for (const transport of ['tcp', 'http'] as const) {
      await f.admin`drop table if exists warmpool_idempotency`;
      const { db } = await through(transport, `ibf-nocreate-${transport}`);
      const key = nextKey();
      const error = await db.batch([write(db, key)], { idempotencyKey: key, createTable: false }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'IDEMPOTENCY_TABLE_MISSING', notApplied: true });
      expect(await ledgerRows(rowOf(key))).toBe(0);
      const [exists] = await f.admin`select to_regclass('warmpool_idempotency') is not null as there`;
      expect(exists!.there).toBe(false);
    }
  });
});

describe('the cost of a key on a batch', () => {
  it('is one statement more, in the same round trips; a repeat costs as many', async () => {
    const { db, proxy } = await through('tcp', 'ibf-cost');
    // Latency keeps a reply from overtaking statements the client sent together.
    proxy.set({ latencyMs: 20 });
    const measure = async (run: () => Promise<unknown>) => {
      const seen: { text: string; down: number }[] = [];
      const stop = proxy.observe((s) => {
        if (s.connection.app.startsWith('ibf-cost')) seen.push({ text: s.text.trim().split(/\s+/)[0]!.toLowerCase(), down: proxy.counters.bytesDown });
      });
      await run().catch(() => {});
      stop();
      return { statements: seen.map((s) => s.text), flights: new Set(seen.map((s) => s.down)).size };
    };
    // Warm: the connection open, the statements prepared, the table there.
    await db.batch([write(db, 'op-cost')]);
    await db.batch([write(db, 'op-cost')], { idempotencyKey: nextKey() });
    const plain = await measure(() => db.batch([write(db, 'op-cost')]));
    const repeatKey = nextKey();
    const keyed = await measure(() => db.batch([write(db, 'op-cost')], { idempotencyKey: repeatKey }));
    const repeat = await measure(() => db.batch([write(db, 'op-cost')], { idempotencyKey: repeatKey }));
    console.log(`cost of a key on a batch: plain ${JSON.stringify(plain)}; keyed ${JSON.stringify(keyed)}; repeat ${JSON.stringify(repeat)}`);
    expect(plain).toEqual({ statements: ['begin', 'insert', 'commit'], flights: 2 });
    expect(keyed).toEqual({ statements: ['begin', 'with', 'insert', 'commit'], flights: 2 });
    // The claim fails and the batch's statements are refused in the failed transaction; the release rolls it back.
    expect(repeat).toEqual({ statements: ['begin', 'with', 'insert', 'rollback'], flights: 2 });
  });
});
