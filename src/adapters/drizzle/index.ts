/**
 * Drizzle ORM on warmpool (`warmpool/drizzle`). `drizzle(pool, { schema, logger, casing })`
 * returns a Drizzle database with the API of `drizzle-orm/postgres-js` (query builders,
 * relational queries, transactions with nested savepoints, prepared queries) plus neon-http's
 * `db.batch`, on any warmpool transport: TCP, HTTP (no interactive transactions: use `batch`) and
 * WebSocket. Every statement goes through the pool, so a warm invocation keeps warmpool's
 * validation after a freeze, its connection cap, and its rule that a write is never sent twice; a
 * failed statement rejects with Drizzle's `DrizzleQueryError` whose `cause` is the WarmpoolError
 * (`cause.code`, `cause.notApplied`). The migrator is `warmpool/drizzle/migrator`.
 *
 * ```ts
 * import { createPool } from 'warmpool';
 * import { drizzle } from 'warmpool/drizzle';
 * import * as schema from './schema.js';
 *
 * const db = drizzle(createPool({ connectionString: process.env.DATABASE_URL }), { schema });
 * const users = await db.query.users.findMany({ with: { posts: true } });
 * ```
 */
export { drizzle, WarmpoolDatabase, type WarmpoolDrizzleConfig } from './driver.js';
export { WarmpoolPreparedQuery, WarmpoolSession, WarmpoolTransaction, type WarmpoolBatchConfig, type WarmpoolQueryResultHKT, type WarmpoolSessionOptions, type WarmpoolTransactionConfig } from './session.js';
