import { DatabaseError, WarmpoolError } from '../errors.js';
import { isRetryableTransactionState } from '../sqlstate.js';
import { runAfterBegin, runAfterProbingBegin, transactionStart } from '../transports/common.js';
import type { Connection, RunOptions, Statement, StatementResult, TransactionOptions } from '../transports/types.js';
import type { Executor } from './execute.js';
import { type ObservedOperation, type PoolObserver, endWhenSettled } from './observer.js';
import { outcome } from './outcome.js';
import { toResult, type UnsentQueries } from './query.js';
import { QueryApi } from './query-api.js';
import type { InvocationScope } from './scope.js';
import { insideTransaction } from './transaction-context.js';

export interface InteractiveTransactionOptions extends TransactionOptions {
  /**
   * How many times to run `fn` again after a serialization failure or deadlock (40001, 40P01), a
   * connection lost before COMMIT, or a statement prepared before a schema change
   * (STALE_STATEMENT). Only safe when `fn` has no effects outside the database.
   * Default 0.
   */
  retries?: number;
}

/** How a transaction replaces a connection its BEGIN found dead (see Shared.replace). */
interface Replacer {
  probeTimeoutMs: number;
  connection(): Promise<Connection>;
}

type DeadlineRunner = (work: (run: RunOptions) => Promise<StatementResult>) => Promise<StatementResult>;

/** What a transaction and the handles of its savepoints share. */
interface Shared {
  connection: Connection;
  run: DeadlineRunner;
  open: boolean;
  unsent: UnsentQueries;
  /** Savepoints made, for unique names. */
  savepoints: number;
  /** How many savepoints are open now, one inside the other. */
  depth: number;
  observer: PoolObserver | undefined;
  operation: ObservedOperation | undefined;
  /** BEGIN, until the first statement takes it along (runAfterBegin); a callback that sends nothing sends no BEGIN either. */
  begin: Statement | undefined;
  /**
   * Set when the connection is due for validation and BEGIN is its probe: replaces a connection
   * BEGIN found dead (the first statement is then sent again on the new one: nothing of it was
   * seen by the callback, nothing of it committed). Statements sent meanwhile wait (`probing`).
   */
  replace: Replacer | undefined;
  probing: Promise<void> | undefined;
}

/**
 * The handle a transaction callback gets: the same query API, bound to one connection. A
 * savepoint's callback gets a handle of its own, one level deeper, on which to nest further.
 */
export class Transaction extends QueryApi {
  #shared: Shared;
  /** The savepoint depth this handle makes savepoints at: 0 for the transaction's own. */
  #level: number;

  constructor(connection: Connection, withDeadline: DeadlineRunner, observer?: PoolObserver, operation?: ObservedOperation, parent?: Transaction, begin?: Statement, replace?: Shared['replace']) {
    super();
    this.#shared = parent ? parent.#shared : { connection, run: withDeadline, open: true, unsent: new Set(), savepoints: 0, depth: 0, observer, operation, begin, replace, probing: undefined };
    this.#level = parent ? parent.#level + 1 : 0;
  }

