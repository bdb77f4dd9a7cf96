import type { Pool } from '../pool/pool.js';
import { poolInternals } from '../pool/pool.js';
import { type InvocationMetrics, type InvocationScope, newScope } from '../pool/scope.js';

/** The life of one Lambda invocation, shared by `withPool` and the middy middleware. */

export interface InvocationOptions {
  /**
   * Time kept back from Lambda's remaining time: statements still running then are cancelled and
   * fail with DEADLINE_EXCEEDED before Lambda kills the container. Default 500.
   */
  deadlineMarginMs?: number;
  /** Called after each invocation with its metrics (e.g. to log them as one JSON line). */
  onInvocationEnd?: (metrics: InvocationReport) => void;
}

export interface InvocationReport extends InvocationMetrics {
  /** First invocation of this container (module loaded for it). */
  cold: boolean;
  durationMs: number;
  /** Connections the handler still held at the end; they were closed (open transactions roll back). */
  leaked: number;
}

export interface LambdaContextLike {
  callbackWaitsForEmptyEventLoop?: boolean;
  getRemainingTimeInMillis?: () => number;
}

const DEFAULT_MARGIN_MS = 500;

export interface Invocation {
  scope: InvocationScope;
  cold: boolean;
  startedAt: number;
}

const started = new WeakSet<Pool>();
/** When each pool's last invocation ended (`performance.now()`). */
const lastEnded = new WeakMap<Pool, number>();
/**
 * A gap shorter than this since the last invocation ended leaves no time for a freeze to matter:
 * whatever the server sent in it is as fresh as in any running process. Busy containers, whose
 * next event is already queued, get it back to back.
 */
const FREEZE_GAP_MS = 1;

export function startInvocation(pool: Pool, context: LambdaContextLike | undefined, options: InvocationOptions): Invocation {
  // Return as soon as the handler resolves: pooled sockets keep the event loop busy on purpose.
  if (context) context.callbackWaitsForEmptyEventLoop = false;
  const startedAt = Date.now();
  const remaining = context?.getRemainingTimeInMillis?.();
  const margin = options.deadlineMarginMs ?? DEFAULT_MARGIN_MS;
  const known = typeof remaining === 'number' && Number.isFinite(remaining);
  const deadline = known ? startedAt + Math.max(0, remaining - margin) : Infinity;
  const cold = !started.has(pool);
  started.add(pool);
  return { scope: newScope(deadline, known ? startedAt + remaining : Infinity), cold, startedAt };
}

/**
 * After a thaw, a close or FATAL the server sent during the freeze is still unread. One turn of
 * the event loop lets the transport see it before the first statement, so that statement does
 * not go into a dead socket. Nothing to wait for on a cold start, without idle connections, or
 * right after the last invocation ended (no freeze came between).
 */
export function afterThaw(pool: Pool, invocation: Invocation): Promise<void> | undefined {
  if (invocation.cold || poolInternals(pool).set.idleCount === 0) return undefined;
  if (performance.now() - (lastEnded.get(pool) ?? -Infinity) < FREEZE_GAP_MS) return undefined;
  return new Promise<void>((resolve) => setImmediate(resolve));
}

export function endInvocation(pool: Pool, invocation: Invocation, options: InvocationOptions): void {
  lastEnded.set(pool, performance.now());
  const { scope } = invocation;
  const leaked = scope.leases.size;
  if (leaked > 0) {
    const { set } = poolInternals(pool);
    for (const lease of scope.leases) set.evict(lease);
    scope.leases.clear();
  }
  if (!options.onInvocationEnd) return;
  const { queries, newConnections, reusedConnections, retries, acquireWaitMs } = scope.metrics;
  options.onInvocationEnd({
    cold: invocation.cold, durationMs: Date.now() - invocation.startedAt, leaked,
    queries, newConnections, reusedConnections, retries, acquireWaitMs,
  });
}
