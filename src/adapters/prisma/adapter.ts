import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlQuery,
  type SqlQueryable,
  type SqlResultSet,
  type Transaction,
  type TransactionOptions,
} from '@prisma/driver-adapter-utils';
import type { Pool } from '../../pool/pool.js';
import type { ValuesResult } from '../../pool/query.js';
import type { Transaction as PoolTransaction } from '../../pool/transaction.js';
import { TEXT_TYPES, columnType, queryArg, resultValue } from './conversion.js';
import { adapterError } from './errors.js';

export const ADAPTER_NAME = 'warmpool/prisma';

/** Runs one statement on the pool, or on the connection a transaction holds. */
type Runner = (text: string, params: unknown[]) => PromiseLike<ValuesResult>;

class Queryable implements SqlQueryable {
  readonly provider = 'postgres';
  readonly adapterName = ADAPTER_NAME;

  constructor(protected readonly run: Runner) {}

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    const result = await this.perform(query);
    const columns = result.columns;
    const columnTypes = columns.map((c) => columnType(c.type));
    const rows = result.map((row) => row.map((value, i) => resultValue(value, columns[i].type)));
    return { columnNames: columns.map((c) => c.name), columnTypes, rows };
  }

  async executeRaw(query: SqlQuery): Promise<number> {
    return (await this.perform(query)).count;
  }

  protected async perform(query: SqlQuery): Promise<ValuesResult> {
    const params = query.args.map((arg, i) => queryArg(arg, query.argTypes[i]));
    try {
      return await this.run(query.sql, params);
    } catch (err) {
      throw adapterError(err);
    }
  }
}

const ISOLATION_LEVELS: readonly string[] = ['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'];

/** Thrown into the pool's transaction callback when Prisma sends ROLLBACK, so the pool rolls back. */
const ROLLBACK = Symbol('rollback');

/**
 * An interactive transaction: the callback of `pool.transaction`, held open until Prisma sends
 * COMMIT or ROLLBACK. The pool keeps its rules: a connection lost before COMMIT is
 * CONNECTION_LOST with `notApplied`, one lost while COMMIT was in flight is OUTCOME_UNKNOWN, and
 * the connection is pooled again only when the server says it is idle outside a transaction.
 */
class WarmpoolTransaction extends Queryable implements Transaction {
  readonly options: TransactionOptions = { usePhantomQuery: false };
  #finish: (end: 'commit' | 'rollback') => void;
  #settled: Promise<void>;

  constructor(tx: PoolTransaction, finish: (end: 'commit' | 'rollback') => void, settled: Promise<void>) {
    super((text, params) => tx.query(text, params, { textTypes: TEXT_TYPES }).values());
    this.#finish = finish;
    this.#settled = settled;
  }

  protected override async perform(query: SqlQuery): Promise<ValuesResult> {
    const end = /^\s*(commit|rollback)\s*;?\s*$/i.exec(query.sql)?.[1].toLowerCase();
    if (end === undefined) return super.perform(query);
    // The pool sends COMMIT or ROLLBACK itself when the callback settles.
    this.#finish(end as 'commit' | 'rollback');
    await this.#settled.catch((err: unknown) => {
      throw adapterError(err);
    });
    return Object.assign([], { count: 0, command: end.toUpperCase(), columns: [] });
  }

  async commit(): Promise<void> {
    await this.#close();
  }

  async rollback(): Promise<void> {
    await this.#close();
  }

  async createSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `SAVEPOINT ${name}`, args: [], argTypes: [] });
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `ROLLBACK TO SAVEPOINT ${name}`, args: [], argTypes: [] });
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `RELEASE SAVEPOINT ${name}`, args: [], argTypes: [] });
  }

  /** Prisma gives the transaction up: roll back if neither COMMIT nor ROLLBACK was sent. */
  async #close(): Promise<void> {
    this.#finish('rollback');
    await this.#settled.catch(() => {});
  }
}

/** Opens a transaction on the pool and resolves once its callback holds the connection. */
function openTransaction(pool: Pool, isolationLevel: IsolationLevel | undefined): Promise<WarmpoolTransaction> {
  return new Promise((resolve, reject) => {
    let finish!: (end: 'commit' | 'rollback') => void;
    const ended = new Promise<'commit' | 'rollback'>((r) => (finish = r));
    let opened = false;
    const settled = pool
      .transaction(async (tx) => {
        // As adapter-pg: the level is set by the transaction's first statement.
        if (isolationLevel) await tx.query(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`);
        opened = true;
        resolve(new WarmpoolTransaction(tx, finish, settled));
        if ((await ended) === 'rollback') throw ROLLBACK;
      })
      .catch((err: unknown) => {
        if (err !== ROLLBACK) throw err;
      });
    settled.catch((err: unknown) => {
      if (!opened) reject(adapterError(err));
    });
  });
}

export interface AdapterOptions {
  /** The schema Prisma's queries name (the `schema` of adapter-pg). Default: the connection's search_path. */
  schema?: string;
}

/** What `PrismaWarmpool.connect()` gives Prisma: statements on the pool, transactions on a held connection. */
export class WarmpoolAdapter extends Queryable implements SqlDriverAdapter {
  readonly #pool: Pool;
  readonly #options: AdapterOptions;

  constructor(pool: Pool, options: AdapterOptions) {
    super((text, params) => pool.query(text, params, { textTypes: TEXT_TYPES }).values());
    this.#pool = pool;
    this.#options = options;
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    if (isolationLevel !== undefined && !ISOLATION_LEVELS.includes(isolationLevel)) {
      throw new DriverAdapterError({ kind: 'InvalidIsolationLevel', level: isolationLevel });
    }
    return openTransaction(this.#pool, isolationLevel);
  }

  /** Statements separated by semicolons, one at a time (as adapter-pg splits them). */
  async executeScript(script: string): Promise<void> {
    const statements = script.split(';').map((s) => s.trim()).filter((s) => s.length > 0);
    for (const sql of statements) await this.executeRaw({ sql, args: [], argTypes: [] });
  }

  getConnectionInfo() {
    return { schemaName: this.#options.schema, supportsRelationJoins: true };
  }

  /** The pool is the caller's (module scope, shared by warm invocations): Prisma's $disconnect leaves it open. */
  async dispose(): Promise<void> {}
}
