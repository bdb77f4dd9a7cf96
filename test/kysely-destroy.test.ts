/**
 * `db.destroy()` and the pool: by default the pool outlives the Kysely instance (a handler's pool
 * serves the next warm invocation); with `endPoolOnDestroy: true` destroy ends it, so a script
 * or a test suite that ends with `db.destroy()` lets its process exit.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WarmpoolDialect } from '../src/adapters/kysely/index.js';
import { createPool, type Pool } from '../src/index.js';
import { adminClient, countConnections } from './support/db.js';
import { databaseUrl } from './support/env.js';

const pools: Pool[] = [];
afterAll(() => Promise.all(pools.map((p) => p.end())));

function kyselyOn(applicationName: string, endPoolOnDestroy?: boolean) {
  const pool = createPool({ connectionString: databaseUrl(), applicationName });
  pools.push(pool);
  const config = endPoolOnDestroy === undefined ? { pool } : { pool, endPoolOnDestroy };
  return { pool, db: new Kysely<Record<string, never>>({ dialect: new WarmpoolDialect(config) }) };
}

describe('db.destroy()', () => {
  it('leaves the pool open by default: it keeps serving', async () => {
    const { pool, db } = kyselyOn('kysely-destroy-keep');
    await sql`select 1`.execute(db);
    await db.destroy();
    expect(await pool.query('select 2 as n')).toEqual([{ n: 2 }]);
  });

  it('with endPoolOnDestroy: true ends the pool: its server sessions close and it refuses queries', async () => {
    const admin = adminClient(databaseUrl());
    try {
      const { pool, db } = kyselyOn('kysely-destroy-end', true);
      await sql`select 1`.execute(db);
      expect(await countConnections(admin, 'kysely-destroy-end')).toBe(1);
      await db.destroy();
      await vi.waitFor(async () => expect(await countConnections(admin, 'kysely-destroy-end')).toBe(0), { timeout: 10_000, interval: 20 });
      await expect(pool.query('select 1')).rejects.toMatchObject({ code: 'POOL_ENDED' });
    } finally {
      await admin.end();
    }
  });

  it('lets a script that ends with db.destroy() exit by itself', async () => {
    const script = fileURLToPath(new URL('./support/kysely-script.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, DATABASE_URL: databaseUrl() } });
    expect(JSON.parse(stdout)).toEqual([{ answer: 42 }]);
  });

  it('refuses an endPoolOnDestroy that is not a boolean', () => {
    const pool = createPool({ connectionString: databaseUrl(), applicationName: 'kysely-destroy-bad' });
    pools.push(pool);
    expect(() => new WarmpoolDialect({ pool, endPoolOnDestroy: 'yes' } as never)).toThrow(/endPoolOnDestroy must be true or false; got string/);
  });
});
