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

export async function startInvocation(pool: Pool, context: LambdaContextLike | undefined, options: InvocationOptions): Promise<Invocation> {
  // Return as soon as the handler resolves: pooled sockets keep the event loop busy on purpose.
  if (context) context.callbackWaitsForEmptyEventLoop = false;
  const startedAt = Date.now();
  const remaining = context?.getRemainingTimeInMillis?.();
  const margin = options.deadlineMarginMs ?? DEFAULT_MARGIN_MS;
  const deadline = typeof remaining === 'number' && Number.isFinite(remaining) ? startedAt + Math.max(0, remaining - margin) : Infinity;
  const cold = !started.has(pool);
  started.add(pool);
  // After a thaw, a close or FATAL the server sent during the freeze is still unread; one turn
  // of the event loop lets the driver see it, so the first statement does not go to a dead socket.
  if (!cold) await new Promise<void>((resolve) => setImmediate(resolve));
  return { scope: newScope(deadline), cold, startedAt };
}

export function endInvocation(pool: Pool, invocation: Invocation, options: InvocationOptions): InvocationReport {
  const { set } = poolInternals(pool);
  const leaked = invocation.scope.leases.size;
  for (const lease of invocation.scope.leases) set.evict(lease);
  invocation.scope.leases.clear();
  const report: InvocationReport = { ...invocation.scope.metrics, cold: invocation.cold, durationMs: Date.now() - invocation.startedAt, leaked };
  options.onInvocationEnd?.(report);
  return report;
}
