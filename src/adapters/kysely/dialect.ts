/**
 * `WarmpoolDialect`: Kysely's PostgreSQL dialect with a driver on a warmpool pool, and the check
 * of its options (an unknown one is refused, naming the fix).
 */
import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler } from 'kysely';
import { WarmpoolError } from '../../errors.js';
import { Pool } from '../../pool/pool.js';
import { WarmpoolDriver } from './driver.js';

export interface WarmpoolDialectConfig {
  /**
   * The pool made by `createPool()`, where connection settings live; it outlives the Kysely
   * instance (a handler's pool serves the next warm invocation). Or a function that makes one,
   * called when Kysely first connects: that pool belongs to the Kysely instance, and
   * `db.destroy()` ends it, so a script or a test suite ending with `db.destroy()` can exit.
   */
  pool: Pool | (() => Pool | Promise<Pool>);
}

const CONFIG_KEYS = ['pool'];
const USAGE = 'new WarmpoolDialect({ pool: createPool({ connectionString }) }) or, for a pool db.destroy() ends, new WarmpoolDialect({ pool: () => createPool({ connectionString }) })';

/**
 * Kysely's PostgreSQL dialect (its adapter, query compiler and introspector) with a driver whose
 * connections come from a warmpool pool: `new Kysely<DB>({ dialect: new WarmpoolDialect({ pool }) })`.
 */
export class WarmpoolDialect implements Dialect {
  readonly #pool: WarmpoolDialectConfig['pool'];

  constructor(config: WarmpoolDialectConfig) {
    if (typeof config !== 'object' || config === null || !(config.pool instanceof Pool || typeof config.pool === 'function')) {
      throw new WarmpoolError('INVALID_OPTION', `WarmpoolDialect expects { pool } with a pool made by createPool(), or a function that makes one: ${USAGE}.`, { notApplied: true });
    }
    const unknownKeys = Object.keys(config).filter((key) => !CONFIG_KEYS.includes(key));
    if (unknownKeys.length > 0) {
      throw new WarmpoolError('INVALID_OPTION', `Unknown WarmpoolDialect option ${unknownKeys.map((k) => `"${k}"`).join(', ')}; the only option is pool. Connection settings go to createPool().`, { notApplied: true });
    }
    this.#pool = config.pool;
  }

  createDriver(): Driver {
    return new WarmpoolDriver(this.#pool);
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
