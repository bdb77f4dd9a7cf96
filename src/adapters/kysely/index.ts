/**
 * Kysely on warmpool (`warmpool/kysely`). `new WarmpoolDialect({ pool })` is Kysely's PostgreSQL
 * dialect (adapter, query compiler, introspector) with a driver on a warmpool pool: queries
 * return rows and `numAffectedRows`; transactions take Kysely's isolation levels and access
 * modes; savepoints, `stream()` (a cursor) and the `Migrator` work on TCP and WebSocket, and
 * plain queries also on HTTP. Values are those of Kysely's own PostgresDialect on `pg`, in any
 * process time zone. Every statement goes through the pool, so a warm invocation keeps
 * warmpool's validation after a freeze, its connection cap and its rule that a write is never
 * sent twice; errors are WarmpoolErrors (`code`, `notApplied`), which Kysely passes on unwrapped.
 *
 * ```ts
 * import { Kysely } from 'kysely';
 * import { createPool } from 'warmpool';
 * import { WarmpoolDialect } from 'warmpool/kysely';
 *
 * const db = new Kysely<DB>({ dialect: new WarmpoolDialect({ pool: createPool({ connectionString: process.env.DATABASE_URL }) }) });
 * const users = await db.selectFrom('users').selectAll().execute();
 * ```
 */
export { WarmpoolDialect, type WarmpoolDialectConfig } from './dialect.js';
export { WarmpoolConnection } from './connection.js';
export { WarmpoolDriver } from './driver.js';
