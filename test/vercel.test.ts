import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { vercelPool } from '../src/vercel/index.js';
import { databaseUrl } from './support/env.js';

// @vercel/functions is not installed here: this checks the contract its attachDatabasePool reads
// (packages/functions/src/db-connections/index.ts): a pool is taken as pg-like when it has `on`
// and `options.idleTimeoutMillis`; it then subscribes to 'release' and keeps the instance alive
// for idleTimeoutMillis + 100 ms after each one.
function recognisedAsPgPool(dbPool: object): boolean {
  const p = dbPool as { on?: unknown; options?: object };
  return 'on' in p && !!p.on && 'options' in p && 'idleTimeoutMillis' in p.options!;
}

describe('vercelPool: the shape attachDatabasePool recognises', () => {
  const db = createPool({ connectionString: databaseUrl(), applicationName: 'vercel', idleTimeoutMs: 200, max: 2 });
  afterAll(() => db.end());

  it('has on() and options.idleTimeoutMillis, covering the idle sweep', () => {
    const view = vercelPool(db);
    expect(recognisedAsPgPool(view)).toBe(true);
    expect(view.options.idleTimeoutMillis).toBe(400);
  });

  it("emits 'release' when a connection goes idle, and the idle connection is closed afterwards", async () => {
    let releases = 0;
    vercelPool(db).on('release', () => releases++);
    await db.sql`select 1`;
    expect(releases).toBe(1);
    await db.transaction(async (tx) => {
      await tx.sql`select 2`;
    });
    expect(releases).toBe(2);
    expect(db.stats().idle).toBe(1);
    // The pool's own sweep closes it; the instance must stay up until then (that is idleTimeoutMillis).
    while (db.stats().open > 0) await new Promise((r) => setTimeout(r, 20));
    expect(db.stats()).toMatchObject({ open: 0, idle: 0 });
  });

  it('refuses a pool that never closes idle connections, and events it does not emit', () => {
    const keep = createPool({ connectionString: databaseUrl(), applicationName: 'vercel-keep', idleTimeoutMs: 0 });
    expect(() => vercelPool(keep)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('idleTimeoutMs above 0') }));
    expect(() => vercelPool(db).on('error' as 'release', () => {})).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    return keep.end();
  });
});
