/**
 * drizzle-orm's migrator on a warmpool database (`warmpool/drizzle/migrator`): reads the
 * migrations folder written by drizzle-kit and applies the migrations newer than the last one
 * recorded, keeping drizzle-orm's journal table (`drizzle.__drizzle_migrations`, same hash and
 * timestamps). The pending migrations and their journal rows run as one `batch`: one transaction
 * on every transport, HTTP included. Each chunk between `--> statement-breakpoint` markers must
 * be one statement, as warmpool sends every statement on its own.
 */
import { readMigrationFiles, type MigrationConfig } from 'drizzle-orm/migrator';
import { sql } from 'drizzle-orm/sql';
import type { WarmpoolDatabase } from './driver.js';

export type { MigrationConfig };

export async function migrate<TSchema extends Record<string, unknown>>(db: WarmpoolDatabase<TSchema>, config: MigrationConfig): Promise<void> {
  const migrations = readMigrationFiles(config);
  const schema = sql.identifier(config.migrationsSchema ?? 'drizzle');
  const table = sql.identifier(config.migrationsTable ?? '__drizzle_migrations');
  await db.execute(sql`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await db.execute(sql`CREATE TABLE IF NOT EXISTS ${schema}.${table} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
  const [last] = await db.session.all<{ created_at: string | null }>(sql`select id, hash, created_at from ${schema}.${table} order by created_at desc limit 1`);
  const pending = migrations.filter((m) => !last || Number(last.created_at) < m.folderMillis);
  const statements = pending.flatMap((m) => [
    ...m.sql.filter((text) => text.trim() !== '').map((text) => db.execute(sql.raw(text))),
    db.execute(sql`insert into ${schema}.${table} ("hash", "created_at") values (${m.hash}, ${m.folderMillis})`),
  ]);
  if (statements.length > 0) await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
}
