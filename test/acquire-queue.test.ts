import { describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { databaseUrl } from './support/env.js';

describe('waiting for a connection', () => {
  it('serves waiters first in, first out', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'fifo', max: 1 });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => db.sql`select ${i}::int as i, pg_sleep(0.01)`.then((rows) => order.push(rows[0].i as number))),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await db.end();
  });

  it('fails with ACQUIRE_TIMEOUT when no connection frees up in time, and recovers after', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'acq', max: 1, acquireTimeoutMs: 100 });
    let release!: () => void;
    const held = db.transaction(() => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'ACQUIRE_TIMEOUT', notApplied: true });
    expect(error.message).toMatch(/max 1/);
    expect(db.stats()).toMatchObject({ acquireTimeouts: 1, waiting: 0 });
    release();
    await held;
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    await db.end();
  });

  it('rejects waiters when the pool ends', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'acq-end', max: 1 });
    const slow = db.sql`select pg_sleep(0.2)`.then(() => 'done', (e) => e.code);
    const queued = db.sql`select 1`.then(() => 'done', (e) => e.code);
    await new Promise((r) => setTimeout(r, 50));
    await db.end();
    expect(await queued).toBe('POOL_ENDED');
    await slow;
  });
});
