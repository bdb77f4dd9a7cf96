/**
 * `WarmpoolDialect`: Kysely's PostgreSQL dialect with a driver on a warmpool pool, and the check
 * of its options (an unknown one is refused, naming the fix).
 */
import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler } from 'kysely';
import { WarmpoolError } from '../../errors.js';
import { Pool } from '../../pool/pool.js';
import { WarmpoolDriver } from './driver.js';

export interface WarmpoolDialectConfig {
  /** The pool made by `createPool()`; connection settings live there. */
  pool: Pool;
  /**
   * Whether `db.destroy()` ends the pool (`pool.end()`), so a script or a test suite that ends
   * with it lets the process exit. Default false: a handler's pool outlives its Kysely instance.
   */
  endPoolOnDestroy?: boolean;
}

const CONFIG_KEYS = ['pool', 'endPoolOnDestroy'];

/**
 * Kysely's PostgreSQL dialect (its adapter, query compiler and introspector) with a driver whose
 * connections come from a warmpool pool: `new Kysely<DB>({ dialect: new WarmpoolDialect({ pool }) })`.
 */
export class WarmpoolDialect implements Dialect {
  readonly #pool: Pool;
  readonly #endPoolOnDestroy: boolean;

  constructor(config: WarmpoolDialectConfig) {
    if (typeof config !== 'object' || config === null || !(config.pool instanceof Pool)) {
      throw new WarmpoolError('INVALID_OPTION', 'WarmpoolDialect expects { pool } with a pool made by createPool(): new WarmpoolDialect({ pool: createPool({ connectionString }) }).', { notApplied: true });
    }
    const unknownKeys = Object.keys(config).filter((key) => !CONFIG_KEYS.includes(key));
    if (unknownKeys.length > 0) {
      throw new WarmpoolError('INVALID_OPTION', `Unknown WarmpoolDialect option ${unknownKeys.map((k) => `"${k}"`).join(', ')}; the options are pool and endPoolOnDestroy. Connection settings go to createPool().`, { notApplied: true });
    }
    if (config.endPoolOnDestroy !== undefined && typeof config.endPoolOnDestroy !== 'boolean') {
      throw new WarmpoolError('INVALID_OPTION', `WarmpoolDialect option endPoolOnDestroy must be true or false; got ${typeof config.endPoolOnDestroy}.`, { notApplied: true });
    }
    this.#pool = config.pool;
    this.#endPoolOnDestroy = config.endPoolOnDestroy ?? false;
  }

  createDriver(): Driver {
    return new WarmpoolDriver(this.#pool, this.#endPoolOnDestroy);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
