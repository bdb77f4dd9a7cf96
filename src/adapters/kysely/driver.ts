/**
 * Kysely's Driver on a warmpool pool. A Kysely connection is a session, as on `pg`: on TCP and
 * WebSocket it takes a connection with `pool.reserve()` at its first statement and gives it back
 * at release, so what Kysely runs on one connection (its Migrator's session advisory lock, then
 * the migration's transaction) shares one server session. The HTTP transport has no sessions:
 * each statement is one `pool.query`, and transactions and streaming are refused with
 * NOT_SUPPORTED_ON_TRANSPORT. Errors are warmpool's, unwrapped, as Kysely passes driver errors on.
 */
import { CompiledQuery, IdentifierNode, RawNode, createQueryId, type DatabaseConnection, type Driver, type QueryCompiler, type QueryResult, type TransactionSettings } from 'kysely';
import { WarmpoolError } from '../../errors.js';
import type { Pool } from '../../pool/pool.js';
import type { Result } from '../../pool/query.js';
import type { ReservedConnection } from '../../pool/reserved.js';
import type { Row } from '../../transports/types.js';
import { KYSELY_TEXT_TYPES, mapRows, toParams } from './values.js';

const QUERY_OPTIONS = { textTypes: KYSELY_TEXT_TYPES };
const COUNTED = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);
const ISOLATION_LEVELS = ['read committed', 'repeatable read', 'serializable'];

export class WarmpoolDriver implements Driver {
  #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // Asked per connection: a TCP pool that finds no sockets turns into HTTP for good.
    return new WarmpoolConnection(this.#pool, this.#pool.stats().transport !== 'http');
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await (connection as WarmpoolConnection).begin(settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as WarmpoolConnection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as WarmpoolConnection).rollback();
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compileQuery(savepointCommand('savepoint', name), createQueryId()));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compileQuery(savepointCommand('rollback to', name), createQueryId()));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compileQuery(savepointCommand('release', name), createQueryId()));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as WarmpoolConnection).release();
  }

  /** The pool outlives the Kysely instance (it is shared per container): end it with `pool.end()`. */
  async destroy(): Promise<void> {}
}

/** `savepoint "name"`, the name quoted by Kysely's compiler, as its PostgresDriver builds it. */
function savepointCommand(command: string, name: string): RawNode {
  return RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
}

let cursorCount = 0;

export class WarmpoolConnection implements DatabaseConnection {
  #pool: Pool;
  #sessions: boolean;
  #reserved: Promise<ReservedConnection> | undefined;
  #inTransaction = false;

  constructor(pool: Pool, sessions: boolean) {
    this.#pool = pool;
    this.#sessions = sessions;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#run(compiledQuery.sql, toParams(compiledQuery.parameters));
    mapRows(result, result.columns);
    return {
      numAffectedRows: COUNTED.has(result.command) ? BigInt(result.count) : undefined,
      rows: [...result] as R[],
    };
  }

