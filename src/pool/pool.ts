import { WarmpoolError } from '../errors.js';
import type { ResolvedOptions, TransportName } from '../options.js';
import type { Row, Statement, Transport, TransactionOptions } from '../transports/types.js';
import { ConnectionSet } from './connections.js';
import { Executor } from './execute.js';
import type { PoolObserver } from './observer.js';
import { LazyQuery, toResult, type QueryFlags, type UnsentQueries } from './query.js';
import { QueryApi } from './query-api.js';
import { type ReservedConnection, reserve } from './reserved.js';
import type { InvocationScope } from './scope.js';
import { type Counters, newCounters } from './stats.js';
import { type IdempotencyOptions, type KeyedTransactionOptions, isKeyed, runKeyedTransaction } from './idempotency.js';
import { runKeyedBatch } from './idempotency-batch.js';
import { type Transaction, runTransaction } from './transaction.js';

export interface PoolStats extends Counters {
  transport: TransportName;
  max: number;
  /** Server connections open or being opened right now. */
  open: number;
  idle: number;
  busy: number;
  connecting: number;
  /** Callers queued for a connection. */
  waiting: number;
}

/** What a batch resolves to: each entry's awaited result, in order (a tuple for a literal array). */
export type BatchResults<Q extends readonly LazyQuery<unknown>[]> = { -readonly [K in keyof Q]: Awaited<Q[K]> };

export interface BatchOptions extends TransactionOptions, Omit<IdempotencyOptions, 'idempotencyKey'> {
  /** Safe to send twice; a read-only batch always is. */
  idempotent?: boolean;
  /**
   * Applies the batch at most once for this key: the key commits with the batch. A call with a
   * key whose batch committed runs nothing and fails with ALREADY_APPLIED (`notApplied`): results
   * are not kept. Any string up to 512 characters.
   */
  idempotencyKey?: string;
}

/** What adapters (Lambda, Worker) need from a pool; not part of the public API. */
export interface PoolInternals {
  set: ConnectionSet;
  options: ResolvedOptions;
  useScope(source: () => InvocationScope | undefined): void;
  currentScope(): InvocationScope | undefined;
  /** Attaches (or with undefined detaches) an observer: operations, and the events after `onEvent`. */
  observe(observer: PoolObserver | undefined): void;
}

const internals = new WeakMap<Pool, PoolInternals>();

export function poolInternals(pool: Pool): PoolInternals {
  const found = internals.get(pool);
  if (!found) throw new WarmpoolError('INVALID_OPTION', 'Expected a pool made by createPool().');
  return found;
}

export class Pool extends QueryApi {
  #options: ResolvedOptions;
  #transport: Transport;
  #set: ConnectionSet;
  #executor: Executor;
  #scopeSource: () => InvocationScope | undefined = () => undefined;
  #onEnd: () => void;

  /** `transportFor`: the transport, given the pool's counters to count its own retries in. */
  constructor(options: ResolvedOptions, transportFor: (counters: Counters) => Transport, onEnd: () => void) {
    super();
    this.#options = options;
    const counters = newCounters();
    this.#transport = transportFor(counters);
    this.#set = new ConnectionSet(options, this.#transport, counters);
    this.#executor = new Executor(this.#set, options, () => this.#scopeSource());
    this.#onEnd = onEnd;
    const userOnEvent = options.onEvent;
    internals.set(this, {
      set: this.#set,
      options,
      useScope: (source) => {
        this.#scopeSource = source;
      },
      currentScope: () => this.#scopeSource(),
      observe: (observer) => {
        this.#executor.observer = observer;
        // Every part of the pool (transports too) emits through options.onEvent.
        options.onEvent = observer ? (event) => {
          userOnEvent?.(event);
          observer.event(event);
        } : userOnEvent;
      },
    });
  }

  /**
   * Runs `fn` in BEGIN ... COMMIT on one connection; rolls back when it throws. With
   * `idempotencyKey`, at most once per key: the key and `fn`'s result commit with its work.
   */
  transaction<T>(fn: (tx: Transaction) => PromiseLike<T>, options: KeyedTransactionOptions = {}): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(new WarmpoolError('INVALID_QUERY', 'transaction expects a function: db.transaction(async (tx) => { … }).', { notApplied: true }));
    }
    if (!this.#transport.interactiveTransactions) {
      const batch = isKeyed(options) ? 'db.batch([...], { idempotencyKey })' : 'db.batch([...])';
      return Promise.reject(new WarmpoolError('NOT_SUPPORTED_ON_TRANSPORT', `Interactive transactions need a connection held across round trips, which the ${this.#transport.name} transport does not have. Use ${batch} or transport 'websocket'.`, { notApplied: true }));
    }
    if (isKeyed(options)) return runKeyedTransaction(this.#executor, this.#scopeSource(), fn, options, this.#options.queryTimeoutMs);
    return runTransaction(this.#executor, this.#scopeSource(), fn, options);
  }

  /**
   * Holds one connection for several statements until `release()`, under the invocation's
   * deadline; one not released by the end of the invocation is evicted as leaked.
   */
  reserve(): Promise<ReservedConnection> {
    if (!this.#transport.interactiveTransactions) {
      return Promise.reject(new WarmpoolError('NOT_SUPPORTED_ON_TRANSPORT', `A reserved connection needs a session held across round trips, which the ${this.#transport.name} transport does not have. Use db.batch([...]) or transport 'websocket'.`, { notApplied: true }));
    }
    return reserve(this.#executor, this.#scopeSource());
  }

  /**
   * Runs queries as one atomic, non-interactive transaction; resolves to each query's result.
   * With `idempotencyKey`, at most once per key (a repeat fails with ALREADY_APPLIED).
   */
  async batch<const Q extends readonly LazyQuery<unknown>[]>(queries: Q, options: BatchOptions = {}): Promise<BatchResults<Q>> {
    if (!Array.isArray(queries) || queries.some((q) => !(q instanceof LazyQuery))) {
      throw new WarmpoolError('INVALID_QUERY', 'batch expects an array of queries made with sql`…` or query(), not awaited.', { notApplied: true });
    }
    const statements = queries.map((q) => {
      q.used();
      return q.statement;
    });
    if (isKeyed(options)) {
      const applied = await runKeyedBatch(this.#executor, this.#scopeSource(), statements, options, this.#options.queryTimeoutMs);
      return applied.map(toResult) as BatchResults<Q>;
    }
    const idempotent = options.idempotent === true || options.readOnly === true;
    const results = await this.#executor.run((connection, run) => connection.batch(statements, options, run), idempotent, statements);
    return results.map(toResult) as BatchResults<Q>;
  }

  stats(): PoolStats {
    return { transport: this.#transport.name, max: this.#options.max, ...this.#set.size, ...this.#set.counters };
  }

  /** Closes every connection and removes the pool from the registry. */
  async end(): Promise<void> {
    this.#onEnd();
    await this.#set.end();
  }

  protected runStatement(statement: Statement, flags: QueryFlags): Promise<unknown[]> {
    return this.#executor.runStatement(statement, flags.idempotent, toResult);
  }

  protected unsentQueries(): UnsentQueries | undefined {
    return this.#scopeSource()?.unsent;
  }

  /** Shows settings and stats, never credentials. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Pool ${JSON.stringify(this.toJSON())}`;
  }

  toJSON(): Record<string, unknown> {
    const { host, port, database, user } = this.#options;
    return { host, port, database, user, stats: this.stats() };
  }
}
