import type { Generated } from 'kysely';

/** The Kysely database interface the docs' Kysely examples import as `./db.js` (test/docs.test.ts). */
export interface DB {
  users: { id: Generated<number>; name: string };
  orders: { id: Generated<number>; item: string };
  stock: { item: string; count: number };
}
