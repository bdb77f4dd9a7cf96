import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPool, IDEMPOTENCY_MIGRATION, type Pool, type Transaction } from '../src/index.js';
import { createPool as createHttpPool } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { startTestGateway } from './gateway-support.js';
import { adminClient, uniqueName } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// db.transaction(fn, { idempotencyKey }): the key and fn's result commit with fn's work; a repeat
// returns the stored result without running fn; a concurrent call with the key waits for the
// first one's outcome or fails with IN_PROGRESS; a different payload under the key is refused.

const items = uniqueName('idem_items');
const pools: Pool[] = [];
function pool(name: string, options: Record<string, unknown> = {}): Pool {
  const db = createPool({ connectionString: databaseUrl(), applicationName: name, max: 2, ...options });
  pools.push(db);
  return db;
}
const db = pool('idem');
const admin = adminClient(adminUrl());

beforeAll(async () => {
  await db.query(`create table ${items} (id serial primary key, k text not null, note text)`);
  // The table exists from the first keyed call on; create it up front so tests can read it.
  for (const statement of IDEMPOTENCY_MIGRATION.split(';').map((s) => s.trim()).filter(Boolean)) await db.query(statement);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin.end();
});

const rowsOf = async (k: string) => (await db.query(`select count(*)::int as n from ${items} where k = $1`, [k]))[0]!.n as number;
const keyRow = async (key: string) => (await db.query('select key, payload_hash, result::text as result, expires_at > now() as live from warmpool_idempotency where key = $1', [key]))[0];

/** A callback that writes one row and counts its runs. */
function work(k: string, ...returns: unknown[]) {
  const result = returns.length > 0 ? returns[0] : { k, ok: true };
  const runs = { n: 0 };
  const fn = async (tx: Transaction) => {
    runs.n++;
    await tx.query(`insert into ${items} (k) values ($1)`, [k]);
    return result;
  };
  return { fn, runs };
}

/** Backends of `app` waiting on a lock: a keyed call waiting for another holding its key. */
/** A keyed callback that writes `k` and holds its transaction open until `release()`; `runs()` counts its calls. */
function heldWork<T>(k: string, result: (runs: number) => T) {
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const fn = async (tx: Transaction) => {
    runs++;
    await tx.query(`insert into ${items} (k) values ($1)`, [k]);
    await gate;
    return result(runs);
  };
  return { fn, release, runs: () => runs };
}

async function waitingOnLock(app: string): Promise<number> {
  const [row] = await admin`select count(*)::int as n from pg_stat_activity where application_name like ${app + '%'} and wait_event_type = 'Lock'`;
  return row!.n as number;
}

