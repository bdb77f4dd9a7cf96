import type { Attributes, BatchObservableCallback, Counter, Histogram, Meter, Observable } from '@opentelemetry/api';
import type { Pool, PoolStats } from '../pool/pool.js';

/**
 * The pool's metrics: the stable `db.client.operation.duration` histogram, the connection pool
 * metrics of the database conventions (still in development there), and warmpool's own counters.
 * Gauges and cumulative counters are read from `db.stats()` when the reader collects, so the
 * statement path only records histograms.
 */

/** Bucket boundaries (seconds) the conventions advise for database durations. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** warmpool's cumulative counters from `stats()`, exported as `warmpool.client.<name>`. */
const COUNTERS: [name: string, key: keyof PoolStats, description: string][] = [
  ['connection.created', 'created', 'Connections opened.'],
  ['connection.reconnects', 'reconnects', 'Connections replaced because they were found dead (after a freeze, a restart).'],
  ['connection.validation_failures', 'validationFailures', 'Validation pings after idle that failed: the connection died while idle or frozen.'],
  ['connection.discarded', 'discarded', 'Connections closed by the pool.'],
  ['connection.release_rollbacks', 'releaseRollbacks', 'ROLLBACKs sent because a connection came back inside a transaction.'],
  ['connection.leaked', 'leaked', 'Connections still held by a handler when its invocation ended.'],
  ['connect.failures', 'connectFailures', 'Connect attempts that failed.'],
  ['operation.retries', 'retries', 'Statements or transactions sent again after a failure that left them unapplied.'],
  ['operation.outcome_unknown', 'outcomeUnknown', 'Errors raised as OUTCOME_UNKNOWN: a write may or may not have applied.'],
  ['pool.drains', 'drains', 'Times every idle connection was closed at once (server restart, failover).'],
];

export interface PoolInstruments {
  poolName: string;
  /** db.client.connection.pool.name, on every pool metric. */
  poolAttributes: Attributes;
  operationDuration: Histogram;
  createTime: Histogram;
  waitTime: Histogram;
  useTime: Histogram;
  /** Pool events (connect, connect-retry, discard, retry, drain, fallback) by type and reason. */
  events: Counter;
  /** Stops the observable callbacks. */
  detach(): void;
}

export function poolInstruments(meter: Meter, pool: Pool, poolName: string): PoolInstruments {
  const poolAttributes: Attributes = { 'db.client.connection.pool.name': poolName };
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: DURATION_BUCKETS } });

  const count = meter.createObservableUpDownCounter('db.client.connection.count', { unit: '{connection}', description: 'Connections in each state.' });
  const max = meter.createObservableUpDownCounter('db.client.connection.max', { unit: '{connection}', description: 'The most open connections allowed (max).' });
  const pending = meter.createObservableUpDownCounter('db.client.connection.pending_requests', { unit: '{request}', description: 'Callers waiting for a free connection.' });
  const timeouts = meter.createObservableCounter('db.client.connection.timeouts', { unit: '{timeout}', description: 'Acquires that timed out (ACQUIRE_TIMEOUT).' });
  const counters = COUNTERS.map(([name, key, description]) => [meter.createObservableCounter(`warmpool.client.${name}`, { unit: '{count}', description }), key] as const);

  const observe: BatchObservableCallback = (result) => {
    const stats = pool.stats();
    result.observe(count, stats.idle, { ...poolAttributes, 'db.client.connection.state': 'idle' });
    result.observe(count, stats.busy, { ...poolAttributes, 'db.client.connection.state': 'used' });
    result.observe(max, stats.max, poolAttributes);
    result.observe(pending, stats.waiting, poolAttributes);
    result.observe(timeouts, stats.acquireTimeouts, poolAttributes);
    for (const [counter, key] of counters) result.observe(counter, stats[key] as number, poolAttributes);
  };
  const observables: Observable[] = [count, max, pending, timeouts, ...counters.map(([counter]) => counter)];
  meter.addBatchObservableCallback(observe, observables);

  return {
    poolName,
    poolAttributes,
    operationDuration: seconds('db.client.operation.duration', 'Duration of database client operations.'),
    createTime: seconds('db.client.connection.create_time', 'The time it took to open a connection, retries included.'),
    waitTime: seconds('db.client.connection.wait_time', 'The time it took to get a connection from the pool.'),
    useTime: seconds('db.client.connection.use_time', 'The time between getting a connection and giving it back.'),
    events: meter.createCounter('warmpool.client.events', { unit: '{event}', description: 'Pool events by warmpool.event.type and reason.' }),
    detach: () => meter.removeBatchObservableCallback(observe, observables),
  };
}
