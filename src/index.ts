/**
 * warmpool: PostgreSQL for serverless code. `createPool` gives one pool per container (kept on
 * globalThis across warm invocations), a hard cap on connections, validation after a freeze and
 * retries only where a write cannot run twice.
 */
import { resolveOptions, type PoolOptions } from './options.js';
import { Pool } from './pool/pool.js';
import { registry, settingsKey } from './pool/registry.js';
import { detectRuntime } from './runtime.js';
import { selectTransport } from './select-transport.js';

export function createPool(options: PoolOptions = {}): Pool {
  const resolved = resolveOptions(options);
  const { pools, containerId } = registry();
  const key = settingsKey(resolved);
  const existing = pools.get(key);
  if (existing instanceof Pool) return existing;
  const transport = selectTransport(resolved, detectRuntime())(resolved, containerId);
  const pool = new Pool(resolved, transport, () => {
    if (pools.get(key) === pool) pools.delete(key);
  });
  pools.set(key, pool);
  return pool;
}

export { Pool } from './pool/pool.js';
export type { PoolStats, QueryOptions, BatchOptions } from './pool/pool.js';
export { SqlQuery, UnsafeFragment } from './pool/query.js';
export type { Transaction, InteractiveTransactionOptions } from './pool/transaction.js';
export type { PoolOptions, PoolEvent, SslMode, TransportName } from './options.js';
export type { Row, TransactionOptions } from './transports/types.js';
export { WarmpoolError, DatabaseError, isWarmpoolError, redactUrl } from './errors.js';
export type { WarmpoolErrorCode } from './errors.js';
export { detectRuntime, type Runtime } from './runtime.js';
