/**
 * Prisma 7 on warmpool: `new PrismaClient({ adapter: new PrismaWarmpool(pool) })`. A driver
 * adapter factory like `@prisma/adapter-pg` (same column types, values, argument conversion and
 * error mapping, so unique and foreign-key violations are P2002/P2003), whose statements run on a
 * warmpool pool: its connection cap, validation after a freeze and retry rules hold for every
 * Prisma query. Interactive transactions run in `pool.transaction` on one connection (TCP and
 * WebSocket; HTTP has none). `@prisma/driver-adapter-utils` is an optional peer dependency,
 * loaded only by code that imports `warmpool/prisma`.
 */
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { WarmpoolError } from '../../errors.js';
import type { Pool } from '../../pool/pool.js';
import { ADAPTER_NAME, type AdapterOptions, WarmpoolAdapter } from './adapter.js';

export type { AdapterOptions as PrismaWarmpoolOptions } from './adapter.js';

const OPTION_NAMES = new Set(['schema']);

export class PrismaWarmpool implements SqlDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = ADAPTER_NAME;
  readonly #pool: Pool;
  readonly #options: AdapterOptions;

  constructor(pool: Pool, options: AdapterOptions = {}) {
    if (typeof (pool as Partial<Pool> | undefined)?.query !== 'function') {
      throw new WarmpoolError('INVALID_OPTION', 'PrismaWarmpool expects a pool made by createPool(): new PrismaWarmpool(createPool({ … })).');
    }
    for (const name of Object.keys(options ?? {})) {
      if (!OPTION_NAMES.has(name)) throw new WarmpoolError('INVALID_OPTION', `Unknown PrismaWarmpool option "${name}"; the options are: ${[...OPTION_NAMES].join(', ')}.`);
    }
    if (options.schema !== undefined && (typeof options.schema !== 'string' || options.schema === '')) {
      throw new WarmpoolError('INVALID_OPTION', 'PrismaWarmpool option "schema" must be a non-empty string (a schema name such as "public").');
    }
    this.#pool = pool;
    this.#options = { ...options };
  }

  async connect(): Promise<SqlDriverAdapter> {
    return new WarmpoolAdapter(this.#pool, this.#options);
  }
}
