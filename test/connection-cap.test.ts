import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { adminClient, countConnections } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

const admin = adminClient(adminUrl());
afterAll(() => admin.end());

describe('per-container cap', () => {
  it('never opens more than max server connections, whatever the concurrency', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'cap3', max: 3 });
    let peak = 0;
    const sampler = setInterval(async () => {
      peak = Math.max(peak, await countConnections(admin, 'cap3:'));
    }, 20);
    try {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => db.sql`select ${i}::int as i, pg_sleep(0.02)`));
      expect(results.map((r) => r[0].i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(db.stats().created).toBeLessThanOrEqual(3);
      expect(db.stats().open).toBeLessThanOrEqual(3);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, await countConnections(admin, 'cap3:'));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3);
    await db.end();
    expect(await countConnections(admin, 'cap3:')).toBe(0);
  });

  it('defaults to one connection: a Lambda container runs one invocation at a time', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'cap-default' });
    await Promise.all([db.sql`select pg_sleep(0.05)`, db.sql`select pg_sleep(0.05)`, db.sql`select 1`]);
    expect(db.stats()).toMatchObject({ max: 1, created: 1 });
    await db.end();
  });

  it('tags connections with an application_name naming the library and the container', async () => {
    const db = createPool({ connectionString: databaseUrl() , max: 1});
    const [row] = await db.sql`select current_setting('application_name') as name`;
    expect(row.name).toMatch(/^warmpool:[0-9a-f]{8}$/);
    await db.end();
  });

  it('asks the server to reap the session if the container dies (idle_session_timeout)', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'reap', serverIdleSessionTimeoutMs: 123_000 });
    const [row] = await db.sql`select current_setting('idle_session_timeout') as t, current_setting('idle_in_transaction_session_timeout') as tx`;
    expect(row).toEqual({ t: '123s', tx: '123s' });
    await db.end();
  });
});