describe('a keyed transaction', () => {
  it('commits the key and the result with the work, and a repeat returns that result without running fn', async () => {
    const key = uniqueName('k');
    const { fn, runs } = work(key, { order: 7, lines: ['a', 'b'], paid: true, note: null });
    const first = await db.transaction(fn, { idempotencyKey: key });
    expect(first).toEqual({ order: 7, lines: ['a', 'b'], paid: true, note: null });
    const again = await db.transaction(fn, { idempotencyKey: key });
    const third = await pool('idem-other').transaction(fn, { idempotencyKey: key });
    expect({ again, third }).toEqual({ again: first, third: first });
    expect(runs.n).toBe(1);
    expect(await rowsOf(key)).toBe(1);
    expect(await keyRow(key)).toMatchObject({ key, payload_hash: null, result: JSON.stringify(first), live: true });
  });

  it('stores a callback that returns nothing as undefined, and other JSON values as they are', async () => {
    for (const value of [undefined, null, 0, 'text', [1, [2, { a: 'b' }]], false]) {
      const key = uniqueName('k');
      const { fn, runs } = work(key, value);
      expect(await db.transaction(fn, { idempotencyKey: key })).toEqual(value);
      expect(await db.transaction(fn, { idempotencyKey: key })).toEqual(value);
      expect(runs.n).toBe(1);
    }
  });

  it('leaves the key free when fn throws: nothing committed, and the next call runs', async () => {
    const key = uniqueName('k');
    const error = await db.transaction(async (tx) => {
      await tx.query(`insert into ${items} (k) values ($1)`, [key]);
      throw new Error('handler failed');
    }, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'handler failed' });
    expect(await keyRow(key)).toBeUndefined();
    const { fn, runs } = work(key);
    await db.transaction(fn, { idempotencyKey: key });
    expect(runs.n).toBe(1);
    expect(await rowsOf(key)).toBe(1);
  });

  it('refuses a result JSON would change, before COMMIT: nothing committed', async () => {
    const cases: [unknown, string][] = [
      [{ at: new Date() }, 'result.at is a Date'],
      [[1n], 'result[0] is a bigint'],
      [{ m: new Map() }, 'result.m is a Map'],
      [{ n: Number.NaN }, 'result.n is NaN'],
      [[undefined], 'result[0] is undefined'],
    ];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    cases.push([cyclic, 'result.self refers back to itself']);
    for (const [value, says] of cases) {
      const key = uniqueName('k');
      const { fn } = work(key, value);
      const error = await db.transaction(fn, { idempotencyKey: key }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'RESULT_NOT_JSON', notApplied: true });
      expect((error as Error).message).toContain(says);
      expect(await rowsOf(key)).toBe(0);
      expect(await keyRow(key)).toBeUndefined();
    }
  });

  it('gives the first call the stored copy too: a query result arrives as plain rows every time', async () => {
    const key = uniqueName('k');
    const fn = (tx: Transaction) => tx.sql`select 1 as one, 'x' as two`;
    const first = await db.transaction(fn, { idempotencyKey: key });
    const again = await db.transaction(fn, { idempotencyKey: key });
    expect(first).toEqual([{ one: 1, two: 'x' }]);
    expect(again).toEqual(first);
    expect((first as unknown as { count?: number }).count).toBeUndefined();
  });

  it('refuses the key with a different payload (IDEMPOTENCY_PAYLOAD_MISMATCH), accepts the same payload in any key order', async () => {
    const key = uniqueName('k');
    const { fn, runs } = work(key, 'done');
    await db.transaction(fn, { idempotencyKey: key, payload: { amount: 10, to: 'acct-1' } });
    expect(await db.transaction(fn, { idempotencyKey: key, payload: { to: 'acct-1', amount: 10 } })).toBe('done');
    const error = await db.transaction(fn, { idempotencyKey: key, payload: { amount: 11, to: 'acct-1' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_PAYLOAD_MISMATCH', notApplied: true });
    // Without a payload the key is not checked.
    expect(await db.transaction(fn, { idempotencyKey: key })).toBe('done');
    expect(runs.n).toBe(1);
    expect(await rowsOf(key)).toBe(1);
    expect((await keyRow(key))!.payload_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses bad options with INVALID_OPTION before anything is sent', async () => {
    const fn = async () => 1;
    const bad: Record<string, unknown>[] = [
      { idempotencyKey: '' },
      { idempotencyKey: 'x'.repeat(513) },
      { idempotencyKey: 42 },
      { payload: { a: 1 } },
      { idempotencyKey: 'k', readOnly: true },
      { idempotencyKey: 'k', expiresAfterMs: 10 },
      { idempotencyKey: 'k', inProgressWaitMs: -1 },
      { idempotencyKey: 'k', idempotencyKeys: 'typo' },
      { idempotencyKey: 'k', payload: { n: 1n } },
    ];
    for (const options of bad) {
      const error = await db.transaction(fn, options as never).catch((e: unknown) => e);
      expect({ options, error }).toMatchObject({ options, error: { code: 'INVALID_OPTION', notApplied: true } });
    }
  });

  it('leaves lock_timeout as it was for fn\'s own statements', async () => {
    const key = uniqueName('k');
    const seen = await db.transaction(async (tx) => {
      const [row] = await tx.sql`select current_setting('lock_timeout') as v`;
      return row!.v;
    }, { idempotencyKey: key, inProgressWaitMs: 1234 });
    const plain = await db.transaction(async (tx) => (await tx.sql`select current_setting('lock_timeout') as v`)[0]!.v);
    expect(seen).toBe(plain);
  });
});

describe('concurrent calls with the same key (two pools, as two containers)', () => {
  for (const isolation of ['read committed', 'repeatable read', 'serializable'] as const) {
  it(`run fn once: the second waits for the first to commit and gets its result (${isolation})`, async () => {
    const key = uniqueName('k');
    const a = pool(`idem-conc-a-${isolation}`);
    const b = pool(`idem-conc-b-${isolation}`);
    const { fn, release: letCommit, runs: ran } = heldWork(key, (runs) => ({ by: runs }));
    const first = a.transaction(fn, { idempotencyKey: key, isolation });
    await vi.waitFor(async () => expect(ran()).toBe(1));
    const second = b.transaction(fn, { idempotencyKey: key, isolation });
    // b's claim waits on the unique index for a's transaction; above read committed it then
    // starts again on a fresh snapshot (fn had not run), which sees a's row.
    await vi.waitFor(async () => expect(await waitingOnLock(`idem-conc-b-${isolation}`)).toBe(1));
    letCommit();
    expect(await Promise.all([first, second])).toEqual([{ by: 1 }, { by: 1 }]);
    expect(ran()).toBe(1);
    expect(await rowsOf(key)).toBe(1);
  });
  }

  it('run fn again when the first rolled back', async () => {
    const key = uniqueName('k');
    const a = pool('idem-rb-a');
    const b = pool('idem-rb-b');
    let letFail!: () => void;
    const gate = new Promise<void>((resolve) => {
      letFail = resolve;
    });
    let started = false;
    const first = a.transaction(async (tx) => {
      started = true;
      await tx.query(`insert into ${items} (k) values ($1)`, [key]);
      await gate;
      throw new Error('first failed');
    }, { idempotencyKey: key }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(started).toBe(true));
    const { fn, runs } = work(key, 'second');
    const second = b.transaction(fn, { idempotencyKey: key });
    await vi.waitFor(async () => expect(await waitingOnLock('idem-rb-b')).toBe(1));
    letFail();
    expect(await first).toMatchObject({ message: 'first failed' });
    expect(await second).toBe('second');
    expect(runs.n).toBe(1);
    expect(await rowsOf(key)).toBe(1);
  });

  it('fail with IN_PROGRESS (notApplied) when told not to wait, and get the result once the first committed', async () => {
    const key = uniqueName('k');
    const a = pool('idem-np-a');
    const b = pool('idem-np-b');
    const { fn, release: letCommit, runs: ran } = heldWork(key, () => 'first');
    const first = a.transaction(fn, { idempotencyKey: key });
    await vi.waitFor(() => expect(ran()).toBe(1));
    const error = await b.transaction(fn, { idempotencyKey: key, inProgressWaitMs: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IN_PROGRESS', notApplied: true, sqlState: '55P03' });
    letCommit();
    expect(await first).toBe('first');
    expect(await b.transaction(fn, { idempotencyKey: key, inProgressWaitMs: 0 })).toBe('first');
    expect(ran()).toBe(1);
    expect(await rowsOf(key)).toBe(1);
  });

  it('fail with IN_PROGRESS before the invocation deadline, not DEADLINE_EXCEEDED', async () => {
    const key = uniqueName('k');
    const a = pool('idem-dl-a');
    const b = pool('idem-dl-b');
    const { fn, release: letCommit, runs: ran } = heldWork(key, () => 'first');
    const first = a.transaction(fn, { idempotencyKey: key });
    await vi.waitFor(() => expect(ran()).toBe(1));
    const handler = withPool(b, () => b.transaction(fn, { idempotencyKey: key }));
    // 1.5 s left, minus the 500 ms margin: the wait ends before the deadline, whatever inProgressWaitMs says.
    const error = await handler({}, { getRemainingTimeInMillis: () => 1500 } as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IN_PROGRESS', notApplied: true });
    letCommit();
    await first;
    expect(ran()).toBe(1);
  });
});

describe('expiry', () => {
  it('runs an expired key again, and later keyed calls delete expired rows a few at a time', async () => {
    const key = uniqueName('k');
    const { fn, runs } = work(key, 'once');
    await db.transaction(fn, { idempotencyKey: key });
    // Expire it, and ten more keys, as time would.
    const stale = Array.from({ length: 12 }, () => uniqueName('stale'));
    await db.query(`insert into warmpool_idempotency (key, expires_at) select unnest($1::text[]), now() - interval '1 hour'`, [stale]);
    await db.query(`update warmpool_idempotency set expires_at = now() - interval '1 second' where key = $1`, [key]);
    expect(await db.transaction(fn, { idempotencyKey: key })).toBe('once');
    expect(runs.n).toBe(2);
    expect(await keyRow(key)).toMatchObject({ live: true });
    const left = async () => (await db.query('select count(*)::int as n from warmpool_idempotency where key = any($1)', [stale]))[0]!.n;
    // That call deleted at most 10 expired rows of other keys; the next ones finish the job.
    const afterOne = await left();
    expect(afterOne).toBeLessThanOrEqual(2);
    await db.transaction(async () => 'x', { idempotencyKey: uniqueName('k') });
    expect(await left()).toBe(0);
  });
});

describe('other transports', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw?.close());

  it('over WebSocket: a repeat returns the first result and runs nothing', async () => {
    const ws = createHttpPool({ connectionString: databaseUrl(), transport: 'websocket', wsProxy: `ws://${gw.wsProxy}`, applicationName: 'idem-ws' });
    pools.push(ws);
    const key = uniqueName('k');
    const { fn, runs } = work(key, 'over ws');
    expect(await ws.transaction(fn, { idempotencyKey: key })).toBe('over ws');
    expect(await ws.transaction(fn, { idempotencyKey: key })).toBe('over ws');
    expect(runs.n).toBe(1);
    expect(await rowsOf(key)).toBe(1);
  });

  it('over WebSocket: a call with a key another call holds waits for it and gets its result; IN_PROGRESS when told not to wait', async () => {
    const ws = createHttpPool({ connectionString: databaseUrl(), transport: 'websocket', wsProxy: `ws://${gw.wsProxy}`, applicationName: 'idem-ws-wait' });
    pools.push(ws);
    const key = uniqueName('k');
    const { fn, release: letCommit, runs: ran } = heldWork(key, () => 'first');
    const first = pool('idem-ws-holder').transaction(fn, { idempotencyKey: key });
    await vi.waitFor(() => expect(ran()).toBe(1));
    await expect(ws.transaction(fn, { idempotencyKey: key, inProgressWaitMs: 0 })).rejects.toMatchObject({ code: 'IN_PROGRESS', notApplied: true });
    const second = ws.transaction(fn, { idempotencyKey: key });
    await vi.waitFor(async () => expect(await waitingOnLock('idem-ws-wait')).toBe(1));
    letCommit();
    expect(await Promise.all([first, second])).toEqual(['first', 'first']);
    expect(ran()).toBe(1);
    expect(await rowsOf(key)).toBe(1);
  });

  it('over HTTP: refused before anything is sent (NOT_SUPPORTED_ON_TRANSPORT), pointing to a keyed batch', async () => {
    const overHttp = createHttpPool({ connectionString: databaseUrl(), transport: 'http', httpEndpoint: gw.fetchEndpoint, applicationName: 'idem-http' });
    pools.push(overHttp);
    const key = uniqueName('k');
    const { fn, runs } = work(key);
    const error = await overHttp.transaction(fn, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
    expect((error as Error).message).toContain('db.batch([...], { idempotencyKey })');
    expect(runs.n).toBe(0);
  });
});
