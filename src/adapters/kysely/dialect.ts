import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler } from 'kysely';
import { WarmpoolError } from '../../errors.js';
import { Pool } from '../../pool/pool.js';
import { WarmpoolDriver } from './driver.js';

export interface WarmpoolDialectConfig {
  /** The pool made by `createPool()`; connection settings live there. */
  pool: Pool;
}

const CONFIG_KEYS = ['pool'];

/**
 * Kysely's PostgreSQL dialect (its adapter, query compiler and introspector) with a driver whose
 * connections come from a warmpool pool: `new Kysely<DB>({ dialect: new WarmpoolDialect({ pool }) })`.
 */
export class WarmpoolDialect implements Dialect {
  readonly #pool: Pool;

  constructor(config: WarmpoolDialectConfig) {
    if (typeof config !== 'object' || config === null || !(config.pool instanceof Pool)) {
      throw new WarmpoolError('INVALID_OPTION', 'WarmpoolDialect expects { pool } with a pool made by createPool(): new WarmpoolDialect({ pool: createPool({ connectionString }) }).', { notApplied: true });
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
