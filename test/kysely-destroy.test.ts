/**
 * `db.destroy()` and the pool. A pool given to the dialect outlives the Kysely instance (a
 * handler's pool serves the next warm invocation). A pool the dialect makes with a function, as
 * with PostgresDialect's `pool: async () => new Pool(…)`, belongs to the Kysely instance: destroy
 * ends it, so a script or a test suite that ends with `db.destroy()` lets its process exit, and
 * one dialect serves several Kysely instances.
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

describe('db.destroy()', () => {
  it('leaves a pool given to the dialect open: it keeps serving', async () => {
    const pool = createPool({ connectionString: databaseUrl(), applicationName: 'kysely-destroy-keep' });
    pools.push(pool);
    const db = new Kysely<Record<string, never>>({ dialect: new WarmpoolDialect({ pool }) });
    await sql`select 1`.execute(db);
    await db.destroy();
    expect(await pool.query('select 2 as n')).toEqual([{ n: 2 }]);
  });

  it('ends a pool the dialect made: its server sessions close and it refuses queries; the next Kysely gets a new pool', async () => {
    const admin = adminClient(databaseUrl());
    const made: Pool[] = [];
    const dialect = new WarmpoolDialect({
      pool: async () => {
        const pool = createPool({ connectionString: databaseUrl(), applicationName: 'kysely-destroy-end' });
        made.push(pool);
        pools.push(pool);
        return pool;
      },
    });
    try {
      for (const round of [1, 2]) {
        const db = new Kysely<Record<string, never>>({ dialect });
        await sql`select 1`.execute(db);
        expect(await countConnections(admin, 'kysely-destroy-end')).toBe(1);
        await db.destroy();
        await vi.waitFor(async () => expect(await countConnections(admin, 'kysely-destroy-end')).toBe(0), { timeout: 10_000, interval: 20 });
        await expect(made[round - 1].query('select 1')).rejects.toMatchObject({ code: 'POOL_ENDED' });
      }
      expect(made.length).toBe(2);
    } finally {
      await admin.end();
    }
  });

  it('two Kysely instances whose pools have the same settings share one pool, which the last destroy ends', async () => {
    const dialect = new WarmpoolDialect({ pool: () => createPool({ connectionString: databaseUrl(), applicationName: 'kysely-destroy-shared' }) });
    const first = new Kysely<Record<string, never>>({ dialect });
    const second = new Kysely<Record<string, never>>({ dialect });
    await sql`select 1`.execute(first);
    await sql`select 1`.execute(second);
    await first.destroy();
    expect((await sql<{ n: number }>`select 2 as n`.execute(second)).rows).toEqual([{ n: 2 }]);
    const pool = createPool({ connectionString: databaseUrl(), applicationName: 'kysely-destroy-shared' });
    await second.destroy();
    await expect(pool.query('select 1')).rejects.toMatchObject({ code: 'POOL_ENDED' });
  });

  it('lets a script that ends with db.destroy() exit by itself', async () => {
    const script = fileURLToPath(new URL('./support/kysely-script.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, DATABASE_URL: databaseUrl() } });
    expect(JSON.parse(stdout)).toEqual([{ answer: 42 }]);
  });

  it('refuses a pool function that returns something else, naming the fix', async () => {
    const db = new Kysely<Record<string, never>>({ dialect: new WarmpoolDialect({ pool: () => ({ connectionString: databaseUrl() }) as never }) });
    await expect(sql`select 1`.execute(db)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/must return a pool made by createPool\(\); it returned object/) });
    expect(() => new WarmpoolDialect({ pool: 'postgres://u:secret@h/db' } as never)).toThrow(/or a function that makes one/);
  });
});
