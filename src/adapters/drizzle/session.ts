/**
 * Drizzle's session over a warmpool pool or transaction handle, shaped like drizzle-orm's
 * postgres-js session. Rows Drizzle maps itself are fetched with `.values()` (arrays in column
 * order, so a join whose tables share a column name keeps both), and date/time values come as
 * the server's text, which Drizzle's column types parse in any process time zone.
 */
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import { NoopCache, type Cache } from 'drizzle-orm/cache/core';
import type { WithCacheConfig } from 'drizzle-orm/cache/core/types';
import { entityKind } from 'drizzle-orm/entity';
import { NoopLogger, type Logger } from 'drizzle-orm/logger';
import { PgTransaction, type PgDialect, type SelectedFieldsOrdered } from 'drizzle-orm/pg-core';
import { PgPreparedQuery, PgSession, type PgQueryResultHKT, type PgTransactionConfig, type PreparedQueryConfig } from 'drizzle-orm/pg-core/session';
import type { RelationalSchemaConfig, TablesRelationalConfig } from 'drizzle-orm/relations';
import { fillPlaceholders, type Query } from 'drizzle-orm/sql/sql';
import * as drizzleUtils from 'drizzle-orm/utils';
import type { Assume } from 'drizzle-orm/utils';
import { WarmpoolError } from '../../errors.js';
import type { KeyedTransactionOptions } from '../../pool/idempotency.js';
import { type BatchOptions, Pool } from '../../pool/pool.js';
import type { Result, SqlQuery } from '../../pool/query.js';
import type { Transaction } from '../../pool/transaction.js';
import type { Row } from '../../transports/types.js';
import { DATE_TIME_TYPES } from '../../transports/values.js';

/** What the session runs statements on: the pool, or the handle of a transaction or savepoint. */
export type Queryable = Pick<Pool, 'query'> | Transaction;

/**
 * Values drizzle-orm/postgres-js reads as the server's text, for Drizzle's columns to parse: date
 * and time types, and whole arrays of date (1182), timestamp (1115), timestamptz (1185) and
 * numeric (1231). One constant, so the pool builds its parsers once.
 */
const QUERY_OPTIONS = { textTypes: Object.freeze([...DATE_TIME_TYPES, 1182, 1115, 1185, 1231]) };

// drizzle-orm marks these @internal, so its .d.ts files leave them out; its own drivers use them.
const { mapResultRow } = drizzleUtils as unknown as {
  mapResultRow<T>(columns: SelectedFieldsOrdered, row: unknown[], joinsNotNullableMap: Record<string, boolean> | undefined): T;
};

type MetaData = { type: 'select' | 'update' | 'delete' | 'insert'; tables: string[] };
type ResultMapper<T> = (rows: unknown[][]) => T;
/** What `_prepare()` gives for any batch item: one of ours, or a PgRaw from `db.execute`. */
type BatchPrepared = { getQuery(): Query; mapResult(result: unknown, isFromBatch?: boolean): unknown };

/**
 * `db.transaction(fn, config)`: Drizzle's config (isolation, access mode, deferrable) and
 * warmpool's: `idempotencyKey` and the rest of a keyed transaction (docs/idempotency.md), `retries`.
 */
export type WarmpoolTransactionConfig = PgTransactionConfig & Omit<KeyedTransactionOptions, 'isolation' | 'readOnly' | 'deferrable'>;

/** `db.batch(queries, options)`: a keyed batch (docs/idempotency.md); the batch's transaction options are warmpool's. */
export type WarmpoolBatchConfig = BatchOptions;

export interface WarmpoolSessionOptions {
  logger?: Logger;
  cache?: Cache;
}

export interface WarmpoolQueryResultHKT extends PgQueryResultHKT {
  type: Result<Assume<this['row'], Row>>;
}

export class WarmpoolPreparedQuery<T extends PreparedQueryConfig> extends PgPreparedQuery<T> {
  static override readonly [entityKind]: string = 'WarmpoolPreparedQuery';
  declare joinsNotNullableMap: Record<string, boolean> | undefined;
  declare queryWithCache: <R>(queryString: string, params: unknown[], query: () => Promise<R>) => Promise<R>;

