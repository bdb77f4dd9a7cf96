import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarmpoolDialect } from '../src/adapters/kysely/index.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { uniqueName } from './support/db.js';
import { type Db, blogSchema } from './support/kysely-schema.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// Kysely's transactions (isolation levels, access modes, rollback, controlled transactions and
// savepoints), db.connection() as one session, stream() from a cursor, the Migrator and the
// introspector, through WarmpoolDialect on TCP and WebSocket; on HTTP what has no session is refused.

const { schema, ddl, drop } = blogSchema();
const SESSION_TRANSPORTS = ['tcp', 'websocket'] as const;
let gw: Gateway;
const pools = {} as Record<'tcp' | 'http' | 'websocket', Pool>;
const dbs = {} as Record<'tcp' | 'http' | 'websocket', Kysely<Db>>;

beforeAll(async () => {
  gw = await startTestGateway();
  const admin = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
  for (const statement of ddl) await admin.unsafe(statement);
  await admin.end();
  const base = { connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}`, max: 2 };
  for (const transport of ['tcp', 'http', 'websocket'] as const) {
    pools[transport] = createPool({ ...base, transport, applicationName: `kysely-tx-${transport}` });
    dbs[transport] = new Kysely<Db>({ dialect: new WarmpoolDialect({ pool: pools[transport] }) }).withSchema(schema);
  }
});

afterAll(async () => {
  for (const statement of drop) await pools.tcp?.query(statement).catch(() => {});
  await Promise.all(Object.values(pools).map((p) => p.end()));
  await gw?.close();
});

const names = (db: Kysely<Db>, prefix: string) => db.selectFrom('users').select('name').where('name', 'like', `${prefix}%`).orderBy('name').execute().then((rows) => rows.map((r) => r.name));

describe.each(SESSION_TRANSPORTS)('over %s', (transport) => {
  const db = () => dbs[transport];

  it('commits, and rolls back when the callback throws', async () => {
    const p = `${transport}-tx-`;
    const result = await db().transaction().execute(async (trx) => {
      await trx.insertInto('users').values({ name: `${p}a` }).execute();
      return trx.selectFrom('users').select('name').where('name', '=', `${p}a`).executeTakeFirstOrThrow();
    });
    expect(result).toEqual({ name: `${p}a` });
    const failed = await db().transaction().execute(async (trx) => {
      await trx.insertInto('users').values({ name: `${p}b` }).execute();
      throw new Error('changed my mind');
    }).catch((e: Error) => e.message);
    expect(failed).toBe('changed my mind');
    expect(await names(db(), p)).toEqual([`${p}a`]);
    expect(pools[transport].stats().busy).toBe(0);
  });

  it('runs each isolation level and access mode Kysely offers that PostgreSQL has', async () => {
    for (const level of ['read uncommitted', 'read committed', 'repeatable read', 'serializable'] as const) {
      const shown = await db().transaction().setIsolationLevel(level).execute(async (trx) => (await sql<{ transaction_isolation: string }>`show transaction_isolation`.execute(trx)).rows[0]);
      // PostgreSQL runs read uncommitted as read committed, but reports the level asked for.
      expect(shown.transaction_isolation).toBe(level);
    }
    const readOnly = await db().transaction().setAccessMode('read only').execute((trx) => trx.insertInto('users').values({ name: `${transport}-ro` }).execute()).catch((e: unknown) => e);
    expect(readOnly).toMatchObject({ code: '25006' });
    const snapshot = await db().transaction().setIsolationLevel('snapshot').execute(async () => 1).catch((e: unknown) => e);
    expect(snapshot).toMatchObject({ code: 'INVALID_OPTION', notApplied: true });
    expect((snapshot as Error).message).toContain('snapshot');
  });

  it('savepoints in a controlled transaction: roll back to one, release another, commit', async () => {
    const p = `${transport}-sp-`;
    const trx = await db().startTransaction().execute();
    await trx.insertInto('users').values({ name: `${p}1` }).execute();
    const sp1 = await trx.savepoint('first').execute();
    await sp1.insertInto('users').values({ name: `${p}2` }).execute();
    const back = await sp1.rollbackToSavepoint('first').execute();
    const sp2 = await back.savepoint('second one').execute();
    await sp2.insertInto('users').values({ name: `${p}3` }).execute();
    await sp2.releaseSavepoint('second one').execute();
    expect(await names(trx, p)).toEqual([`${p}1`, `${p}3`]);
    expect(await names(db(), p)).toEqual([]);
    await trx.commit().execute();
    expect(await names(db(), p)).toEqual([`${p}1`, `${p}3`]);
  });

  it('a failed statement aborts the transaction; Kysely rolls it back and the connection is reused clean', async () => {
    const err = await db().transaction().execute(async (trx) => {
      await trx.insertInto('users').values({ name: `${transport}-dup` }).execute();
      await trx.insertInto('users').values({ name: `${transport}-dup` }).execute();
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23505' });
    expect(await names(db(), `${transport}-dup`)).toEqual([]);
    // No connection of the pool was left in the aborted transaction.
    const open = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where application_name = ${`kysely-tx-${transport}`} and state like 'idle in transaction%'`.execute(db());
    expect(open.rows).toEqual([{ n: 0 }]);
  });

  it('db.connection() is one session: a setting made by its first statement is seen by the next', async () => {
    const seen = await db().connection().execute(async (conn) => {
      await sql`select set_config('application_name', 'kysely-pinned', false)`.execute(conn);
      const a = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0].pid;
      const b = (await sql<{ name: string; pid: number }>`select current_setting('application_name') as name, pg_backend_pid() as pid`.execute(conn)).rows[0];
      await sql`select set_config('application_name', ${`kysely-tx-${transport}`}, false)`.execute(conn);
      return { same: a === b.pid, name: b.name };
    });
    expect(seen).toEqual({ same: true, name: 'kysely-pinned' });
  });

  it('stream() reads in chunks from a cursor, alone or inside a transaction, and stops early cleanly', async () => {
    const query = (q: Kysely<Db>) => q.selectFrom(sql`generate_series(1, ${25})`.as('g') as never).select([sql<number>`g`.as('g'), sql<Date>`timestamp '2024-01-01' + make_interval(days => g)`.as('day')]);
    const all: number[] = [];
    for await (const row of query(db()).stream(10) as AsyncIterable<{ g: number; day: Date }>) {
      expect(row.day).toBeInstanceOf(Date);
      all.push(row.g);
    }
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const inside = await db().transaction().execute(async (trx) => {
      const got: number[] = [];
      for await (const row of query(trx).stream(7) as AsyncIterable<{ g: number }>) {
        got.push(row.g);
        if (got.length === 9) break;
      }
      // The cursor was closed when the loop stopped; the transaction goes on. (The unnamed
      // cursor is the portal of this very query.)
      return { got, cursors: (await sql<{ n: number }>`select count(*)::int as n from pg_cursors where name <> ''`.execute(trx)).rows[0].n };
    });
    expect(inside).toEqual({ got: [1, 2, 3, 4, 5, 6, 7, 8, 9], cursors: 0 });
    expect(pools[transport].stats().busy).toBe(0);
  });
});

