/**
 * Kysely's Driver on a warmpool pool. Transaction control is sent as Kysely's PostgresDriver
 * sends it, through the connection's `executeQuery`, so Kysely's `log` sees BEGIN, COMMIT and
 * ROLLBACK like any query, and a COMMIT the server refuses as an error. Errors are warmpool's,
 * unwrapped, as Kysely passes driver errors on.
 */
import { IdentifierNode, RawNode, createQueryId, type DatabaseConnection, type Driver, type QueryCompiler, type TransactionSettings } from 'kysely';
import { WarmpoolError } from '../../errors.js';
import { Pool } from '../../pool/pool.js';
import { WarmpoolConnection, controlQuery } from './connection.js';

const ISOLATION_LEVELS = ['read uncommitted', 'read committed', 'repeatable read', 'serializable'];
const COMMIT = controlQuery('commit', 'commit');
/**
 * Kysely instances holding each pool their dialect made. createPool returns the same pool for the
 * same settings, so instances made alike share one, which the last to be destroyed ends.
 */
const HOLDERS = new WeakMap<Pool, number>();
const ROLLBACK = controlQuery('rollback', 'rollback');

export class WarmpoolDriver implements Driver {
  #source: Pool | (() => Pool | Promise<Pool>);
  #pool: Pool | undefined;

  /** `pool`: a pool, or a function that makes the pool this driver owns (and ends at destroy). */
  constructor(pool: Pool | (() => Pool | Promise<Pool>)) {
    this.#source = pool;
  }

  async init(): Promise<void> {
    if (this.#source instanceof Pool) {
      this.#pool = this.#source;
      return;
    }
    const made = await this.#source();
    if (!(made instanceof Pool)) {
      throw new WarmpoolError('INVALID_OPTION', `WarmpoolDialect's pool function must return a pool made by createPool(); it returned ${made === null ? 'null' : typeof made}.`, { notApplied: true });
    }
    this.#pool = made;
    HOLDERS.set(made, (HOLDERS.get(made) ?? 0) + 1);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const pool = this.#pool;
    if (!pool) throw new WarmpoolError('POOL_ENDED', 'This Kysely instance was destroyed; make a new one.', { notApplied: true });
    // Asked per connection: a TCP pool that finds no sockets turns into HTTP for good.
    return new WarmpoolConnection(pool, pool.stats().transport !== 'http');
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel !== undefined && !ISOLATION_LEVELS.includes(settings.isolationLevel)) {
      throw new WarmpoolError('INVALID_OPTION', `PostgreSQL has no isolation level "${settings.isolationLevel}"; use one of read committed, repeatable read, serializable.`, { notApplied: true });
    }
    let text = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      text = 'start transaction';
      if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) text += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(controlQuery('begin', text));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(COMMIT);
    if (rows[0]?.command === 'ROLLBACK') {
      throw new WarmpoolError('TRANSACTION_ROLLED_BACK', 'A statement inside the transaction failed, so COMMIT rolled it back.', { notApplied: true });
    }
  }

  /**
   * Kysely rolls back after any error, even a failed COMMIT (then the server has nothing to undo
   * and only warns). A failed ROLLBACK (connection lost, deadline passed) is logged by Kysely but
   * not thrown, so the error that led here stays the one Kysely throws: the pool takes back a
   * connection only when the server says it is outside a transaction, and rolls back or closes
   * it otherwise.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(ROLLBACK).catch(() => {});
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
    await (connection as WarmpoolConnection).release();
  }

  /** Ends the pool this driver made; a pool it was given outlives the Kysely instance. */
  async destroy(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (!pool || this.#source instanceof Pool) return;
    const holders = (HOLDERS.get(pool) ?? 1) - 1;
    HOLDERS.set(pool, holders);
    if (holders === 0) await pool.end();
  }
}

/** `savepoint "name"`, the name quoted by Kysely's compiler, as its PostgresDriver builds it. */
function savepointCommand(command: string, name: string): RawNode {
  return RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
}
