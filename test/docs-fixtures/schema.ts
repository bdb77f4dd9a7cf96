import { relations } from 'drizzle-orm';
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';

/** The Drizzle schema the docs' Drizzle examples import as `./schema.js` (test/docs.test.ts). */
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
});

export const posts = pgTable('posts', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull().references(() => users.id),
  title: text('title').notNull(),
});

export const orders = pgTable('orders', {
  id: serial('id').primaryKey(),
  item: text('item').notNull(),
});

export const stock = pgTable('stock', {
  item: text('item').primaryKey(),
  count: integer('count').notNull(),
});

export const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }));
export const postsRelations = relations(posts, ({ one }) => ({ user: one(users, { fields: [posts.userId], references: [users.id] }) }));
