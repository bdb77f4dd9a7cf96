import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, IDEMPOTENCY_MIGRATION, isTransient, type Pool, type Transaction } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import { startTestGateway } from './gateway-support.js';
import { adminClient, uniqueName } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// db.batch([...], { idempotencyKey }) on TCP, WebSocket and HTTP alike: the key commits with the
// batch; a repeat runs nothing and fails with ALREADY_APPLIED (results are not kept, since an HTTP
// batch cannot store its own); a different payload is refused; a call holding the key is waited
// for; a failed batch leaves the key free; the batch's own errors stay its own.

const items = uniqueName('idem_batch_items');
const uniq = uniqueName('idem_batch_uniq');
const pools: Pool[] = [];
const admin = adminClient(adminUrl());
let gw: Gateway;

const TRANSPORTS = {
  tcp: (app: string) => createPool({ connectionString: databaseUrl(), applicationName: app, max: 2 }),
  websocket: (app: string) => createPool({ connectionString: databaseUrl(), transport: 'websocket', wsProxy: `ws://${gw.wsProxy}`, applicationName: app }),
  http: (app: string) => createPool({ connectionString: databaseUrl(), transport: 'http', httpEndpoint: gw.fetchEndpoint, applicationName: app }),
} as const;

function pool(transport: keyof typeof TRANSPORTS, app: string): Pool {
  const db = TRANSPORTS[transport](app);
  pools.push(db);
  return db;
}

beforeAll(async () => {
  gw = await startTestGateway();
  const db = pool('tcp', 'ib-setup');
  await db.query(`create table ${items} (id serial primary key, k text not null)`);
  await db.query(`create table ${uniq} (k text primary key)`);
  for (const statement of IDEMPOTENCY_MIGRATION.split(';').map((s) => s.trim()).filter(Boolean)) await db.query(statement);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await gw?.close();
  await admin.end();
});

const rowsOf = async (k: string) => (await admin.unsafe(`select count(*)::int as n from ${items} where k = $1`, [k]))[0]!.n as number;
const keyRows = async (key: string) => (await admin`select count(*)::int as n from warmpool_idempotency where key = ${key}`)[0]!.n as number;
const insert = (db: Pool, k: string) => db.query<{ id: number }>(`insert into ${items} (k) values ($1) returning id`, [k]);
const count = (db: Pool, k: string) => db.query<{ n: number }>(`select count(*)::int as n from ${items} where k = $1`, [k]);
/** Keyed batch claims waiting for another transaction: their statement reads `gone`. */
const claimsWaiting = async () => (await admin`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%count(*) from gone%'`)[0]!.n as number;

/** A keyed transaction on TCP that writes `k` and holds the key until `release(commit)`. */
function holdKey(key: string, k: string) {
  const holder = pool('tcp', 'ib-holder');
  let release!: (commit: boolean) => void;
  const gate = new Promise<boolean>((resolve) => {
    release = resolve;
  });
  let started = false;
  const done = holder.transaction(async (tx: Transaction) => {
    await tx.query(`insert into ${items} (k) values ($1)`, [k]);
    started = true;
    if (!(await gate)) throw new Error('holder rolled back');
    return 'holder';
  }, { idempotencyKey: key }).catch((e: unknown) => e);
  return { done, release, started: () => started };
}

