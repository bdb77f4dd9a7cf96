import { removeUnordered } from '../unordered.js';
import type { Lease } from './connections.js';
import type { UnsentQueries } from './query.js';

/**
 * What one invocation (a Lambda event, a Worker request) knows while its code runs. Adapters
 * create it; the pool reads it to bound waits and statements by the invocation's deadline and to
 * find connections a handler leaked.
 */
export interface InvocationScope {
  /** Wall-clock time (epoch ms) by which every statement must have finished; Infinity for none. */
  deadline: number;
  /** When the platform ends the invocation (Lambda's timeout, epoch ms); Infinity when unknown. */
  hardDeadline: number;
  /** Connections this invocation holds right now (usually none or one). */
  leases: Lease[];
  /** Queries made on the pool during the invocation and not sent yet: one left at its end was forgotten. */
  unsent: UnsentQueries;
  metrics: InvocationMetrics;
}

export interface InvocationMetrics {
  /** Statements, batches and transactions run. */
  queries: number;
  /** Connections opened during this invocation. */
  newConnections: number;
  /** Connections reused from earlier invocations. */
  reusedConnections: number;
  /** Sends repeated after a failure that left them unapplied. */
  retries: number;
  /** Time spent waiting for a connection, including connects and validation. */
  acquireWaitMs: number;
}

export function newScope(deadline: number, hardDeadline = Infinity): InvocationScope {
  return { deadline, hardDeadline, leases: [], unsent: new Set(), metrics: { queries: 0, newConnections: 0, reusedConnections: 0, retries: 0, acquireWaitMs: 0 } };
}

export function addLease(scope: InvocationScope, lease: Lease): void {
  scope.leases.push(lease);
}

export function removeLease(scope: InvocationScope, lease: Lease): void {
  removeUnordered(scope.leases, lease);
}
