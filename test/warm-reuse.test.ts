import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { databaseUrl } from './support/env.js';

const context = () => ({ getRemainingTimeInMillis: () => 10_000, callbackWaitsForEmptyEventLoop: true });
const pools: { end(): Promise<void> }[] = [];
afterAll(() => Promise.all(pools.map((p) => p.end())));

describe('module-scope pool', () => {
  it('returns the same pool for the same settings, as a re-imported module would get', () => {
    const a = createPool({ connectionString: databaseUrl(), applicationName: 'reuse-same' });
    const b = createPool({ connectionString: databaseUrl(), applicationName: 'reuse-same' });
    pools.push(a);
    expect(b).toBe(a);
  });

  it('returns different pools for different settings', () => {
    const a = createPool({ connectionString: databaseUrl(), applicationName: 'reuse-diff', max: 1 });
    const b = createPool({ connectionString: databaseUrl(), applicationName: 'reuse-diff', max: 2 });
    pools.push(a, b);
    expect(b).not.toBe(a);
  });

  it('gives a fresh pool after end()', async () => {
    const a = createPool({ connectionString: databaseUrl(), applicationName: 'reuse-end' });
    await a.end();
    const b = createPool({ connectionString: databaseUrl(), applicationName: 'reuse-end' });
    pools.push(b);
    expect(b).not.toBe(a);
    await expect(a.sql`select 1`).rejects.toMatchObject({ code: 'POOL_ENDED' });
  });

  it('keeps one server connection across warm invocations', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'reuse-warm' });
    pools.push(db);
    const reports: { cold: boolean; newConnections: number; reusedConnections: number }[] = [];
    const handler = withPool(db, async () => (await db.sql`select pg_backend_pid() as pid`)[0].pid, {
      onInvocationEnd: (r) => reports.push(r),
    });
    const pids = [];
    for (let i = 0; i < 5; i++) pids.push(await handler({}, context()));
    expect(new Set(pids).size).toBe(1);
    expect(db.stats()).toMatchObject({ created: 1, open: 1, idle: 1, busy: 0 });
    expect(reports[0]).toMatchObject({ cold: true, newConnections: 1, reusedConnections: 0 });
    expect(reports[4]).toMatchObject({ cold: false, newConnections: 0, reusedConnections: 1 });
  });

  it('sets callbackWaitsForEmptyEventLoop to false so the response is not held by pooled sockets', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'reuse-cb' });
    pools.push(db);
    const ctx = context();
    await withPool(db, async () => db.sql`select 1`)({}, ctx);
    expect(ctx.callbackWaitsForEmptyEventLoop).toBe(false);
  });
});
