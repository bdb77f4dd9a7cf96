import { DatabaseError, WarmpoolError } from '../errors.js';
import { transactionStart } from '../transports/common.js';
import type { Connection, Row, RunOptions, TransactionOptions } from '../transports/types.js';
import type { Executor } from './execute.js';
import { SqlQuery, UnsafeFragment, checkParams, checkText, isTemplateCall, statementFromTemplate } from './query.js';
import type { InvocationScope } from './scope.js';

export interface InteractiveTransactionOptions extends TransactionOptions {
  /**
   * How many times to run `fn` again after a serialization failure or deadlock (40001, 40P01) or
   * a connection lost before COMMIT. Only safe when `fn` has no effects outside the database.
   * Default 0.
   */
  retries?: number;
}

type DeadlineRunner = (work: (run: RunOptions) => Promise<Row[]>) => Promise<Row[]>;

/** The handle a transaction callback gets: the same query API, bound to one connection. */
export class Transaction {
  #connection: Connection;
  #run: DeadlineRunner;
  #open = true;

  constructor(connection: Connection, withDeadline: DeadlineRunner) {
    this.#connection = connection;
    this.#run = withDeadline;
  }

  readonly sql = <T extends Row = Row>(strings: TemplateStringsArray, ...values: unknown[]): SqlQuery<T> => {
    if (!isTemplateCall(strings)) throw notTemplate();
    return new SqlQuery<T>(this.#runner, statementFromTemplate(strings, values));
  };

  query<T extends Row = Row>(text: string, params: readonly unknown[] = []): SqlQuery<T> {
    checkText(text);
    checkParams(params);
    return new SqlQuery<T>(this.#runner, { text, params });
  }

  unsafe(text: string): UnsafeFragment {
    return new UnsafeFragment(text);
  }

  close(): void {
    this.#open = false;
  }

  #runner = async (statement: { text: string; params: readonly unknown[] }): Promise<Row[]> => {
    if (!this.#open) {
      throw new WarmpoolError('INVALID_QUERY', 'This transaction has already finished; run queries inside the callback and await them.', { notApplied: true });
    }
    try {
      return await this.#run((run) => this.#connection.run(statement, run).then((r) => r.rows));
    } catch (err) {
      // COMMIT has not been sent yet, so a lost connection means the transaction did not commit.
      if (err instanceof WarmpoolError && err.code === 'CONNECTION_LOST') {
        throw new WarmpoolError('CONNECTION_LOST', `${err.message} The transaction did not commit.`, { cause: err, notApplied: true, sqlState: err.sqlState });
      }
      throw err;
    }
  };
}

export function notTemplate(): WarmpoolError {
  return new WarmpoolError('INVALID_QUERY', 'sql must be used as a tagged template: sql`select * from t where id = ${id}`. For SQL in a string use query(text, params).', { notApplied: true });
}

const RETRYABLE_STATES = new Set(['40001', '40P01']);

/**
 * Runs `fn` inside BEGIN … COMMIT on one connection. Whatever ends it without COMMIT (the callback
 * throws, the deadline passes) leaves the transaction open, and the release rule rolls it back or
 * closes the connection before the lease is returned: so an error before COMMIT was sent is
 * `notApplied`, and only a COMMIT whose answer was lost is OUTCOME_UNKNOWN.
 */
export async function runTransaction<T>(
  executor: Executor,
  scope: InvocationScope | undefined,
  fn: (tx: Transaction) => PromiseLike<T>,
  options: InteractiveTransactionOptions,
): Promise<T> {
  if (scope) scope.metrics.queries++;
  for (let attempt = 0; ; attempt++) {
    const lease = await executor.acquire(scope);
    const connection = lease.connection;
    const run = <R>(work: (run: RunOptions) => Promise<R>) => executor.withDeadline(scope, work, true);
    const tx = new Transaction(connection, run);
    try {
      await run((limits) => connection.run({ text: transactionStart(options), params: [] }, limits)).catch((err) => {
        throw beginError(err);
      });
      let result: T;
      try {
        result = await fn(tx);
      } finally {
        tx.close();
      }
      const commit = await executor.withDeadline(scope, (limits) => connection.run({ text: 'commit', params: [] }, limits)).catch((err) => {
        throw commitError(err);
      });
      if (commit.command === 'ROLLBACK') {
        throw new WarmpoolError('TRANSACTION_ROLLED_BACK', 'A statement inside the transaction failed, so COMMIT rolled it back. Let errors inside the callback propagate.', { notApplied: true });
      }
      lease.uses++;
      return result;
    } catch (err) {
      if (attempt < (options.retries ?? 0) && isRetryable(err)) continue;
      throw err;
    } finally {
      // The release rule rolls back anything left open, within its own budget.
      await executor.release(scope, lease, connection.dead);
    }
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof DatabaseError) return RETRYABLE_STATES.has(err.code);
  return err instanceof WarmpoolError && err.code === 'CONNECTION_LOST' && err.notApplied;
}

/** A connection lost during BEGIN: the transaction never started, so nothing of it applied. */
function beginError(err: unknown): unknown {
  if (err instanceof WarmpoolError && err.code === 'CONNECTION_LOST' && !err.notApplied) {
    return new WarmpoolError('CONNECTION_LOST', `${err.message} The transaction did not start.`, { cause: err, notApplied: true, sqlState: err.sqlState });
  }
  return err;
}

function commitError(err: unknown): unknown {
  if (!(err instanceof WarmpoolError) || err instanceof DatabaseError) return err;
  if (err.notApplied) {
    // COMMIT was refused at the deadline, found its connection closed, or was cancelled: nothing committed.
    return new WarmpoolError(err.code, `${err.message} The transaction did not commit.`, { cause: err, notApplied: true, sqlState: err.sqlState });
  }
  if (err.code === 'CONNECTION_LOST') {
    return new WarmpoolError('OUTCOME_UNKNOWN', 'The connection was lost while COMMIT was in flight, so whether the transaction committed is unknown.', { cause: err, sqlState: err.sqlState });
  }
  return err;
}
