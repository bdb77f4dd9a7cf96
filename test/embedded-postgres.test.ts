import { existsSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../packages/cli/src/local-db/embedded-postgres.js';
import { adminUrl, databaseUrl, isEmbeddedServer } from './support/env.js';

async function query<T extends readonly object[]>(url: string, run: (sql: postgres.Sql) => Promise<T>) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

describe('test database', () => {
  it('connects as a non-superuser that can create tables', async () => {
    const [row] = await query(databaseUrl(), async (sql) => {
      await sql`create table if not exists warmpool_smoke (id int)`;
      await sql`drop table warmpool_smoke`;
      return sql`
        select current_user, version(), rolsuper
        from pg_roles where rolname = current_user`;
    });
    expect(row.version).toMatch(/^PostgreSQL/);
    expect(row.rolsuper).toBe(false);
  });

  it.skipIf(inject('adminUrl') === null)(
    'admin URL is a superuser (skipped: DATABASE_URL given without DATABASE_ADMIN_URL)',
    async () => {
      const [row] = await query(adminUrl(), (sql) =>
        sql`select rolsuper from pg_roles where rolname = current_user`);
      expect(row.rolsuper).toBe(true);
    },
  );
});

// Restarts get their own small server so they don't disturb the shared one.
describe.skipIf(!isEmbeddedServer())(
  'embedded server lifecycle (skipped: DATABASE_URL points at an external server)',
  () => {
    let server: EmbeddedServer;

    beforeAll(async () => {
      server = await startEmbeddedPostgres({
        maxConnections: 20,
        settings: { idle_session_timeout: '5min' },
        quiet: true,
      });
    });
    afterAll(() => server?.stop());

    it('applies settings and survives fast and immediate restarts', async () => {
      const show = () =>
        query(server.url, (sql) =>
          sql`select current_setting('max_connections') as max, current_setting('idle_session_timeout') as idle`);
      expect(await show()).toEqual([{ max: '20', idle: '5min' }]);

      await server.restart('fast');
      expect(await show()).toHaveLength(1);
      await server.restart('immediate');
      expect(await show()).toHaveLength(1);
      expect(await server.pgCtl(['status'])).toMatch(/server is running/);
    });

    it('stop removes the data dir and is idempotent', async () => {
      await server.stop();
      await server.stop();
      expect(existsSync(server.dataDir)).toBe(false);
    });
  },
);
