/**
 * A script as a user writes one (a migration, a seed): a pool, Kysely with `endPoolOnDestroy`, one
 * query, `db.destroy()`. Nothing else ends the pool, so the process exits only if destroy did.
 */
import { Kysely, sql } from 'kysely';
import { WarmpoolDialect } from '../../src/adapters/kysely/index.js';
import { createPool } from '../../src/index.js';

const pool = createPool({ connectionString: process.env.DATABASE_URL, applicationName: 'kysely-script' });
const db = new Kysely<Record<string, never>>({ dialect: new WarmpoolDialect({ pool, endPoolOnDestroy: true }) });
const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(db);
await db.destroy();
console.log(JSON.stringify(rows));