describe('the Migrator and the introspector', () => {
  const migrations: Record<string, Migration> = {
    '001_accounts': {
      up: (db) => db.schema.createTable('accounts').addColumn('id', 'serial', (c) => c.primaryKey()).addColumn('email', 'text', (c) => c.notNull().unique()).execute(),
      down: (db) => db.schema.dropTable('accounts').execute(),
    },
    '002_sessions': {
      up: (db) => db.schema.createTable('sessions').addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`)).addColumn('account_id', 'integer', (c) => c.references('accounts.id')).addColumn('at', 'timestamptz').execute(),
      down: (db) => db.schema.dropTable('sessions').execute(),
    },
  };

  it.each(SESSION_TRANSPORTS)('migrates up and down over %s; getTables() matches Kysely on pg', async (transport) => {
    const migrationSchema = uniqueName(`ky_mig_${transport}`);
    await pools.tcp.query(`create schema ${migrationSchema}`);
    const db = new Kysely<unknown>({ dialect: new WarmpoolDialect({ pool: pools[transport] }) }).withSchema(migrationSchema);
    const pgPool = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
    const onPg = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: pgPool }) });
    try {
      const migrator = new Migrator({ db, migrationTableSchema: migrationSchema, provider: { getMigrations: async () => migrations } });
      const up = await migrator.migrateToLatest();
      expect(up.error).toBeUndefined();
      expect(up.results?.map((r) => [r.migrationName, r.status])).toEqual([['001_accounts', 'Success'], ['002_sessions', 'Success']]);
      // The session advisory lock was taken and given back on the same connection.
      expect((await pools.tcp.query(`select count(*)::int as n from pg_locks where locktype = 'advisory'`))[0]).toEqual({ n: 0 });
      const tables = (await db.introspection.getTables()).filter((t) => t.schema === migrationSchema);
      const expected = (await onPg.introspection.getTables()).filter((t) => t.schema === migrationSchema);
      expect(tables.map((t) => t.name).sort()).toEqual(['accounts', 'sessions']);
      expect(tables).toStrictEqual(expected);
      const down = await migrator.migrateDown();
      expect(down.results?.map((r) => [r.migrationName, r.direction, r.status])).toEqual([['002_sessions', 'Down', 'Success']]);
      expect((await migrator.getMigrations()).map((m) => [m.name, m.executedAt instanceof Date])).toEqual([['001_accounts', true], ['002_sessions', false]]);
    } finally {
      await onPg.destroy();
      await pools.tcp.query(`drop schema ${migrationSchema} cascade`);
    }
  });
});

describe('over http', () => {
  it('plain queries run; transactions, db.connection() sessions and stream() are refused with NOT_SUPPORTED_ON_TRANSPORT', async () => {
    const db = dbs.http;
    await db.insertInto('users').values({ name: 'http-plain' }).execute();
    const updated = await db.updateTable('users').set({ mood: 'sad' }).where('name', '=', 'http-plain').executeTakeFirstOrThrow();
    expect(updated.numUpdatedRows).toBe(1n);
    const tx = await db.transaction().execute(async (trx) => trx.selectFrom('users').selectAll().execute()).catch((e: unknown) => e);
    expect(tx).toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
    expect((tx as Error).message).toContain('websocket');
    const stream = await (async () => {
      for await (const _ of db.selectFrom('users').selectAll().stream()) return 'streamed';
    })().catch((e: unknown) => e);
    expect(stream).toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT' });
  });
});

describe('the Migrator over http', () => {
  const migrations: Record<string, Migration> = {
    '001_notes': {
      up: (db) => db.schema.createTable('notes').addColumn('id', 'serial', (c) => c.primaryKey()).addColumn('body', 'text').execute(),
      down: (db) => db.schema.dropTable('notes').execute(),
    },
  };

  it('is refused with an error naming disableTransactions, and runs with it', async () => {
    const migrationSchema = uniqueName('ky_mig_http');
    await pools.tcp.query(`create schema ${migrationSchema}`);
    const db = new Kysely<unknown>({ dialect: new WarmpoolDialect({ pool: pools.http }) }).withSchema(migrationSchema);
    const migrator = (disableTransactions: boolean) => new Migrator({ db, migrationTableSchema: migrationSchema, disableTransactions, provider: { getMigrations: async () => migrations } });
    try {
      const refused = await migrator(false).migrateToLatest();
      expect(refused.error).toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
      expect((refused.error as Error).message).toContain('disableTransactions: true');
      const up = await migrator(true).migrateToLatest();
      expect(up.error).toBeUndefined();
      expect(up.results?.map((r) => [r.migrationName, r.status])).toEqual([['001_notes', 'Success']]);
      expect(await pools.tcp.query(`select count(*)::int as n from ${migrationSchema}.notes`)).toEqual([{ n: 0 }]);
    } finally {
      await pools.tcp.query(`drop schema ${migrationSchema} cascade`);
    }
  });
});

describe('WarmpoolDialect options', () => {
  it('refuses a missing pool and unknown options, naming the fix', () => {
    expect(() => new WarmpoolDialect({} as never)).toThrow(/expects \{ pool \} with a pool made by createPool/);
    expect(() => new WarmpoolDialect({ pool: pools.tcp, connectionString: 'postgres://u:secret@h/db' } as never)).toThrow(/Unknown WarmpoolDialect option "connectionString".*createPool/);
  });
});
