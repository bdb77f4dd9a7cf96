import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import { entityKind } from 'drizzle-orm/entity';
import { DefaultLogger, type Logger } from 'drizzle-orm/logger';
import { PgDatabase, PgDialect } from 'drizzle-orm/pg-core';
import { createTableRelationsHelpers, extractTablesRelationalConfig, type ExtractTablesWithRelations, type RelationalSchemaConfig, type TablesRelationalConfig } from 'drizzle-orm/relations';
import type { DrizzleConfig } from 'drizzle-orm/utils';
import { WarmpoolError } from '../../errors.js';
import { Pool } from '../../pool/pool.js';
import { type WarmpoolBatchConfig, WarmpoolSession, type WarmpoolQueryResultHKT, type WarmpoolTransaction, type WarmpoolTransactionConfig } from './session.js';

/** The Drizzle options a warmpool database takes: drizzle-orm's own `DrizzleConfig`. */
export type WarmpoolDrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>> = DrizzleConfig<TSchema>;

const CONFIG_KEYS = ['schema', 'logger', 'casing', 'cache'];

export class WarmpoolDatabase<TSchema extends Record<string, unknown> = Record<string, never>> extends PgDatabase<WarmpoolQueryResultHKT, TSchema> {
  static override readonly [entityKind]: string = 'WarmpoolDatabase';
  declare readonly session: WarmpoolSession<TSchema, ExtractTablesWithRelations<TSchema>>;

  /**
   * Runs the queries as one transaction and resolves to each one's result, as drizzle-orm's
   * neon-http `batch`; on every transport, and on HTTP the only atomic form.
   */
  batch<U extends BatchItem<'pg'>, T extends Readonly<[U, ...U[]]>>(batch: T, options?: WarmpoolBatchConfig): Promise<BatchResponse<T>> {
    return this.session.batch(batch, options);
  }

  /**
   * Drizzle's transaction, and warmpool's options with it: `idempotencyKey` runs it at most once
   * per key, the key committed with its work (docs/idempotency.md); `retries` reruns it after a
   * serialization failure or a connection lost before COMMIT.
   */
  override transaction<T>(transaction: (tx: WarmpoolTransaction<TSchema, ExtractTablesWithRelations<TSchema>>) => Promise<T>, config?: WarmpoolTransactionConfig): Promise<T> {
    return this.session.transaction(transaction, config);
  }
}

/**
 * A Drizzle database on a warmpool pool: `drizzle(pool, { schema, logger, casing })`, or
 * `drizzle({ client: pool, schema, … })` as drizzle-orm's drivers also accept.
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  pool: Pool,
  config?: WarmpoolDrizzleConfig<TSchema>,
): WarmpoolDatabase<TSchema> & { $client: Pool };
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  config: WarmpoolDrizzleConfig<TSchema> & { client: Pool },
): WarmpoolDatabase<TSchema> & { $client: Pool };
export function drizzle<TSchema extends Record<string, unknown>>(
  first: Pool | (WarmpoolDrizzleConfig<TSchema> & { client: Pool }),
  second: WarmpoolDrizzleConfig<TSchema> = {},
): WarmpoolDatabase<TSchema> & { $client: Pool } {
  if (first instanceof Pool) return construct(first, second);
  if (typeof first === 'object' && first !== null && 'client' in first) {
    const { client, ...config } = first;
    return construct(client, config);
  }
  throw new WarmpoolError('INVALID_OPTION', 'drizzle() expects a pool made by createPool(): drizzle(createPool({ connectionString }), { schema }).', { notApplied: true });
}

function construct<TSchema extends Record<string, unknown>>(pool: unknown, config: WarmpoolDrizzleConfig<TSchema>): WarmpoolDatabase<TSchema> & { $client: Pool } {
  if (!(pool instanceof Pool)) {
    throw new WarmpoolError('INVALID_OPTION', 'drizzle({ client }) expects a pool made by createPool().', { notApplied: true });
  }
  const unknownKeys = Object.keys(config).filter((key) => !CONFIG_KEYS.includes(key));
  if (unknownKeys.length > 0) {
    throw new WarmpoolError('INVALID_OPTION', `Unknown drizzle option ${unknownKeys.map((k) => `"${k}"`).join(', ')}; the options are ${CONFIG_KEYS.join(', ')}. Connection settings go to createPool().`, { notApplied: true });
  }
  const dialect = new PgDialect({ casing: config.casing });
  const logger: Logger | undefined = config.logger === true ? new DefaultLogger() : config.logger === false ? undefined : config.logger;
  let schema: RelationalSchemaConfig<TablesRelationalConfig> | undefined;
  if (config.schema) {
    const tables = extractTablesRelationalConfig(config.schema, createTableRelationsHelpers);
    schema = { fullSchema: config.schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  }
  const session = new WarmpoolSession(pool, dialect, schema, { logger, cache: config.cache });
  const db = new WarmpoolDatabase<TSchema>(dialect, session, schema as never) as WarmpoolDatabase<TSchema> & { $client: Pool };
  db.$client = pool;
  // As drizzle-orm's drivers: `db.$cache.invalidate(…)` reaches the cache's onMutate.
  if (config.cache) db.$cache = Object.assign(config.cache, { invalidate: config.cache.onMutate.bind(config.cache) });
  return db;
}
