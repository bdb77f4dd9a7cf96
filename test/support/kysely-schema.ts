import type { ColumnType, Generated } from 'kysely';
import { uniqueName } from './db.js';

/**
 * A realistic schema for the Kysely tests, in a fresh PostgreSQL schema so test files can share a
 * database (queries use `db.withSchema(schema)`): users and posts (a foreign key), jsonb and json,
 * arrays (text[], int4[], timestamptz[], date[], numeric[]), timestamps with and without time
 * zone, a date, an enum, numeric and bigint, time and interval. Created with SQL; `Db` is its
 * Kysely interface, typed with the values Kysely's PostgresDialect on `pg` returns.
 */
export function blogSchema() {
  const schema = uniqueName('ky');
  const ddl = [
    `create schema ${schema}`,
    `create type ${schema}.mood as enum ('happy', 'sad', 'so-so')`,
    `create table ${schema}.users (
      id serial primary key, name text not null unique, mood ${schema}.mood, tags text[], scores int4[],
      profile jsonb, settings json, balance numeric(12, 2), ratios numeric[], big bigint,
      created_at timestamptz(3) not null default now(), local_at timestamp(6), birthday date,
      stamps timestamptz[], days date[], wake time, nap interval)`,
    `create table ${schema}.posts (
      id serial primary key, user_id int4 not null references ${schema}.users(id) on delete cascade,
      title text not null, meta jsonb, published_at timestamp)`,
  ];
  return { schema, ddl, drop: [`drop schema if exists ${schema} cascade`] };
}

type Json = ColumnType<unknown, string, string>;
type Stamp = ColumnType<Date, Date | string, Date | string>;

export interface UsersTable {
  id: Generated<number>;
  name: string;
  mood: 'happy' | 'sad' | 'so-so' | null;
  tags: string[] | null;
  scores: number[] | null;
  profile: Json | null;
  settings: Json | null;
  balance: string | null;
  ratios: ColumnType<number[], string, string> | null;
  big: ColumnType<string, string | bigint, string | bigint> | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  local_at: Stamp | null;
  birthday: Stamp | null;
  stamps: ColumnType<Date[], string, string> | null;
  days: ColumnType<Date[], string, string> | null;
  wake: string | null;
  nap: ColumnType<unknown, string, string> | null;
}

export interface PostsTable {
  id: Generated<number>;
  user_id: number;
  title: string;
  meta: Json | null;
  published_at: Stamp | null;
}

export interface Db {
  users: UsersTable;
  posts: PostsTable;
}
