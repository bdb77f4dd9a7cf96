/**
 * Runs work on a pooled connection under the retry rules:
 * - work that certainly had no effect (`notApplied`: never sent, or its COMMIT never sent) after a
 *   lost connection is sent again on a fresh connection;
 * - work that may have reached the server is sent again only when the caller marked it
 *   idempotent; otherwise it fails with OUTCOME_UNKNOWN, so a write never runs twice;
 * - a deadline or query timeout cancels the statement on the server.
 */
import { WarmpoolError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { isDrainState } from '../sqlstate.js';
import { runReadOnly } from '../transports/common.js';
import type { Connection, RunOptions, Statement, StatementResult } from '../transports/types.js';
import type { ConnectionSet, Lease } from './connections.js';
import { type ObservedOperation, type PoolObserver, endWhenSettled } from './observer.js';
import { outcome } from './outcome.js';
import { type InvocationScope, addLease, removeLease } from './scope.js';
import { currentTransaction } from './transaction-context.js';

/** `run`: the deadline (and when to give up on a cancel) for the transport to enforce. */
export type Work<T> = (connection: Connection, run: RunOptions) => Promise<T>;

const MAX_NOT_APPLIED_RETRIES = 2;

/** What a statement runs under, passed to the transport as it is. */
interface Limits extends RunOptions {
  /** What passing `deadline` is called: the invocation deadline or the query timeout. */
  code: 'DEADLINE_EXCEEDED' | 'QUERY_TIMEOUT';
}

/** No deadline and no query timeout: outside an invocation with the default options. */
const NO_LIMITS: Limits = Object.freeze({ code: 'DEADLINE_EXCEEDED' });

/** The least time a cancel gets to be confirmed, even with a deadline margin near 0. */
const MIN_CANCEL_GRACE_MS = 100;

export class Executor {
  /** Set by `instrument` (warmpool/otel); while undefined an operation costs one check. */
  observer: PoolObserver | undefined;
  #set: ConnectionSet;
  #options: ResolvedOptions;
  #scope: () => InvocationScope | undefined;
  /**
   * Leases held across statements (transactions, reserved handles), by who holds them: the
   * invocation scope, or outside an invocation the transaction itself (transaction-context.ts).
   */
  #held = new Map<Lease, object>();

  constructor(set: ConnectionSet, options: ResolvedOptions, scope: () => InvocationScope | undefined) {
    this.#set = set;
    this.#options = options;
    this.#scope = scope;
  }

  /**
   * Acquires, runs `work` under the deadline, releases; retries by the rules above. `what` is
   * shown to an observer. `map` turns the result into what the caller gives (in the same step: a
   * wrapping async function would cost a promise per statement).
   */
  run<T, R = T>(work: Work<T>, idempotent: boolean, what?: Statement | readonly Statement[], map?: (result: T) => R): Promise<R> {
    const observer = this.observer;
    if (!observer || !what) return this.#run(work, idempotent, undefined, map, undefined);
    const operation = Array.isArray(what) ? observer.batch(what) : observer.statement(what as Statement);
    return endWhenSettled(operation, this.#run(work, idempotent, operation, map, undefined));
  }

  /** One statement on its own (`run` of `connection.run(statement)`); after an idle gap a read carries the probe itself. */
  runStatement<R>(statement: Statement, idempotent: boolean, map: (result: StatementResult) => R): Promise<R> {
    const work: Work<StatementResult> = (connection, run) => connection.run(statement, run);
    const observer = this.observer;
    if (!observer) return this.#run(work, idempotent, undefined, map, statement);
    const operation = observer.statement(statement);
    return endWhenSettled(operation, this.#run(work, idempotent, operation, map, statement));
  }

  /** The invocation running now, if any. */
  currentScope(): InvocationScope | undefined {
    return this.#scope();
  }

  async #run<T, R>(work: Work<T>, idempotent: boolean, operation: ObservedOperation | undefined, map: ((result: T) => R) | undefined, single: Statement | undefined): Promise<R> {
    const scope = this.#scope();
    if (scope) scope.metrics.queries++;
    let maybeAppliedRetries = 0;
    for (let attempt = 0; ; attempt++) {
      const acquired = this.acquire(scope, single);
      const lease = acquired instanceof Promise ? await acquired : acquired;
      const probe = lease.probe === true;
      lease.probe = false;
      operation?.acquired();
      let discard = false;
      try {
        if (lease.connection.dead) {
          // Found dead before anything was written: replacing it is always safe.
          this.#set.counters.reconnects++;
          const by = lease.connection.closedBy;
          throw new WarmpoolError('CONNECTION_LOST', `The connection was found closed before use${by ? `: ${by.message}` : ''}.`, { notApplied: true, sqlState: by?.code });
        }
        // withDeadline inline: its .catch would cost a promise per statement.
        const limits = this.#limits(scope);
        let result: T;
        try {
          result = probe ? await runReadOnly(lease.connection, single!, limits, this.#options.pingTimeoutMs) as T : await work(lease.connection, limits);
        } catch (err) {
          throw limits === NO_LIMITS ? err : deadlineError(err, limits.code, this.#options.queryTimeoutMs, false);
        }
        lease.uses++;
        return map ? map(result) : (result as unknown as R);
      } catch (err) {
        discard = lease.connection.dead;
        const error = this.#afterFailure(err);
        if (probe && isConnectionLoss(error)) this.#set.counters.validationFailures++;
        // A statement refused because its prepared form went stale (DDL) is sent again on a new session.
        const retry = (isConnectionLoss(error) || error.code === 'STALE_STATEMENT') && (error.notApplied
          ? attempt < MAX_NOT_APPLIED_RETRIES
          : idempotent && maybeAppliedRetries++ < 1);
        if (!retry) throw this.#outcome(error, idempotent);
        this.#set.counters.retries++;
        if (scope) scope.metrics.retries++;
        const reason = error.sqlState ?? error.code;
        operation?.retry(reason, attempt + 1);
        this.#options.onEvent?.({ type: 'retry', reason, attempt: attempt + 1 });
      } finally {
        const releasing = this.release(scope, lease, discard);
        if (releasing) await releasing;
      }
    }
  }

  /** A lease now when a warm connection is free (the common case), else a promise of one. */
  acquire(scope: InvocationScope | undefined, single?: Statement | true): Lease | Promise<Lease> {
    if (this.#held.size > 0) {
      const holder = scope ?? currentTransaction();
      if (holder) this.#refuseSelfWait(holder);
    }
    const acquired = this.#set.acquire(scope?.deadline ?? Infinity, single);
    if (!scope) return acquired;
    if (!(acquired instanceof Promise)) return this.#enter(scope, acquired, 0);
    const started = Date.now();
    return acquired.then((lease) => this.#enter(scope, lease, Date.now() - started));
  }

  #enter(scope: InvocationScope, lease: Lease, waitedMs: number): Lease {
    addLease(scope, lease);
    scope.metrics.acquireWaitMs += waitedMs;
    if (lease.uses === 0) scope.metrics.newConnections++;
    else scope.metrics.reusedConnections++;
    return lease;
  }

  /** Marks a lease held across statements by `holder` (its invocation, or the transaction) until released. */
  hold(holder: object | undefined, lease: Lease): void {
    if (holder) this.#held.set(lease, holder);
  }

  /**
   * Refuses at once a call that would queue while every connection is held by this invocation's
   * transactions or reserved handles (or, outside an invocation, by the transaction the call is
   * made inside): awaited inside one of them it would wait for ever. Inside an invocation only its
   * own holds count, without AsyncLocalStorage (it slows every promise): other callers may
   * release connections, and a call from inside or beside a transaction look alike.
   */
  #refuseSelfWait(holder: object): void {
    const { idle, open, busy, connecting } = this.#set.size;
    if (idle > 0 || connecting > 0 || open < this.#options.max) return;
    let mine = 0;
    for (const [lease, by] of this.#held) {
      // A lease the end of its invocation evicted (a leaked reserved handle) is no longer held.
      if ('leases' in by && !(by as InvocationScope).leases.includes(lease)) this.#held.delete(lease);
      else if (by === holder) mine++;
    }
    // Slots held by connections still closing come free without anyone releasing them.
    if (mine === 0 || mine < busy) return;
    throw new WarmpoolError(
      'POOL_HELD_BY_TRANSACTION',
      `Every connection of the pool (max ${this.#options.max}) is held by this invocation's transaction or reserved connection, so this call could only wait for it to end. Inside db.transaction use tx.sql / tx.query; otherwise run the call after the transaction ends, or raise max.`,
      { notApplied: true },
    );
  }

  /** The release rule (ConnectionSet.release); a ROLLBACK it needs is bounded by the scope's abandon point. */
  release(scope: InvocationScope | undefined, lease: Lease, discard: boolean): void | Promise<void> {
    this.#held.delete(lease);
    if (scope) removeLease(scope, lease);
    return this.#set.release(lease, discard, scope ? abandonPoint(scope.deadline, scope.hardDeadline) : undefined);
  }

  /**
   * Runs `work` with the earlier of the invocation deadline and the query timeout; the transport
   * cancels the statement there. Its DEADLINE_EXCEEDED becomes QUERY_TIMEOUT when the query
   * timeout was the limit, and OUTCOME_UNKNOWN when the server did not confirm the cancel,
   * except `inTransaction` before COMMIT: that transaction is rolled back or its connection closed.
   */
  withDeadline<T>(scope: InvocationScope | undefined, work: (run: RunOptions) => Promise<T>, inTransaction = false): Promise<T> {
    let limits: Limits;
    try {
      limits = this.#limits(scope);
    } catch (err) {
      return Promise.reject(err);
    }
    if (limits === NO_LIMITS) return work(limits);
    return work(limits).catch((err) => {
      throw deadlineError(err, limits.code, this.#options.queryTimeoutMs, inTransaction);
    });
  }

  /**
   * `withDeadline` for a stream: the limits are set once, when it opens, for the whole stream,
   * and a failure of any batch is said in their terms.
   */
  async *streamWithDeadline<T>(scope: InvocationScope | undefined, open: (run: RunOptions) => AsyncIterator<T>): AsyncGenerator<T, void, undefined> {
    const limits = this.#limits(scope);
    const batches = open(limits);
    let done = false;
    try {
      for (;;) {
        let step: IteratorResult<T>;
        try {
          step = await batches.next();
        } catch (err) {
          done = true;
          throw limits === NO_LIMITS ? err : deadlineError(err, limits.code, this.#options.queryTimeoutMs, false);
        }
        if (step.done) return void (done = true);
        yield step.value;
      }
    } finally {
      // Stopped early: the transport ends what it opened.
      if (!done) await batches.return?.();
    }
  }

  /** The earlier of the invocation deadline and the query timeout; throws when it has passed already. */
  #limits(scope: InvocationScope | undefined): Limits {
    const deadline = scope?.deadline ?? Infinity;
    const queryTimeoutMs = this.#options.queryTimeoutMs;
    const now = Date.now();
    const limit = queryTimeoutMs > 0 ? Math.min(deadline, now + queryTimeoutMs) : deadline;
    if (limit === Infinity) return NO_LIMITS;
    const code = limit < deadline ? 'QUERY_TIMEOUT' : 'DEADLINE_EXCEEDED';
    if (limit <= now) throw new WarmpoolError(code, 'The invocation deadline passed before the statement was sent.', { notApplied: true });
    const hard = scope?.hardDeadline ?? Infinity;
    return { deadline: limit, abandonBy: hard === Infinity ? undefined : abandonPoint(limit, hard), code };
  }

  /** A transaction's connection whose BEGIN found it dead: closed, and counted as a failed validation. */
  probeFailed(scope: InvocationScope | undefined, lease: Lease): void | Promise<void> {
    this.#set.counters.validationFailures++;
    return this.release(scope, lease, true);
  }

  get pingTimeoutMs(): number {
    return this.#options.pingTimeoutMs;
  }

  /** Pool-wide reactions to a failure: a restart or failover signal drains idle connections. */
  #afterFailure(err: unknown): WarmpoolError {
    const error = err instanceof WarmpoolError ? err : new WarmpoolError('CONNECTION_LOST', String(err), { cause: err });
    if (isDrainState(error.sqlState)) this.#set.drain(`server signalled ${error.sqlState}`);
    return error;
  }

  #outcome(error: WarmpoolError, idempotent: boolean): unknown {
    const result = outcome(error, 'statement', idempotent);
    if (result instanceof WarmpoolError && result.code === 'OUTCOME_UNKNOWN') this.#set.counters.outcomeUnknown++;
    return result;
  }
}

export function isConnectionLoss(error: WarmpoolError): boolean {
  return error.code === 'CONNECTION_LOST';
}

/**
 * When an unconfirmed cancel is given up: halfway between the deadline and Lambda's own timeout,
 * so the handler still returns before Lambda kills the container; a cancel needs a few ms at least.
 */
function abandonPoint(deadline: number, hardDeadline: number): number | undefined {
  return hardDeadline === Infinity ? undefined : deadline + Math.max(MIN_CANCEL_GRACE_MS, (hardDeadline - deadline) / 2);
}

/** A transport's DEADLINE_EXCEEDED, said in terms of the limit that was reached; any other error as it is. */
function deadlineError(err: unknown, code: Limits['code'], queryTimeoutMs: number, inTransaction: boolean): unknown {
  return err instanceof WarmpoolError && err.code === 'DEADLINE_EXCEEDED' ? timeoutError(err, code, queryTimeoutMs, inTransaction) : err;
}

function timeoutError(err: WarmpoolError, code: Limits['code'], queryTimeoutMs: number, inTransaction: boolean): WarmpoolError {
  const what = code === 'DEADLINE_EXCEEDED' ? 'the invocation deadline' : `queryTimeoutMs (${queryTimeoutMs} ms)`;
  if (err.notApplied) {
    return new WarmpoolError(code, `The statement was cancelled on the server at ${what}.`, { cause: err, notApplied: true });
  }
  if (inTransaction) {
    return new WarmpoolError(code, `The statement passed ${what}, so the transaction did not commit: it is rolled back, or its connection closed.`, { cause: err, notApplied: true });
  }
  return new WarmpoolError('OUTCOME_UNKNOWN', `The statement passed ${what}; the server did not confirm the cancel, so the connection was closed and whether it took effect is unknown.`, { cause: err });
}
