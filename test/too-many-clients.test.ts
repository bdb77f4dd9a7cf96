import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';

// A server with room for three application connections (max_connections 6, 3 reserved for
// superusers). "sorry, too many clients already" (53300) at connect certainly sent nothing, so
// it is retried with backoff inside the deadline.

let server: EmbeddedServer;
beforeAll(async () => {
  server = await startEmbeddedPostgres({ quiet: true, maxConnections: 6, settings: { superuser_reserved_connections: '3' } });
});
afterAll(() => server?.stop());

describe('when the server is full', () => {
  it('retries 53300 at connect and succeeds once a slot frees', async () => {
    const hogs = Array.from({ length: 3 }, () => postgres(server.url, { max: 1 }));
    await Promise.all(hogs.map((h) => h`select 1`));
    const events: string[] = [];
    const db = createPool({ connectionString: server.url, maxConnectAttempts: 20, onEvent: (e) => events.push(`${e.type}:${e.reason ?? ''}`) });
    const query = db.sql`select 1 as one`.then((rows) => rows);
    setTimeout(() => void hogs[0].end(), 300);
    expect(await query).toEqual([{ one: 1 }]);
    expect(events).toContain('connect-retry:53300');
    await Promise.all([db.end(), ...hogs.slice(1).map((h) => h.end())]);
  });

  it('gives up with CONNECT_FAILED (SQLSTATE 53300) when no slot frees before the deadline', async () => {
    const hogs = Array.from({ length: 3 }, () => postgres(server.url, { max: 1 }));
    await Promise.all(hogs.map((h) => h`select 1`));
    const db = createPool({ connectionString: server.url, acquireTimeoutMs: 500, maxConnectAttempts: 100 });
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '53300', notApplied: true });
    // A superuser can still get in: the pool never takes the reserved slots.
    const admin = postgres(server.adminUrl, { max: 1 });
    expect(await admin`select 1 as one`).toEqual([{ one: 1 }]);
    await Promise.all([db.end(), admin.end(), ...hogs.map((h) => h.end())]);
  });
});
