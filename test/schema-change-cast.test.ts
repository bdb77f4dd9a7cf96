import { sql } from 'drizzle-orm';
import { pgTable, serial, timestamp } from 'drizzle-orm/pg-core';
import { afterAll, describe, expect, it } from 'vitest';
import { drizzle } from '../src/adapters/drizzle/index.js';
import { createPool, type Pool } from '../src/index.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';

// The limit docs/api.md states for `prepare`: a prepared statement keeps the parameter types the
// server inferred when it was prepared. When DDL changes a column's type to one the old type
// still casts to (timestamp to timestamptz), the server neither refuses the statement nor
// re-infers $1: the warm connection keeps converting the value with the old type. This is what
// fails three tests of Drizzle's pg suite on warmpool (test/peers/drizzle/expected-differences.json).

const OFFSET_VALUE = '2022-01-01 00:00:00.123456-0200';
const pools: Pool[] = [];

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

function pool(prepare: boolean): Pool {
  const p = createPool({ connectionString: databaseUrl(), max: 1, prepare, applicationName: uniqueName('cast') });
  pools.push(p);
  return p;
}

/** Stores OFFSET_VALUE after `table` went from timestamp to timestamptz under `db`'s one connection. */
async function storedAfterTypeChange(db: Pool, table: string): Promise<string> {
  const insert = `insert into ${table} (id, ts) values (default, $1)`;
  await db.query(`create table ${table} (id serial primary key, ts timestamp(6) not null)`);
  await db.query(insert, [OFFSET_VALUE]);
  await db.query(`drop table ${table}`);
  await db.query(`create table ${table} (id serial primary key, ts timestamp(6) with time zone not null)`);
  await db.query(insert, [OFFSET_VALUE]);
  const [row] = await db.query<{ ts: string }>(`select ts::text as ts from ${table}`);
  await db.query(`drop table ${table}`);
  return row.ts;
}

describe('a column whose type changed to one the old type casts to', () => {
  it('with prepare on, a warm connection converts the value with the type the statement was prepared with', async () => {
    const db = pool(true);
    // The timestamp parameter drops the offset, and timestamp casts to timestamptz at the session's zone (UTC).
    expect(await storedAfterTypeChange(db, uniqueName('cast_prepared'))).toBe('2022-01-01 00:00:00.123456+00');
    expect(db.stats()).toMatchObject({ created: 1 });
  });

  it('with prepare off, the value keeps its offset', async () => {
    expect(await storedAfterTypeChange(pool(false), uniqueName('cast_unprepared'))).toBe('2022-01-01 02:00:00.123456+00');
  });

  it('through Drizzle, as in its test "test mode string for timestamp with timezone"', async () => {
    const name = uniqueName('all_columns');
    const db = drizzle(pool(true));
    const asTimestamp = pgTable(name, { id: serial('id').primaryKey(), timestamp: timestamp('timestamp_string', { mode: 'string', precision: 6 }).notNull() });
    const asTimestamptz = pgTable(name, { id: serial('id').primaryKey(), timestamp: timestamp('timestamp_string', { mode: 'string', withTimezone: true, precision: 6 }).notNull() });
    await db.execute(sql`create table ${asTimestamp} (id serial primary key, timestamp_string timestamp(6) not null)`);
    await db.insert(asTimestamp).values({ timestamp: '2022-01-01 02:00:00.123456' });
    await db.execute(sql`drop table ${asTimestamp}`);
    await db.execute(sql`create table ${asTimestamptz} (id serial primary key, timestamp_string timestamp(6) with time zone not null)`);
    // Drizzle sends the same text for both tables: insert into "…" ("id", "timestamp_string") values (default, $1).
    await db.insert(asTimestamptz).values({ timestamp: OFFSET_VALUE });
    // drizzle-orm/postgres-js reads '2022-01-01 02:00:00.123456+00' here.
    expect(await db.select().from(asTimestamptz)).toEqual([{ id: 1, timestamp: '2022-01-01 00:00:00.123456+00' }]);
    await db.execute(sql`drop table ${asTimestamptz}`);
  });
});