  /** Rows in chunks from a cursor (inside the Kysely transaction, or one of its own). */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new WarmpoolError('INVALID_PARAMETER', `stream(chunkSize) must be a positive integer; got ${String(chunkSize)}.`, { notApplied: true });
    }
    this.#needSession('Streaming reads from a cursor, which');
    const ownTransaction = !this.#inTransaction;
    if (ownTransaction) await this.begin({});
    const cursor = `warmpool_kysely_cursor_${++cursorCount}`;
    let open = false;
    try {
      await this.#run(`declare ${cursor} no scroll cursor for ${compiledQuery.sql}`, toParams(compiledQuery.parameters));
      open = true;
      for (;;) {
        const chunk = await this.#run(`fetch forward ${chunkSize} from ${cursor}`, []);
        if (chunk.length === 0) break;
        mapRows(chunk, chunk.columns);
        yield { rows: [...chunk] as R[] };
        if (chunk.length < chunkSize) break;
      }
      open = false;
      await this.#run(`close ${cursor}`, []);
      if (ownTransaction) await this.commit();
    } finally {
      // Reached on an error, or when the caller stops iterating early.
      if (ownTransaction) await this.rollback();
      else if (open) await this.#run(`close ${cursor}`, []).catch(() => {});
    }
  }

  async begin(settings: TransactionSettings): Promise<void> {
    this.#needSession('An interactive transaction');
    if (settings.isolationLevel !== undefined && settings.isolationLevel !== 'read uncommitted' && !ISOLATION_LEVELS.includes(settings.isolationLevel)) {
      throw new WarmpoolError('INVALID_OPTION', `PostgreSQL has no isolation level "${settings.isolationLevel}"; use one of read committed, repeatable read, serializable.`, { notApplied: true });
    }
    let text = 'begin';
    if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode) text += ` ${settings.accessMode}`;
    await this.#run(text, []).catch((err) => {
      throw notApplied(err, 'The transaction did not start.');
    });
    this.#inTransaction = true;
  }

  async commit(): Promise<void> {
    this.#inTransaction = false;
    const result = await this.#run('commit', []).catch((err) => {
      if (err instanceof WarmpoolError && err.code === 'OUTCOME_UNKNOWN') {
        throw new WarmpoolError('OUTCOME_UNKNOWN', 'The connection was lost while COMMIT was in flight, so whether the transaction committed is unknown.', { cause: err, sqlState: err.sqlState });
      }
      throw err;
    });
    if (result.command === 'ROLLBACK') {
      throw new WarmpoolError('TRANSACTION_ROLLED_BACK', 'A statement inside the transaction failed, so COMMIT rolled it back.', { notApplied: true });
    }
  }

  /**
   * Kysely rolls back after any error, even a failed COMMIT: then there is nothing left to undo.
   * A failed ROLLBACK (connection lost, deadline passed) is not reported, so the error that led
   * here stays the one Kysely throws: the pool takes back a connection only when the server says
   * it is outside a transaction, and rolls back or closes it otherwise.
   */
  async rollback(): Promise<void> {
    if (!this.#inTransaction) return;
    this.#inTransaction = false;
    await this.#run('rollback', []).catch(() => {});
  }

  release(): void {
    const reserved = this.#reserved;
    this.#reserved = undefined;
    this.#inTransaction = false;
    // A reservation that failed has nothing to give back.
    reserved?.then((conn) => conn.release(), () => {});
  }

  async #run(text: string, params: readonly unknown[]): Promise<Result<Row>> {
    if (!this.#sessions) return await this.#pool.query(text, params, QUERY_OPTIONS);
    this.#reserved ??= this.#pool.reserve();
    const conn = await this.#reserved;
    try {
      return await conn.query(text, params, QUERY_OPTIONS);
    } catch (err) {
      // Lost before COMMIT was sent: the server rolls the transaction back.
      if (this.#inTransaction && err instanceof WarmpoolError && isLoss(err)) throw notApplied(err, 'The transaction did not commit.');
      throw err;
    }
  }

  #needSession(what: string): void {
    if (!this.#sessions) {
      throw new WarmpoolError('NOT_SUPPORTED_ON_TRANSPORT', `${what} needs a connection held across round trips, which the http transport does not have. Use transport 'websocket' (or TCP where the runtime has it).`, { notApplied: true });
    }
  }
}

function isLoss(err: WarmpoolError): boolean {
  return err.code === 'OUTCOME_UNKNOWN' || err.code === 'CONNECTION_LOST';
}

function notApplied(err: unknown, sentence: string): unknown {
  if (!(err instanceof WarmpoolError) || !isLoss(err) || err.notApplied) return err;
  return new WarmpoolError('CONNECTION_LOST', `The connection was lost. ${sentence}`, { cause: err, notApplied: true, sqlState: err.sqlState });
}
