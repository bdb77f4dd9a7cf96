import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// A backend ended while its connection is idle (pg_terminate_backend, idle_session_timeout) sends
// its FATAL at once. The next statement may start before the client has read it, and the driver
// writes a turn later: a statement that was never written when the FATAL is read did not run,
// and is sent again on a new connection instead of failing OUTCOME_UNKNOWN.

let admin: AdminSql;
beforeAll(() => {
  admin = adminClient(adminUrl());
});
afterAll(() => admin.end());

describe('a statement started as its idle session is ended', () => {
  it('runs on a new connection: never OUTCOME_UNKNOWN for a statement that was not written', async () => {
    const app = uniqueName('race');
    const db = createPool({ connectionString: databaseUrl(), applicationName: app, max: 1 });
    const handler = withPool(db, async () => db.sql`select 1 as one`);
    const context = { getRemainingTimeInMillis: () => 10_000 };
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) {
      await handler({}, context);
      // Returns once the backend is signalled: its FATAL comes about when the next statement starts.
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name like ${app + ':%'}`;
      outcomes.push(await handler({}, context).then(() => 'ok', (e) => e.code));
    }
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    await db.end();
  });
});
