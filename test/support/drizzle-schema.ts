import { relations } from 'drizzle-orm';
import { bigint, date, integer, json, jsonb, numeric, pgEnum, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { uniqueName } from './db.js';

/**
 * A realistic Drizzle schema for the adapter tests, under fresh names so test files can share a
 * database: users and posts (a foreign key), jsonb and json, arrays, timestamps with and without
 * time zone in date and string modes, dates, an enum (and an array of it), numeric and bigint in
 * each of Drizzle's modes. The tables are created with SQL (`ddl`), not by Drizzle.
 */
export function blogSchema() {
  const names = { users: uniqueName('dz_users'), posts: uniqueName('dz_posts'), mood: uniqueName('dz_mood') };
  const mood = pgEnum(names.mood, ['happy', 'sad', 'so-so']);
  const users = pgTable(names.users, {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    mood: mood('mood'),
    moods: mood('moods').array(),
    tags: text('tags').array(),
    scores: integer('scores').array(),
    profile: jsonb('profile').$type<{ city: string; langs: string[]; nested?: { deep: number | null } }>(),
    settings: json('settings'),
    balance: numeric('balance', { precision: 12, scale: 2 }),
    ratio: numeric('ratio', { mode: 'number' }),
    huge: numeric('huge', { mode: 'bigint' }),
    big: bigint('big', { mode: 'bigint' }),
    bigNumber: bigint('big_number', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    createdAtText: timestamp('created_at_text', { withTimezone: true, mode: 'string' }),
    localAt: timestamp('local_at', { precision: 6 }),
    localAtText: timestamp('local_at_text', { mode: 'string' }),
    birthday: date('birthday', { mode: 'date' }),
    birthdayText: date('birthday_text'),
    stamps: timestamp('stamps', { withTimezone: true }).array(),
  });
  const posts = pgTable(names.posts, {
    id: serial('id').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id),
    title: text('title').notNull(),
    meta: jsonb('meta'),
    publishedAt: timestamp('published_at'),
  });
  const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }));
  const postsRelations = relations(posts, ({ one }) => ({ author: one(users, { fields: [posts.userId], references: [users.id] }) }));
  const ddl = [
    `create type ${names.mood} as enum ('happy', 'sad', 'so-so')`,
    `create table ${names.users} (
      id serial primary key, name text not null, mood ${names.mood}, moods ${names.mood}[], tags text[], scores int4[],
      profile jsonb, settings json, balance numeric(12, 2), ratio numeric, huge numeric, big bigint, big_number bigint,
      created_at timestamptz(3) not null default now(), created_at_text timestamptz, local_at timestamp(6), local_at_text timestamp,
      birthday date, birthday_text date, stamps timestamptz[])`,
    `create table ${names.posts} (id serial primary key, user_id int not null references ${names.users}(id), title text not null, meta jsonb, published_at timestamp)`,
  ];
  const drop = [`drop table if exists ${names.posts}`, `drop table if exists ${names.users}`, `drop type if exists ${names.mood}`];
  return { names, schema: { users, posts, usersRelations, postsRelations }, ddl, drop };
}

export type BlogSchema = ReturnType<typeof blogSchema>['schema'];
