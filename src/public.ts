/** The API every build exports besides `createPool` (index.ts: Node; index.edge.ts: edge runtimes). */
export { Pool } from './pool/pool.js';
export type { PoolStats, QueryOptions, BatchOptions, BatchResults } from './pool/pool.js';
export { SqlQuery, ValuesQuery, UnsafeFragment } from './pool/query.js';
export type { LazyQuery, Result, ValuesResult, ResultMeta } from './pool/query.js';
export { DATE_TIME_TYPES } from './transports/values.js';
export type { Transaction, InteractiveTransactionOptions } from './pool/transaction.js';
export type { IdempotencyOptions, KeyedTransactionOptions } from './pool/idempotency.js';
export { IDEMPOTENCY_MIGRATION, IDEMPOTENCY_TABLE } from './pool/idempotency-sql.js';
export type { ReservedConnection } from './pool/reserved.js';
export type { PoolOptions, PoolEvent, SslMode, TransportName } from './options.js';
export type { Row, Column, TransactionOptions } from './transports/types.js';
export { WarmpoolError, DatabaseError, isWarmpoolError, redactUrl } from './errors.js';
export type { WarmpoolErrorCode, SqlState } from './errors.js';
export { isTransient, isRetryableTransaction } from './sqlstate.js';
export { detectRuntime, type Runtime } from './runtime.js';
export { computeBudget, type Budget, type BudgetInput, type BudgetFunction, type BudgetLine } from './budget.js';
export { POOLER_PROFILES, detectPooler, type PoolerName, type PoolerProfile } from './poolers.js';
export { managedInstancesSizing, type ManagedInstancesSizing } from './concurrency.js';
