import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Pool, createPool } from '../src/index.js';
import { type FaultServer, sleep, startFaultServer } from './support/fault-server.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// A read or a transaction on a connection due for validation (idle past validateAfterIdleMs)
// carries its own probe, BEGIN, instead of a ping first: BEGIN READ ONLY, the read and COMMIT go
// together; a transaction's BEGIN goes with its first statement. What that must keep: a silently
// dead or reset connection is replaced and the work done once; a read that writes runs exactly
// once; a failing read leaves nothing open. The idle gaps are real (validateAfterIdleMs is
// wall-clock); nothing is timed.

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
  const db = createPool({ connectionString: url, max: 1, validateAfterIdleMs: 100, ...options });
  pools.push(db);
  return db;
}

describe('a read after an idle gap', () => {
  it('sends no ping: BEGIN READ ONLY, the read and COMMIT instead, sent together', async () => {
    const proxy = await f.proxy();
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'probe-shape' });
    await db.sql`select 1 as warm`;
    const seen: string[] = [];
    proxy.observe((s) => seen.push(s.text.trim().toLowerCase()));
    await sleep(200);
    expect(await db.sql`select ${7}::int as n`).toEqual([{ n: 7 }]);
    expect(seen).toEqual(['begin read only', 'select $1::int as n', 'commit']);
    expect(db.stats()).toMatchObject({ created: 1, validations: 1, validationFailures: 0 });
    // A write after an idle gap keeps its ping: nothing cheaper keeps it from running twice.
    seen.length = 0;
    await sleep(200);
    await db.sql`create temp table if not exists probe_w (n int)`.catch(() => {});
    expect(seen[0]).toBe('select 1');
  });

  for (const natAction of ['reset', 'blackhole'] as const) {
    it(`on a flow a NAT dropped (${natAction}) is answered on a new connection`, async () => {
      const proxy = await f.proxy();
      proxy.set({ natIdleMs: 300, natAction });
      const db = pool(proxy.urlFor(f.server.url), { applicationName: `probe-nat-${natAction}`, pingTimeoutMs: 400 });
      for (let i = 0; i < 3; i++) {
        expect(await db.sql`select ${i}::int as i`).toEqual([{ i }]);
        await sleep(500);
      }
      expect(db.stats()).toMatchObject({ created: 3, validationFailures: 2, outcomeUnknown: 0 });
    });
  }

  it('that writes (nextval) is refused read-only and then runs exactly once', async () => {
    const proxy = await f.proxy();
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'probe-write' });
    const seq = `probe_seq_${Math.random().toString(36).slice(2, 8)}`;
    await db.query(`create sequence ${seq}`);
    try {
      const values: number[] = [];
      for (let i = 0; i < 3; i++) {
        await sleep(200);
        const [row] = await db.query<{ v: string }>(`select nextval('${seq}') as v`);
        values.push(Number(row.v));
      }
      expect(values).toEqual([1, 2, 3]);
    } finally {
      await db.query(`drop sequence ${seq}`);
    }
  });

  it('that fails leaves no transaction open, and the next read works', async () => {
    const proxy = await f.proxy();
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'probe-fail' });
    await db.sql`select 1`;
    await sleep(200);
    await expect(db.sql`select * from probe_missing_table`).rejects.toMatchObject({ code: '42P01' });
    const [row] = await db.sql`select txid_current_if_assigned() as tx, current_setting('transaction_read_only') as ro`;
    expect(row).toEqual({ tx: null, ro: 'off' });
    expect(db.stats()).toMatchObject({ created: 1, releaseRollbacks: 0 });
  });
});

describe('a transaction after an idle gap', () => {
  it('sends no ping: BEGIN goes with its first statement', async () => {
    const proxy = await f.proxy();
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'probe-tx' });
    await db.sql`select 1`;
    const seen: string[] = [];
    proxy.observe((s) => seen.push(s.text.trim().toLowerCase().split(/\s+/)[0]!));
    await sleep(200);
    await db.transaction(async (tx) => {
      await tx.sql`select ${1}::int as a`;
      await tx.sql`select ${2}::int as b`;
    });
    expect(seen).toEqual(['begin', 'select', 'select', 'commit']);
    expect(db.stats()).toMatchObject({ created: 1, validations: 1, validationFailures: 0 });
  });

  for (const natAction of ['reset', 'blackhole'] as const) {
    it(`on a flow a NAT dropped (${natAction}) runs once, on a new connection`, async () => {
      const proxy = await f.proxy();
      proxy.set({ natIdleMs: 300, natAction });
      const db = pool(proxy.urlFor(f.server.url), { applicationName: `probe-tx-${natAction}`, pingTimeoutMs: 400 });
      const table = `probe_tx_${natAction}_${Math.random().toString(36).slice(2, 8)}`;
      await db.query(`create table ${table} (n int)`);
      try {
        let calls = 0;
        for (let i = 0; i < 2; i++) {
          await sleep(500);
          await db.transaction(async (tx) => {
            calls++;
            await tx.query(`insert into ${table} values ($1)`, [i]);
            await tx.query(`insert into ${table} values ($1)`, [i + 10]);
          });
        }
        expect(calls).toBe(2);
        await sleep(500);
        const rows = await db.query(`select n from ${table} order by n`);
        expect(rows).toEqual([{ n: 0 }, { n: 1 }, { n: 10 }, { n: 11 }]);
        expect(db.stats()).toMatchObject({ created: 4, validationFailures: 3, outcomeUnknown: 0 });
      } finally {
        await sleep(500);
        await db.query(`drop table ${table}`);
      }
    });
  }

  it('that sends nothing leaves the connection due for validation', async () => {
    const proxy = await f.proxy();
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'probe-tx-empty' });
    await db.sql`select 1`;
    await sleep(200);
    expect(await db.transaction(async () => 'nothing sent')).toBe('nothing sent');
    const seen: string[] = [];
    proxy.observe((s) => seen.push(s.text.trim().toLowerCase()));
    await db.sql`select ${3}::int as n`;
    expect(seen[0]).toBe('begin read only');
  });
});