  constructor(
    private client: Queryable,
    query: Query,
    private logger: Logger,
    cache: Cache,
    queryMetadata: MetaData | undefined,
    cacheConfig: WithCacheConfig | undefined,
    private fields: SelectedFieldsOrdered | undefined,
    private arrayMode: boolean,
    private customResultMapper?: ResultMapper<T['execute']>,
  ) {
    super(query, cache, queryMetadata, cacheConfig);
  }

  /** The warmpool query this prepared query sends: `.values()` when Drizzle maps the rows. */
  toWarmpool(params: unknown[] = this.query.params): SqlQuery {
    const q = this.client.query(this.query.sql, params, QUERY_OPTIONS);
    return this.mapsRows() ? (q.values() as unknown as SqlQuery) : q;
  }

  async execute(placeholderValues: Record<string, unknown> = {}): Promise<T['execute']> {
    const params = fillPlaceholders(this.query.params, placeholderValues);
    this.logger.logQuery(this.query.sql, params);
    const result = await this.queryWithCache(this.query.sql, params, async () => await this.toWarmpool(params));
    return this.mapResult(result);
  }

  /** Rows as objects, without Drizzle's mapping (what `db.execute` and the migrator read). */
  async all(placeholderValues: Record<string, unknown> = {}): Promise<T['all']> {
    const params = fillPlaceholders(this.query.params, placeholderValues);
    this.logger.logQuery(this.query.sql, params);
    return this.queryWithCache(this.query.sql, params, async () => await this.client.query(this.query.sql, params, QUERY_OPTIONS));
  }

  override mapResult(response: unknown): unknown {
    if (!this.mapsRows()) return response;
    const rows = response as unknown[][];
    if (this.customResultMapper) return this.customResultMapper(rows);
    return rows.map((row) => mapResultRow(this.fields!, row, this.joinsNotNullableMap));
  }

  /** @internal */
  isResponseInArrayMode(): boolean {
    return this.arrayMode;
  }

  private mapsRows(): boolean {
    return this.fields !== undefined || this.customResultMapper !== undefined;
  }
}

export class WarmpoolSession<TFullSchema extends Record<string, unknown>, TSchema extends TablesRelationalConfig> extends PgSession<WarmpoolQueryResultHKT, TFullSchema, TSchema> {
  static override readonly [entityKind]: string = 'WarmpoolSession';
  private logger: Logger;
  private cache: Cache;

  constructor(
    readonly client: Queryable,
    dialect: PgDialect,
    private schema: RelationalSchemaConfig<TSchema> | undefined,
    readonly options: WarmpoolSessionOptions = {},
  ) {
    super(dialect);
    this.logger = options.logger ?? new NoopLogger();
    this.cache = options.cache ?? new NoopCache();
  }

