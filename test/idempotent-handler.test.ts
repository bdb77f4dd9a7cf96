import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPool, IDEMPOTENCY_MIGRATION, type Pool } from '../src/index.js';
import { idempotent, withPool } from '../src/lambda/index.js';
import { adminClient, uniqueName } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// idempotent(db, handler, { key }): the handler runs inside one keyed transaction, writing through
// its `tx`; its return value is the stored result, a repeat of the key returns it without running
// the handler, another payload under the key is refused, an event without a key is refused.

const items = uniqueName('idem_handler_items');
const pools: Pool[] = [];
function pool(name: string, options: Record<string, unknown> = {}): Pool {
  const db = createPool({ connectionString: databaseUrl(), applicationName: name, max: 1, ...options });
  pools.push(db);
  return db;
}
const db = pool('idem-handler');
const admin = adminClient(adminUrl());

beforeAll(async () => {
  await db.query(`create table ${items} (id serial primary key, k text not null)`);
  for (const statement of IDEMPOTENCY_MIGRATION.split(';').map((s) => s.trim()).filter(Boolean)) await db.query(statement);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin.end();
});

interface OrderEvent {
  id?: string | number | null;
  amount: number;
  receiptHandle?: string;
}

const context = (functionName = 'orders', remainingMs = 30_000) => ({ functionName, getRemainingTimeInMillis: () => remainingMs });
const rowsOf = async (k: string) => (await db.query(`select count(*)::int as n from ${items} where k = $1`, [k]))[0]!.n as number;
const storedKeys = async (like: string) => (await db.query('select key from warmpool_idempotency where key like $1 order by key', [like])).map((r) => r.key as string);

/** A handler that writes one row for the event through tx and counts its runs. */
function orderHandler(target: Pool, options: Partial<Parameters<typeof idempotent<OrderEvent, ReturnType<typeof context>, unknown>>[2]> = {}) {
  const runs = { n: 0 };
  const handler = withPool(target, idempotent(target, async (event: OrderEvent, tx) => {
    runs.n++;
    const [row] = await tx.sql<{ id: number }>`insert into ${tx.unsafe(items)} (k) values (${String(event.id)}) returning id`;
    return { statusCode: 201, orderRow: row!.id, amount: event.amount };
  }, { key: (event) => event.id, ...options }));
  return { handler, runs };
}

