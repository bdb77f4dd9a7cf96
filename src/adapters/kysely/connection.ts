/**
 * A Kysely connection on a warmpool pool. It is a session, as on `pg`: on TCP and WebSocket it
 * takes a connection with `pool.reserve()` at its first statement and gives it back at release,
 * so what Kysely runs on one connection (its Migrator's session advisory lock, then the
 * migration's transaction) shares one server session. The HTTP transport has no sessions: each
 * statement is one `pool.query`, and transactions, streaming and the abort strategies are refused
 * with NOT_SUPPORTED_ON_TRANSPORT. Streaming is stream.ts.
 *
 * Every statement, BEGIN, COMMIT and ROLLBACK included, goes through `executeQuery`, which Kysely
 * wraps with its `log`. The driver marks its transaction control with `controlQuery` so that a
 * lost connection is reported by what it means for the transaction.
 */
import { CompiledQuery, type DatabaseConnection, type QueryId, type QueryResult } from 'kysely';
import { WarmpoolError } from '../../errors.js';
import { outcome } from '../../pool/outcome.js';
import type { Pool } from '../../pool/pool.js';
import type { Result } from '../../pool/query.js';
import type { ReservedConnection } from '../../pool/reserved.js';
import type { Row } from '../../transports/types.js';
import { checkChunkSize, streamFromCursor, streamFromPortal } from './stream.js';
import { KYSELY_TEXT_TYPES, mapRows, toParams } from './values.js';

const QUERY_OPTIONS = { textTypes: KYSELY_TEXT_TYPES };
const COUNTED = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

export type Control = 'begin' | 'commit' | 'rollback';
const CONTROL = new WeakMap<CompiledQuery, Control>();

/** A statement of transaction control, known as such when it reaches `executeQuery`. */
export function controlQuery(control: Control, text: string): CompiledQuery {
  const query = CompiledQuery.raw(text);
  CONTROL.set(query, control);
  return query;
}

/** Kysely's `ControlConnectionProvider` (0.29), declared here so the adapter also builds on 0.28. */
type ControlConnectionProvider = (consumer: (connection: DatabaseConnection) => Promise<void>) => Promise<void>;

export class WarmpoolConnection implements DatabaseConnection {
  #pool: Pool;
  #sessions: boolean;
  #reserved: Promise<ReservedConnection> | undefined;
  #inTransaction = false;
  /** The backend's process id, read by `collectSessionInfo` for the abort strategies. */
  #pid: number | undefined;
  /** The query in flight: an abort that comes late must not cancel the next one. */
  #queryId: QueryId | undefined;

