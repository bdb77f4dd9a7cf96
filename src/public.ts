/** The API every build exports besides `createPool` (index.ts: Node; index.edge.ts: edge runtimes). */
export { Pool } from './pool/pool.js';
export type { PoolStats, QueryOptions, BatchOptions } from './pool/pool.js';
export { SqlQuery, UnsafeFragment } from './pool/query.js';
export type { Transaction, InteractiveTransactionOptions } from './pool/transaction.js';
export type { PoolOptions, PoolEvent, SslMode, TransportName } from './options.js';
export type { Row, TransactionOptions } from './transports/types.js';
export { WarmpoolError, DatabaseError, isWarmpoolError, redactUrl } from './errors.js';
export type { WarmpoolErrorCode } from './errors.js';
export { detectRuntime, type Runtime } from './runtime.js';
