/**
 * A script as a user writes one (a migration, a seed): Kysely on a pool its dialect makes, one
 * query, `db.destroy()`. Nothing else ends the pool, so the process exits only if destroy did.
 */
import { Kysely, sql } from 'kysely';
import { WarmpoolDialect } from '../../src/adapters/kysely/index.js';
import { createPool } from '../../src/index.js';

const db = new Kysely<Record<string, never>>({ dialect: new WarmpoolDialect({ pool: () => createPool({ connectionString: process.env.DATABASE_URL, applicationName: 'kysely-script' }) }) });
const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(db);
await db.destroy();
console.log(JSON.stringify(rows));