  /**
   * Runs `fn` inside SAVEPOINT ... RELEASE SAVEPOINT; when it throws, ROLLBACK TO SAVEPOINT undoes
   * only its work and the error propagates. `fn` gets a handle to nest further savepoints on.
   * One savepoint at a time per level: a second one while another is open would run inside it
   * and be undone by its rollback, so it is refused at once (CONCURRENT_SAVEPOINT).
   */
  async savepoint<T>(fn: (tx: Transaction) => PromiseLike<T>): Promise<T> {
    if (typeof fn !== 'function') {
      throw new WarmpoolError('INVALID_QUERY', 'savepoint expects a function: tx.savepoint(async (tx) => { … }).', { notApplied: true });
    }
    const shared = this.#shared;
    if (shared.depth !== this.#level) {
      throw new WarmpoolError(
        'CONCURRENT_SAVEPOINT',
        shared.depth > this.#level
          ? 'Another savepoint is open on this transaction, so this one would run inside it and be undone with it. Await savepoints one by one (not with Promise.all); to nest, call savepoint on the handle the open savepoint\'s callback received.'
          : 'This savepoint handle belongs to a savepoint that has ended; use the transaction handle.',
        { notApplied: true },
      );
    }
    const name = `warmpool_sp_${++shared.savepoints}`;
    shared.depth++;
    try {
      await this.runStatement({ text: `savepoint ${name}`, params: [] });
      let result: T;
      try {
        result = await fn(new Transaction(shared.connection, shared.run, undefined, undefined, this));
        this.#refuseUnsent();
      } catch (err) {
        if (!shared.connection.dead && shared.open) await this.runStatement({ text: `rollback to savepoint ${name}`, params: [] }).catch(() => {});
        throw err;
      }
      await this.runStatement({ text: `release savepoint ${name}`, params: [] });
      return result;
    } finally {
      shared.depth = this.#level;
    }
  }

  close(): void {
    this.#shared.open = false;
  }

  /** Whether BEGIN was sent: a callback that ran no statement has no transaction to commit. */
  get begun(): boolean {
    return this.#shared.begin === undefined;
  }

  /** Throws when a query made on this transaction was never awaited (it would never be sent). */
  #refuseUnsent(): void {
    const unsent = this.#shared.unsent;
    const [first] = unsent;
    if (!first) return;
    unsent.clear();
    const text = first.statement.text.replace(/\s+/g, ' ').trim();
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new WarmpoolError('QUERY_NOT_AWAITED', `A query made on the transaction was never awaited, so it was never sent: "${shown}". Await every tx query inside the callback (or pass it to Promise.all); the transaction was rolled back.`, { notApplied: true });
  }

  /** Called when the callback has settled successfully; see #refuseUnsent. */
  checkAllSent(): void {
    this.#refuseUnsent();
  }

  protected unsentQueries(): UnsentQueries {
    return this.#shared.unsent;
  }

  protected runStatement(statement: Statement): Promise<unknown[]> {
    const observed = this.#shared.observer?.statement(statement, this.#shared.operation);
    if (!observed) return this.#run(statement);
    return endWhenSettled(observed, this.#run(statement));
  }

  async #run(statement: Statement): Promise<unknown[]> {
    if (!this.#shared.open) {
      throw new WarmpoolError('INVALID_QUERY', 'This transaction has already finished; run queries inside the callback and await them.', { notApplied: true });
    }
    const shared = this.#shared;
    try {
      if (shared.probing) await shared.probing;
      const { run, connection, begin, replace } = shared;
      if (!begin) return toResult(await run((limits) => connection.run(statement, limits)));
      shared.begin = undefined;
      if (!replace) return toResult(await run((limits) => runAfterBegin(connection, begin, [statement], limits).then(firstResult)));
      shared.replace = undefined;
      const first = run((limits) => this.#probe(replace, connection, begin, statement, limits));
      shared.probing = first.then(() => {}, () => {});
      return toResult(await first);
    } catch (err) {
      // COMMIT has not been sent yet.
      throw outcome(err, 'before-commit');
    }
  }

  /** The first statement with BEGIN as the probe; on a connection found dead, once more on a new one. */
  async #probe(replace: Replacer, connection: Connection, begin: Statement, statement: Statement, limits: RunOptions): Promise<StatementResult> {
    try {
      return firstResult(await runAfterProbingBegin(connection, begin, [statement], limits, replace.probeTimeoutMs));
    } catch (err) {
      // Lost before COMMIT: nothing committed, and the callback has seen nothing of it yet.
      if (!(err instanceof WarmpoolError) || err.code !== 'CONNECTION_LOST') throw err;
      const fresh = await replace.connection();
      this.#shared.connection = fresh;
      return firstResult(await runAfterBegin(fresh, begin, [statement], limits));
    }
  }
}

