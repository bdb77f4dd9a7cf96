/**
 * `db.reserve()`: one connection held across statements (session settings, temporary tables,
 * advisory locks) until `release()`, which resets what it changed in its session before the pool
 * hands it on (session-state.ts says what is seen). Its
 * statements run under the deadline of the invocation running them (a handle made at module scope
 * too), and a handle not released by the end of the invocation that made it is evicted like any
 * leaked lease. Nothing is retried on another connection, since the session's state would be lost.
 */
import { WarmpoolError } from '../errors.js';
import type { Row, Statement } from '../transports/types.js';
import type { Lease } from './connections.js';
import type { Executor } from './execute.js';
import { type Result, toResult } from './query.js';
import { outcome } from './outcome.js';
import { QueryApi, statementOf } from './query-api.js';
import type { InvocationScope } from './scope.js';

export class ReservedConnection extends QueryApi {
  #executor: Executor;
  #scope: InvocationScope | undefined;
  #lease: Lease;
  #released = false;
  /** Statements in flight: the connection goes back only once they have settled. */
  #inFlight = 0;
  #returned = false;
  /** Settles once the connection is back in the pool or closed. */
  #back: Promise<void>;
  #backResolve!: () => void;

  constructor(executor: Executor, scope: InvocationScope | undefined, lease: Lease) {
    super();
    this.#executor = executor;
    this.#scope = scope;
    this.#lease = lease;
    this.#back = new Promise((resolve) => (this.#backResolve = resolve));
  }

  /**
   * The rows of one statement in batches of at most `rowsPerBatch`, through a row-limited portal
   * (any statement, DML ... returning too), for the adapters' streaming; undefined where the
   * transport has no such portal. The invocation deadline covers the whole stream; release waits
   * for its end. While it is open, other statements on this connection are refused.
   */
  stream(text: string, params: readonly unknown[], options: { textTypes?: readonly number[] }, rowsPerBatch: number): AsyncIterableIterator<Result<Row>> | undefined {
    if (!this.#lease.connection.stream) return undefined;
    return this.#streamed(statementOf(text, params, options), rowsPerBatch);
  }

  async *#streamed(statement: Statement, rowsPerBatch: number): AsyncGenerator<Result<Row>, void, undefined> {
    if (this.#released) {
      throw new WarmpoolError('INVALID_QUERY', 'This reserved connection was released; reserve another with db.reserve().', { notApplied: true });
    }
    this.#inFlight++;
    try {
      const scope = this.#scope ?? this.#executor.currentScope();
      const connection = this.#lease.connection;
      const batches = this.#executor.streamWithDeadline(scope, (run) => connection.stream!(statement, rowsPerBatch, run));
      try {
        for await (const batch of batches) yield toResult(batch) as Result<Row>;
      } catch (err) {
        throw outcome(err, 'reserved');
      }
      this.#lease.uses++;
    } finally {
      if (--this.#inFlight === 0 && this.#released) this.#return();
    }
  }

  /**
   * Gives the connection back to the pool after statements in flight settle, resetting its
   * session (one round trip) when a statement changed it; later calls do nothing. The promise settles
   * once the connection is back (or closed); it never rejects.
   */
  release(): Promise<void> {
    this.#released = true;
    if (this.#inFlight === 0) this.#return();
    return this.#back;
  }

  #return(): void {
    if (this.#returned) return;
    this.#returned = true;
    const connection = this.#lease.connection;
    Promise.resolve(this.#executor.release(this.#scope, this.#lease, connection.dead)).then(this.#backResolve, this.#backResolve);
  }

  protected unsentQueries(): undefined {
    return undefined;
  }

  protected async runStatement(statement: Statement): Promise<unknown[]> {
    if (this.#released) {
      throw new WarmpoolError('INVALID_QUERY', 'This reserved connection was released; reserve another with db.reserve().', { notApplied: true });
    }
    this.#inFlight++;
    try {
      const scope = this.#scope ?? this.#executor.currentScope();
      const result = await this.#executor.withDeadline(scope, (run) => this.#lease.connection.run(statement, run));
      this.#lease.uses++;
      return toResult(result);
    } catch (err) {
      throw outcome(err, 'reserved');
    } finally {
      if (--this.#inFlight === 0 && this.#released) this.#return();
    }
  }
}

/** Acquires a live connection and holds it for a ReservedConnection. */
export async function reserve(executor: Executor, scope: InvocationScope | undefined): Promise<ReservedConnection> {
  if (scope) scope.metrics.queries++;
  for (let attempt = 0; ; attempt++) {
    const lease = await executor.acquire(scope);
    if (lease.connection.dead && attempt < 2) {
      // Found closed before anything was sent: another connection is as good.
      void executor.release(scope, lease, true);
      continue;
    }
    executor.hold(scope, lease);
    return new ReservedConnection(executor, scope, lease);
  }
}
