import { sql } from 'drizzle-orm';
import { pgTable, serial, timestamp } from 'drizzle-orm/pg-core';
import { afterAll, describe, expect, it } from 'vitest';
import { drizzle } from '../src/adapters/drizzle/index.js';
import { createPool, type Pool } from '../src/index.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';

// DDL changes a column's type to one the old type still casts to (timestamp to timestamptz) under
// a warm connection that has run the same statement text before. By default statements are
// unnamed and the server types $1 afresh at each Parse: the value keeps its offset, as on
// drizzle-orm/postgres-js and pg. A named prepared statement (`prepare: true`) keeps the types the
// server inferred when it was prepared, and the server neither refuses it nor re-infers $1: the
// limit docs/api.md states for `prepare`.

const OFFSET_VALUE = '2022-01-01 00:00:00.123456-0200';
const pools: Pool[] = [];

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

function pool(prepare?: boolean): Pool {
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

  it('by default the value keeps its offset on the same warm connection', async () => {
    const db = pool();
    expect(await storedAfterTypeChange(db, uniqueName('cast_unprepared'))).toBe('2022-01-01 02:00:00.123456+00');
    expect(db.stats()).toMatchObject({ created: 1 });
  });

  it.each([
    ['by default', undefined, '2022-01-01 02:00:00.123456+00'],
    ['with prepare: true', true, '2022-01-01 00:00:00.123456+00'],
  ])('through Drizzle %s, as in its test "test mode string for timestamp with timezone"', async (_, prepare, stored) => {
    const name = uniqueName('all_columns');
    const db = drizzle(pool(prepare));
    const asTimestamp = pgTable(name, { id: serial('id').primaryKey(), timestamp: timestamp('timestamp_string', { mode: 'string', precision: 6 }).notNull() });
    const asTimestamptz = pgTable(name, { id: serial('id').primaryKey(), timestamp: timestamp('timestamp_string', { mode: 'string', withTimezone: true, precision: 6 }).notNull() });
    await db.execute(sql`create table ${asTimestamp} (id serial primary key, timestamp_string timestamp(6) not null)`);
    await db.insert(asTimestamp).values({ timestamp: '2022-01-01 02:00:00.123456' });
    await db.execute(sql`drop table ${asTimestamp}`);
    await db.execute(sql`create table ${asTimestamptz} (id serial primary key, timestamp_string timestamp(6) with time zone not null)`);
    // Drizzle sends the same text for both tables: insert into "…" ("id", "timestamp_string") values (default, $1).
    await db.insert(asTimestamptz).values({ timestamp: OFFSET_VALUE });
    // drizzle-orm/postgres-js reads '2022-01-01 02:00:00.123456+00' here.
    expect(await db.select().from(asTimestamptz)).toEqual([{ id: 1, timestamp: stored }]);
    await db.execute(sql`drop table ${asTimestamptz}`);
  });
});
