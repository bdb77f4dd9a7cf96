/**
 * Kysely's `log` sees transaction control as it sees any query, as on its PostgresDialect: BEGIN
 * (or START TRANSACTION with settings), COMMIT and ROLLBACK are logged, and a COMMIT the server
 * refuses (a deferred constraint) is logged as an error and thrown, the connection left clean.
 */
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarmpoolDialect } from '../src/adapters/kysely/index.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

interface Db {
  items: { id: number };
}

const table = uniqueName('ky_log');
const SESSION_TRANSPORTS = ['tcp', 'websocket'] as const;
let gw: Gateway;
let pgPool: pg.Pool;
const pools: Pool[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  pgPool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  // Unique, checked only at COMMIT: a duplicate inside a transaction fails the COMMIT itself.
  await pgPool.query(`create table ${table} (id int, constraint ${table}_once unique (id) deferrable initially deferred)`);
});

afterAll(async () => {
  await pgPool?.query(`drop table if exists ${table}`);
  await pgPool?.end();
  await Promise.all(pools.map((p) => p.end()));
  await gw?.close();
});

/** A Kysely with a log that records each event as `query: <sql>` or `error: <sql> <code>`. */
function logged(dialect: 'pg' | (typeof SESSION_TRANSPORTS)[number]) {
  const events: string[] = [];
  const log = (event: LogEvent) => {
    events.push(event.level === 'query' ? `query: ${event.query.sql}` : `error: ${event.query.sql} ${(event.error as { code?: string }).code}`);
  };
  if (dialect === 'pg') return { events, db: new Kysely<Db>({ dialect: new PostgresDialect({ pool: pgPool }), log }) };
  const pool = createPool({ connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}`, transport: dialect, max: 2 });
  pools.push(pool);
  return { events, db: new Kysely<Db>({ dialect: new WarmpoolDialect({ pool }), log }) };
}

/** A committed transaction with settings, one rolled back by its callback, and one whose COMMIT fails. */
async function scenario(db: Kysely<Db>, events: string[]) {
  const id = Math.floor(Math.random() * 1e9);
  await db.transaction().setIsolationLevel('serializable').execute((trx) => trx.insertInto(table as 'items').values({ id }).execute());
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom(table as 'items').select('id').execute();
    throw new Error('changed my mind');
  }).catch(() => {});
  const commitError = await db.transaction().execute(async (trx) => {
    await trx.insertInto(table as 'items').values({ id: id + 1 }).execute();
    await trx.insertInto(table as 'items').values({ id: id + 1 }).execute();
  }).catch((e: { code?: string }) => e);
  // The connection that ran the failed COMMIT is outside any transaction again.
  const status = await db.connection().execute(async (conn) => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where id = ${id + 1}`.execute(conn)).rows[0].n);
  return { events: events.splice(0).map((e) => e.replaceAll(table, 't')), commitError: (commitError as { code?: string }).code, rowsOfFailed: status };
}

describe('transaction control in Kysely\'s log', () => {
  it.each(SESSION_TRANSPORTS)('over %s: BEGIN, COMMIT and ROLLBACK are logged as on PostgresDialect, a failed COMMIT as an error', async (transport) => {
    const onPg = logged('pg');
    const expected = await scenario(onPg.db, onPg.events);
    expect(expected.events).toEqual([
      'query: start transaction isolation level serializable',
      'query: insert into "t" ("id") values ($1)',
      'query: commit',
      'query: begin',
      'query: select "id" from "t"',
      'query: rollback',
      'query: begin',
      'query: insert into "t" ("id") values ($1)',
      'query: insert into "t" ("id") values ($1)',
      'error: commit 23505',
      'query: rollback',
      'query: select count(*)::int as n from "t" where id = $1',
    ]);
    const on = logged(transport);
    expect(await scenario(on.db, on.events)).toEqual(expected);
  });
});