for (const transport of ['tcp', 'websocket', 'http'] as const) {
  describe(`a keyed batch over ${transport}`, () => {
    it('applies once: the first call resolves to its results, a repeat runs nothing and fails with ALREADY_APPLIED', async () => {
      const db = pool(transport, `ib-once-${transport}`);
      const key = uniqueName('k');
      const [inserted, [counted]] = await db.batch([insert(db, key), count(db, key)], { idempotencyKey: key });
      expect(inserted).toHaveLength(1);
      expect(counted).toEqual({ n: 1 });
      const error = await db.batch([insert(db, key), count(db, key)], { idempotencyKey: key }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ALREADY_APPLIED', notApplied: true });
      expect((error as Error).message).toContain('a batch with this key committed before');
      expect(isTransient(error)).toBe(false);
      expect(await rowsOf(key)).toBe(1);
      expect(await keyRows(key)).toBe(1);
    });

    it('keys a single statement as a batch of one', async () => {
      const db = pool(transport, `ib-one-${transport}`);
      const key = uniqueName('k');
      const [rows] = await db.batch([insert(db, key)], { idempotencyKey: key });
      expect(rows).toHaveLength(1);
      await expect(db.batch([insert(db, key)], { idempotencyKey: key })).rejects.toMatchObject({ code: 'ALREADY_APPLIED' });
      expect(await rowsOf(key)).toBe(1);
    });

    it('refuses the key with another payload (IDEMPOTENCY_PAYLOAD_MISMATCH); the same payload in any key order is ALREADY_APPLIED', async () => {
      const db = pool(transport, `ib-payload-${transport}`);
      const key = uniqueName('k');
      await db.batch([insert(db, key)], { idempotencyKey: key, payload: { a: 1, b: [1, 2] } });
      await expect(db.batch([insert(db, key)], { idempotencyKey: key, payload: { b: [1, 2], a: 1 } })).rejects.toMatchObject({ code: 'ALREADY_APPLIED', notApplied: true });
      await expect(db.batch([insert(db, key)], { idempotencyKey: key, payload: { a: 2, b: [1, 2] } })).rejects.toMatchObject({ code: 'IDEMPOTENCY_PAYLOAD_MISMATCH', notApplied: true });
      expect(await rowsOf(key)).toBe(1);
    });

    it('leaves the key free when the batch fails, and keeps the batch\'s own unique violation as its DatabaseError', async () => {
      const db = pool(transport, `ib-fail-${transport}`);
      const key = uniqueName('k');
      const failed = await db.batch([insert(db, key), db.query('select 1/0')], { idempotencyKey: key }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: '22012', notApplied: true });
      expect(await keyRows(key)).toBe(0);
      await db.batch([insert(db, key)], { idempotencyKey: key });
      expect([await rowsOf(key), await keyRows(key)]).toEqual([1, 1]);
      // Another key, the same row of `uniq` twice: the server's 23505 on that table, not ALREADY_APPLIED.
      const k = uniqueName('u');
      await db.batch([db.query(`insert into ${uniq} (k) values ($1)`, [k])], { idempotencyKey: uniqueName('k') });
      const duplicate = await db.batch([db.query(`insert into ${uniq} (k) values ($1)`, [k])], { idempotencyKey: uniqueName('k') }).catch((e: unknown) => e);
      expect(duplicate).toMatchObject({ name: 'DatabaseError', code: '23505', table: uniq, notApplied: true });
    });

    it('waits for a call holding the key: ALREADY_APPLIED once it committed', async () => {
      const db = pool(transport, `ib-wait-${transport}`);
      const key = uniqueName('k');
      const holder = holdKey(key, key);
      await vi.waitFor(() => expect(holder.started()).toBe(true));
      const batch = db.batch([insert(db, key)], { idempotencyKey: key }).catch((e: unknown) => e);
      await vi.waitFor(async () => expect(await claimsWaiting()).toBe(1));
      holder.release(true);
      expect(await holder.done).toBe('holder');
      expect(await batch).toMatchObject({ code: 'ALREADY_APPLIED', notApplied: true });
      expect(await rowsOf(key)).toBe(1);
    });

    for (const isolation of ['repeatable read', 'serializable'] as const) {
      it(`waits for a call holding the key at ${isolation}: ALREADY_APPLIED once it committed`, async () => {
        const db = pool(transport, `ib-wait-iso-${transport}`);
        const key = uniqueName('k');
        const holder = holdKey(key, key);
        await vi.waitFor(() => expect(holder.started()).toBe(true));
        const batch = db.batch([insert(db, key)], { idempotencyKey: key, isolation }).catch((e: unknown) => e);
        await vi.waitFor(async () => expect(await claimsWaiting()).toBe(1));
        holder.release(true);
        expect(await holder.done).toBe('holder');
        expect(await batch).toMatchObject({ code: 'ALREADY_APPLIED', notApplied: true });
        expect(await rowsOf(key)).toBe(1);
      });
    }

    it('waits for a call holding the key: runs once it rolled back', async () => {
      const db = pool(transport, `ib-waitrb-${transport}`);
      const key = uniqueName('k');
      const holder = holdKey(key, `${key}-holder`);
      await vi.waitFor(() => expect(holder.started()).toBe(true));
      const batch = db.batch([insert(db, key)], { idempotencyKey: key });
      await vi.waitFor(async () => expect(await claimsWaiting()).toBe(1));
      holder.release(false);
      expect(await holder.done).toMatchObject({ message: 'holder rolled back' });
      expect(await batch).toEqual([[{ id: expect.any(Number) }]]);
      expect([await rowsOf(key), await rowsOf(`${key}-holder`), await keyRows(key)]).toEqual([1, 0, 1]);
    });

    it('fails with IN_PROGRESS (notApplied, transient) when told not to wait, or before the deadline', async () => {
      const db = pool(transport, `ib-np-${transport}`);
      const key = uniqueName('k');
      const holder = holdKey(key, key);
      await vi.waitFor(() => expect(holder.started()).toBe(true));
      const error = await db.batch([insert(db, key)], { idempotencyKey: key, inProgressWaitMs: 0 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'IN_PROGRESS', notApplied: true, sqlState: '55P03' });
      expect(isTransient(error)).toBe(true);
      // 1.5 s left, minus the 500 ms margin: the wait ends before the deadline.
      const handler = withPool(db, () => db.batch([insert(db, key)], { idempotencyKey: key }));
      const late = await handler({}, { getRemainingTimeInMillis: () => 1500 } as never).catch((e: unknown) => e);
      expect(late).toMatchObject({ code: 'IN_PROGRESS', notApplied: true });
      holder.release(true);
      await holder.done;
      expect(await rowsOf(key)).toBe(1);
    });

    it('runs an expired key again', async () => {
      const db = pool(transport, `ib-exp-${transport}`);
      const key = uniqueName('k');
      await db.batch([insert(db, key)], { idempotencyKey: key });
      await admin`update warmpool_idempotency set expires_at = now() - interval '1 second' where key = ${key}`;
      const [rows] = await db.batch([insert(db, key)], { idempotencyKey: key, expiresAfterMs: 60_000 });
      expect(rows).toHaveLength(1);
      expect(await rowsOf(key)).toBe(2);
      const [row] = await admin`select expires_at > now() + interval '50 seconds' and expires_at < now() + interval '70 seconds' as renewed from warmpool_idempotency where key = ${key}`;
      expect(row!.renewed).toBe(true);
      await expect(db.batch([insert(db, key)], { idempotencyKey: key })).rejects.toMatchObject({ code: 'ALREADY_APPLIED' });
    });
  });
}

describe('keyed batch options', () => {
  it('refuses bad ones with INVALID_OPTION before anything is sent', async () => {
    const db = pool('tcp', 'ib-options');
    const key = uniqueName('k');
    const cases: Record<string, unknown>[] = [
      { idempotencyKey: key, readOnly: true },
      { idempotencyKey: key, retries: 1 },
      { idempotencyKey: key, idempotencyKye: 'typo' },
      { idempotencyKey: '' },
      { payload: { a: 1 } },
      { idempotencyKey: key, expiresAfterMs: 10 },
    ];
    for (const options of cases) {
      await expect(db.batch([insert(db, key)], options as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', notApplied: true });
    }
    expect(await rowsOf(key)).toBe(0);
    expect(await keyRows(key)).toBe(0);
  });
});