  prepareQuery<T extends PreparedQueryConfig = PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    _name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: ResultMapper<T['execute']>,
    queryMetadata?: MetaData,
    cacheConfig?: WithCacheConfig,
  ): WarmpoolPreparedQuery<T> {
    // The name of `.prepare('name')` is not needed: the pool prepares statements itself (option `prepare`).
    return new WarmpoolPreparedQuery(this.client, query, this.logger, this.cache, queryMetadata, cacheConfig, fields, isResponseInArrayMode, customResultMapper);
  }

  /** Rows as arrays of values in column order. */
  query(query: string, params: unknown[]): Promise<Result<unknown[]>> {
    this.logger.logQuery(query, params);
    return this.client.query(query, params, QUERY_OPTIONS).values() as unknown as Promise<Result<unknown[]>>;
  }

  queryObjects<T extends Row>(query: string, params: unknown[]): Promise<Result<T>> {
    return this.client.query<T>(query, params, QUERY_OPTIONS) as unknown as Promise<Result<T>>;
  }

  /** All queries in one transaction, on every transport (on HTTP the only atomic form); keyed with `options.idempotencyKey`. */
  async batch<T extends readonly BatchItem<'pg'>[]>(items: T, options?: WarmpoolBatchConfig): Promise<BatchResponse<T>> {
    const prepared = items.map((item) => (item as unknown as { _prepare(): BatchPrepared })._prepare());
    const queries = prepared.map((p) => {
      const { sql, params } = p.getQuery();
      this.logger.logQuery(sql, params);
      // `db.execute(…)` prepares to itself (a PgRaw), whose rows stay objects.
      return p instanceof WarmpoolPreparedQuery ? p.toWarmpool() : this.client.query(sql, params, QUERY_OPTIONS);
    });
    const results = await poolOf(this.client).batch(queries, options);
    return results.map((result, i) => prepared[i].mapResult(result, true)) as BatchResponse<T>;
  }

  override transaction<T>(fn: (tx: WarmpoolTransaction<TFullSchema, TSchema>) => Promise<T>, config?: WarmpoolTransactionConfig): Promise<T> {
    return poolOf(this.client).transaction((handle) => fn(this.transactionOn(handle, 0)), transactionOptions(config));
  }

  /** @internal */
  transactionOn(handle: Transaction, nestedIndex: number): WarmpoolTransaction<TFullSchema, TSchema> {
    const session = new WarmpoolSession<TFullSchema, TSchema>(handle, this.dialect, this.schema, this.options);
    return new WarmpoolTransaction(this.dialect, session, this.schema, nestedIndex);
  }
}

export class WarmpoolTransaction<TFullSchema extends Record<string, unknown>, TSchema extends TablesRelationalConfig> extends PgTransaction<WarmpoolQueryResultHKT, TFullSchema, TSchema> {
  static override readonly [entityKind]: string = 'WarmpoolTransaction';

  constructor(
    dialect: PgDialect,
    /** @internal */
    readonly session: WarmpoolSession<TFullSchema, TSchema>,
    schema: RelationalSchemaConfig<TSchema> | undefined,
    nestedIndex = 0,
  ) {
    super(dialect, session, schema, nestedIndex);
  }

  /**
   * A nested transaction is a savepoint on the same connection (as drizzle-orm/postgres-js does
   * it): released when `fn` resolves, rolled back to alone when it throws or calls `rollback()`.
   */
  override async transaction<T>(fn: (tx: WarmpoolTransaction<TFullSchema, TSchema>) => Promise<T>): Promise<T> {
    const handle = this.session.client as Transaction;
    const depth = this.nestedIndex + 1;
    const name = `drizzle_savepoint_${depth}`;
    await handle.query(`savepoint ${name}`);
    let result: T;
    try {
      result = await fn(this.session.transactionOn(handle, depth));
    } catch (err) {
      // If this fails too (a lost connection), the outer transaction cannot commit; keep fn's error.
      await handle.query(`rollback to savepoint ${name}`).catch(() => {});
      throw err;
    }
    await handle.query(`release savepoint ${name}`);
    return result;
  }
}

/** The session of a Drizzle database (not of a transaction) holds the pool itself. */
function poolOf(client: Queryable): Pool {
  if (client instanceof Pool) return client;
  throw new WarmpoolError('INVALID_QUERY', 'batch and transaction run on the database, not inside a transaction: use tx.transaction(…) for a savepoint.', { notApplied: true });
}

/**
 * Drizzle's transaction config as warmpool's; Postgres runs 'read uncommitted' as 'read committed'.
 * warmpool's own options (`idempotencyKey`, `retries`…) pass as they are.
 */
function transactionOptions(config: WarmpoolTransactionConfig = {}): KeyedTransactionOptions {
  const { isolationLevel, accessMode, deferrable, ...own } = config;
  const isolation = isolationLevel === 'read uncommitted' ? 'read committed' : isolationLevel;
  return {
    ...own,
    ...(isolation !== undefined && { isolation }),
    ...(accessMode !== undefined && { readOnly: accessMode === 'read only' }),
    ...(deferrable !== undefined && { deferrable }),
  };
}