  constructor(pool: Pool, sessions: boolean) {
    this.#pool = pool;
    this.#sessions = sessions;
  }

  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    this.#queryId = compiledQuery.queryId;
    try {
      const result = await this.#execute(CONTROL.get(compiledQuery), compiledQuery.sql, toParams(compiledQuery.parameters));
      // As pg's driver in Kysely: the tag tells a COMMIT that the server turned into a rollback.
      if (result.command === 'COMMIT' || result.command === 'ROLLBACK') return { rows: [{ command: result.command } as R] };
      mapRows(result, result.columns);
      return {
        numAffectedRows: COUNTED.has(result.command) ? BigInt(result.count) : undefined,
        rows: [...result] as R[],
      };
    } finally {
      if (this.#queryId === compiledQuery.queryId) this.#queryId = undefined;
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    this.#needSession('Streaming reads from a cursor, which');
    this.#queryId = compiledQuery.queryId;
    try {
      checkChunkSize(chunkSize);
      this.#reserved ??= this.#pool.reserve();
      const batches = (await this.#reserved).stream(compiledQuery.sql, toParams(compiledQuery.parameters), QUERY_OPTIONS, chunkSize);
      if (batches) {
        try {
          return yield* streamFromPortal<R>(batches);
        } catch (err) {
          // As #run: lost inside a transaction, before COMMIT was sent, the server rolls it back.
          if (this.#inTransaction && err instanceof WarmpoolError && isLoss(err)) throw notApplied(err, 'The transaction did not commit.');
          throw err;
        }
      }
      yield* streamFromCursor<R>(compiledQuery, chunkSize, {
        transport: this.#pool.stats().transport,
        inTransaction: this.#inTransaction,
        run: (text, params, control) => this.#execute(control, text, params),
      });
    } finally {
      if (this.#queryId === compiledQuery.queryId) this.#queryId = undefined;
    }
  }

  /** Reads the backend's process id, which `cancelQuery` and `killSession` signal. */
  async collectSessionInfo(): Promise<void> {
    this.#needSession('Kysely\'s inflightQueryAbortStrategy \'cancel query\' or \'kill session\' signals the server process of the session, which');
    if (this.#pid !== undefined) return;
    const [row] = await this.#run('select pg_backend_pid() as pid', []);
    this.#pid = Number(row.pid);
  }

  /** `'cancel query'`: pg_cancel_backend on another connection of the pool (so it needs max ≥ 2). */
  async cancelQuery(controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    await this.#signalBackend('pg_cancel_backend', controlConnectionProvider);
  }

  /** `'kill session'`: pg_terminate_backend; the pool then discards the connection it ended. */
  async killSession(controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    await this.#signalBackend('pg_terminate_backend', controlConnectionProvider);
  }

  /** Settles once the connection is back in the pool, its session reset if Kysely's statements changed it. */
  async release(): Promise<void> {
    const reserved = this.#reserved;
    this.#reserved = undefined;
    this.#inTransaction = false;
    this.#pid = undefined;
    // A reservation that failed has nothing to give back.
    await reserved?.then((conn) => conn.release(), () => {});
  }

  async #signalBackend(fn: string, controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    const target = this.#queryId;
    const pid = this.#pid;
    if (target === undefined || pid === undefined) return;
    await controlConnectionProvider(async (control) => {
      // By the time a connection is free the query may have ended, and another begun.
      if (this.#queryId?.queryId !== target.queryId) return;
      await control.executeQuery(CompiledQuery.raw(`select ${fn}($1)`, [pid]));
    });
  }

  /** Runs a statement and keeps track of the transaction the driver's control statements open and close. */
  async #execute(control: Control | undefined, text: string, params: readonly unknown[]): Promise<Result<Row>> {
    if (control === 'begin') {
      this.#needSession('An interactive transaction', ' Kysely\'s Migrator runs over http with disableTransactions: true: each migration then runs without a transaction, and its lock is not held across statements, so run one migrator at a time.');
      const result = await this.#run(text, params).catch((err) => {
        throw notApplied(err, 'The transaction did not start.');
      });
      this.#inTransaction = true;
      return result;
    }
    if (control === undefined) return await this.#run(text, params);
    // COMMIT and ROLLBACK end the transaction whatever their answer.
    this.#inTransaction = false;
    return await this.#run(text, params).catch((err) => {
      throw control === 'commit' ? where(err, 'commit') : err;
    });
  }

  async #run(text: string, params: readonly unknown[]): Promise<Result<Row>> {
    if (!this.#sessions) return await this.#pool.query(text, params, QUERY_OPTIONS);
    this.#reserved ??= this.#pool.reserve();
    const conn = await this.#reserved;
    try {
      return await conn.query(text, params, QUERY_OPTIONS);
    } catch (err) {
      // Lost before COMMIT was sent: the server rolls the transaction back.
      throw this.#inTransaction ? where(err, 'before-commit') : err;
    }
  }

  #needSession(what: string, more = ''): void {
    if (!this.#sessions) {
      throw new WarmpoolError('NOT_SUPPORTED_ON_TRANSPORT', `${what} needs a connection held across round trips, which the http transport does not have. Use transport 'websocket' (or TCP where the runtime has it).${more}`, { notApplied: true });
    }
  }
}

function isLoss(err: WarmpoolError): boolean {
  return err.code === 'OUTCOME_UNKNOWN' || err.code === 'CONNECTION_LOST';
}

/** A loss the reserved connection reported as OUTCOME_UNKNOWN, read by where the transaction stood. */
function where(err: unknown, stage: 'before-commit' | 'commit'): unknown {
  if (!(err instanceof WarmpoolError) || err.code !== 'OUTCOME_UNKNOWN') return outcome(err, stage);
  return outcome(new WarmpoolError('CONNECTION_LOST', 'The connection was lost.', { cause: err, sqlState: err.sqlState }), stage);
}

function notApplied(err: unknown, sentence: string): unknown {
  if (!(err instanceof WarmpoolError) || !isLoss(err) || err.notApplied) return err;
  return new WarmpoolError('CONNECTION_LOST', `The connection was lost. ${sentence}`, { cause: err, notApplied: true, sqlState: err.sqlState });
}
