import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { adminClient, terminateBackend } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

const admin = adminClient(adminUrl());
afterAll(() => admin.end());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a connection idle for a while', () => {
  it('is pinged before use and replaced when the ping fails', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'validate', validateAfterIdleMs: 50 });
    const [{ pid }] = await db.sql`select pg_backend_pid() as pid`;
    await terminateBackend(admin, pid as number);
    await sleep(100);
    const [row] = await db.sql`select pg_backend_pid() as pid`;
    expect(row.pid).not.toBe(pid);
    expect(db.stats()).toMatchObject({ created: 2, retries: 0, outcomeUnknown: 0 });
    await db.end();
  });

  it('is pinged once and reused when it is alive', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'validate-ok', validateAfterIdleMs: 50 });
    const [{ pid }] = await db.sql`select pg_backend_pid() as pid`;
    await sleep(100);
    const [row] = await db.sql`select pg_backend_pid() as pid`;
    expect(row.pid).toBe(pid);
    expect(db.stats()).toMatchObject({ created: 1, validations: 1, validationFailures: 0 });
    await db.end();
  });

  it('is not pinged when it was used moments ago', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'validate-hot', validateAfterIdleMs: 60_000 });
    for (let i = 0; i < 5; i++) await db.sql`select 1`;
    expect(db.stats().validations).toBe(0);
    await db.end();
  });

  it('is closed instead of reused past idleTimeoutMs (wall clock, not timers)', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'idle-limit', idleTimeoutMs: 100, validateAfterIdleMs: 60_000 });
    const [{ pid }] = await db.sql`select pg_backend_pid() as pid`;
    await sleep(150);
    const [row] = await db.sql`select pg_backend_pid() as pid`;
    expect(row.pid).not.toBe(pid);
    expect(db.stats()).toMatchObject({ created: 2, validations: 0 });
    await db.end();
  });

  it('is replaced after maxLifetimeMs', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'lifetime', maxLifetimeMs: 100 });
    const [{ pid }] = await db.sql`select pg_backend_pid() as pid`;
    await sleep(150);
    const [row] = await db.sql`select pg_backend_pid() as pid`;
    expect(row.pid).not.toBe(pid);
    await db.end();
  });

  it('found closed before use is replaced without sending the statement on it', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'closed-before', validateAfterIdleMs: 60_000 });
    await db.sql`select 1`;
    const [{ pid }] = await db.sql`select pg_backend_pid() as pid`;
    await terminateBackend(admin, pid as number);
    await sleep(50); // the close is read while idle
    const rows = await db.sql`select 2 as two`;
    expect(rows).toEqual([{ two: 2 }]);
    expect(db.stats()).toMatchObject({ created: 2, outcomeUnknown: 0 });
    await db.end();
  });
});