describe('a handler made idempotent', () => {
  it('runs once per key: its writes and its return value commit together, a repeat returns that value and runs nothing', async () => {
    const id = uniqueName('order');
    const { handler, runs } = orderHandler(db);
    const first = await handler({ id, amount: 10 }, context());
    expect(first).toMatchObject({ statusCode: 201, amount: 10 });
    const again = await handler({ id, amount: 10, receiptHandle: 'another delivery' }, context());
    expect(again).toEqual(first);
    expect(runs.n).toBe(1);
    expect(await rowsOf(id)).toBe(1);
    // The function's name goes before the key.
    expect(await storedKeys(`%${id}`)).toEqual([`orders#${id}`]);
  });

  it('keeps functions apart by their name, and takes keyPrefix instead when given', async () => {
    const id = uniqueName('order');
    const { handler, runs } = orderHandler(db);
    await handler({ id, amount: 1 }, context('orders'));
    await handler({ id, amount: 1 }, context('refunds'));
    expect(runs.n).toBe(2);
    const prefixed = orderHandler(db, { keyPrefix: 'shared:' });
    await prefixed.handler({ id, amount: 1 }, context('orders'));
    await prefixed.handler({ id, amount: 1 }, context('refunds'));
    expect(prefixed.runs.n).toBe(1);
    expect(await storedKeys(`%${id}`)).toEqual([`orders#${id}`, `refunds#${id}`, `shared:${id}`]);
  });

  it('refuses the key with another payload (IDEMPOTENCY_PAYLOAD_MISMATCH), and ignores what the payload leaves out', async () => {
    const id = uniqueName('order');
    const { handler, runs } = orderHandler(db, { payload: (event) => ({ id: event.id, amount: event.amount }) });
    await handler({ id, amount: 10, receiptHandle: 'a' }, context());
    expect(await handler({ id, amount: 10, receiptHandle: 'b' }, context())).toMatchObject({ amount: 10 });
    const error = await handler({ id, amount: 11 }, context()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_PAYLOAD_MISMATCH', notApplied: true });
    expect(runs.n).toBe(1);
    expect(await rowsOf(id)).toBe(1);
  });

  it('fails an event without a key with IDEMPOTENCY_KEY_MISSING, before anything runs', async () => {
    const { handler, runs } = orderHandler(db);
    for (const id of [undefined, null, '', Number.NaN]) {
      const error = await handler({ id, amount: 1 }, context()).catch((e: unknown) => e);
      expect({ id, error }).toMatchObject({ id, error: { code: 'IDEMPOTENCY_KEY_MISSING', notApplied: true } });
    }
    expect(runs.n).toBe(0);
    expect(db.stats().busy).toBe(0);
  });

  it('takes numbers as keys, and stores a key too long for the table as the SHA-256 of it', async () => {
    const n = Date.now() * 1000 + Math.floor(Math.random() * 1000);
    const numbered = orderHandler(db, { keyPrefix: 'n:' });
    await numbered.handler({ id: n, amount: 1 }, context());
    await numbered.handler({ id: String(n) as unknown as number, amount: 1 }, context());
    expect(numbered.runs.n).toBe(1);
    const long = `${uniqueName('long')}-${'x'.repeat(600)}`;
    const { handler, runs } = orderHandler(db, { keyPrefix: 'long:' });
    await handler({ id: long, amount: 1 }, context());
    await handler({ id: long, amount: 1 }, context());
    expect(runs.n).toBe(1);
    const [stored] = await storedKeys('long:%');
    expect(stored).toMatch(/^long:sha256:[0-9a-f]{64}$/);
  });

  it('records nothing when the handler throws: its writes roll back, and the next delivery runs it', async () => {
    const id = uniqueName('order');
    let fail = true;
    let runs = 0;
    const handler = withPool(db, idempotent(db, async (event: OrderEvent, tx) => {
      runs++;
      await tx.sql`insert into ${tx.unsafe(items)} (k) values (${String(event.id)})`;
      if (fail) throw new Error('payment service down');
      return 'paid';
    }, { key: (event) => event.id }));
    await expect(handler({ id, amount: 1 }, context())).rejects.toThrow('payment service down');
    expect(await rowsOf(id)).toBe(0);
    expect(await storedKeys(`%${id}`)).toEqual([]);
    fail = false;
    expect(await handler({ id, amount: 1 }, context())).toBe('paid');
    expect(await handler({ id, amount: 1 }, context())).toBe('paid');
    expect(runs).toBe(2);
    expect(await rowsOf(id)).toBe(1);
  });

  it('refuses a pool call inside the handler with max 1 (POOL_HELD_BY_TRANSACTION): only tx is inside the key\'s transaction', async () => {
    const id = uniqueName('order');
    const handler = withPool(db, idempotent(db, async (event: OrderEvent) => {
      await db.sql`insert into ${db.unsafe(items)} (k) values (${String(event.id)})`;
      return 'never';
    }, { key: (event) => event.id }));
    const error = await handler({ id, amount: 1 }, context()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'POOL_HELD_BY_TRANSACTION' });
    expect(await rowsOf(id)).toBe(0);
    expect(await storedKeys(`%${id}`)).toEqual([]);
  });

  it('runs once for the same event delivered to two containers at once: the second waits and gets the first\'s result', async () => {
    const id = uniqueName('order');
    const a = pool('idem-handler-a');
    const b = pool('idem-handler-b');
    let runs = 0;
    let letCommit!: () => void;
    const gate = new Promise<void>((resolve) => {
      letCommit = resolve;
    });
    const make = (target: Pool) => withPool(target, idempotent(target, async (event: OrderEvent, tx) => {
      runs++;
      await tx.sql`insert into ${tx.unsafe(items)} (k) values (${String(event.id)})`;
      await gate;
      return { by: runs };
    }, { key: (event) => event.id }));
    const first = make(a)({ id, amount: 1 }, context());
    await vi.waitFor(() => expect(runs).toBe(1));
    const second = make(b)({ id, amount: 1 }, context());
    await vi.waitFor(async () => {
      const [row] = await admin`select count(*)::int as n from pg_stat_activity where application_name like ${'idem-handler-b%'} and wait_event_type = 'Lock'`;
      expect(row!.n).toBe(1);
    });
    letCommit();
    expect(await Promise.all([first, second])).toEqual([{ by: 1 }, { by: 1 }]);
    expect(await rowsOf(id)).toBe(1);
  });

  it('refuses bad options with INVALID_OPTION when the handler is wrapped', () => {
    const fn = async () => 1;
    const bad: unknown[] = [
      undefined,
      {},
      { key: 'id' },
      { key: () => 'k', payload: { a: 1 } },
      { key: () => 'k', keyPrefix: 1 },
      { key: () => 'k', expiresAfterMs: 10 },
      { key: () => 'k', inProgressWaitMs: -1 },
      { key: () => 'k', retries: -1 },
      { key: () => 'k', idempotencyKey: 'k' },
      { key: () => 'k', eventKeyJmesPath: 'id' },
    ];
    for (const options of bad) {
      let error: unknown;
      try {
        idempotent(db, fn, options as never);
      } catch (e) {
        error = e;
      }
      expect({ options, error }).toMatchObject({ options, error: { code: 'INVALID_OPTION', notApplied: true } });
    }
    expect(() => idempotent(db, 'handler' as never, { key: () => 'k' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});