/**
 * Runs `fn` inside BEGIN … COMMIT on one connection. Whatever ends it without COMMIT (the callback
 * throws, the deadline passes) leaves the transaction open, and the release rule rolls it back or
 * closes the connection before the lease is returned: so an error before COMMIT was sent is
 * `notApplied`, and only a COMMIT whose answer was lost is OUTCOME_UNKNOWN.
 */
export function runTransaction<T>(
  executor: Executor,
  scope: InvocationScope | undefined,
  fn: (tx: Transaction) => PromiseLike<T>,
  options: InteractiveTransactionOptions,
): Promise<T> {
  const operation = executor.observer?.transaction(options);
  if (!operation) return attempts(executor, scope, fn, options, undefined);
  return endWhenSettled(operation, attempts(executor, scope, fn, options, operation));
}

async function attempts<T>(
  executor: Executor,
  scope: InvocationScope | undefined,
  fn: (tx: Transaction) => PromiseLike<T>,
  options: InteractiveTransactionOptions,
  operation: ObservedOperation | undefined,
): Promise<T> {
  const begin: Statement = { text: transactionStart(options), params: [] };
  if (scope) scope.metrics.queries++;
  for (let attempt = 0; ; attempt++) {
    // A connection due for validation is not pinged: BEGIN, sent with the first statement, is the probe.
    let lease = await executor.acquire(scope, true);
    // Outside an invocation the transaction itself is the holder its callback's pool calls are checked against.
    const holder = scope ?? {};
    executor.hold(holder, lease);
    operation?.acquired();
    let connection = lease.connection;
    const run = <R>(work: (run: RunOptions) => Promise<R>) => executor.withDeadline(scope, work, true);
    let replace: Replacer | undefined;
    if (lease.probe) {
      lease.probe = false;
      replace = {
        probeTimeoutMs: executor.pingTimeoutMs,
        connection: async () => {
          await executor.probeFailed(scope, lease);
          lease = await executor.acquire(scope);
          executor.hold(holder, lease);
          connection = lease.connection;
          return connection;
        },
      };
    }
    // BEGIN goes with the callback's first statement.
    const tx = new Transaction(connection, run, executor.observer, operation, undefined, begin, replace);
    try {
      let result: T;
      try {
        result = await (scope ? fn(tx) : insideTransaction(holder, () => fn(tx)));
        tx.checkAllSent();
      } finally {
        tx.close();
      }
      if (!tx.begun) {
        // Nothing was sent: a connection due for validation stays due.
        if (replace) lease.probe = true;
        return result;
      }
      const commit = await executor.withDeadline(scope, (limits) => connection.run({ text: 'commit', params: [] }, limits)).catch((err) => {
        throw outcome(err, 'commit');
      });
      if (commit.command === 'ROLLBACK') {
        throw new WarmpoolError('TRANSACTION_ROLLED_BACK', 'A statement inside the transaction failed, so COMMIT rolled it back. Let errors inside the callback propagate.', { notApplied: true });
      }
      lease.uses++;
      return result;
    } catch (err) {
      if (attempt < (options.retries ?? 0) && isRetryable(err)) {
        operation?.retry(retryReason(err), attempt + 1);
        continue;
      }
      throw err;
    } finally {
      // The release rule rolls back anything left open, within its own budget.
      await executor.release(scope, lease, connection.dead);
    }
  }
}

function firstResult(results: StatementResult[]): StatementResult {
  return results[0];
}

function retryReason(err: unknown): string {
  return err instanceof WarmpoolError ? (err.sqlState ?? err.code) : 'error';
}

function isRetryable(err: unknown): boolean {
  if (err instanceof DatabaseError) return isRetryableTransactionState(err.code);
  if (!(err instanceof WarmpoolError)) return false;
  // A statement prepared before a schema change: the transaction rolled back, its connection closed.
  return (err.code === 'CONNECTION_LOST' && err.notApplied) || err.code === 'STALE_STATEMENT';
}

