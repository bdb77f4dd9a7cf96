import type { Pool } from '../pool/pool.js';
import { poolInternals } from '../pool/pool.js';
import type { ConnectionSet } from '../pool/connections.js';
import type { ResolvedOptions } from '../options.js';
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
  life: PoolLife;
}

/** What the invocations of one pool share, looked up once per invocation. */
interface PoolLife {
  set: ConnectionSet;
  onEvent: ResolvedOptions['onEvent'];
  started: boolean;
  /** When the last invocation ended (`performance.now()`); -Infinity before the first. */
  lastEnded: number;
}

const lives = new WeakMap<Pool, PoolLife>();

/**
 * A gap shorter than this since the last invocation ended leaves no time for a freeze to matter:
 * whatever the server sent in it is as fresh as in any running process. Busy containers, whose
 * next event is already queued, get it back to back.
 */
const FREEZE_GAP_MS = 1;

function lifeOf(pool: Pool): PoolLife {
  let life = lives.get(pool);
  if (!life) {
    const { set, options } = poolInternals(pool);
    // Read at each end: warmpool/otel wraps onEvent after the pool is made.
    lives.set(pool, (life = { set, get onEvent() { return options.onEvent; }, started: false, lastEnded: -Infinity }));
  }
  return life;
}

export function startInvocation(pool: Pool, context: LambdaContextLike | undefined, options: InvocationOptions): Invocation {
  // Return as soon as the handler resolves: pooled sockets keep the event loop busy on purpose.
  if (context) context.callbackWaitsForEmptyEventLoop = false;
  const startedAt = Date.now();
  const remaining = context?.getRemainingTimeInMillis?.();
  const margin = options.deadlineMarginMs ?? DEFAULT_MARGIN_MS;
  const known = typeof remaining === 'number' && Number.isFinite(remaining);
  const deadline = known ? startedAt + Math.max(0, remaining - margin) : Infinity;
  const life = lifeOf(pool);
  const cold = !life.started;
  life.started = true;
  return { scope: newScope(deadline, known ? startedAt + remaining : Infinity), cold, startedAt, life };
}

/**
 * After a thaw, a close or FATAL the server sent during the freeze is still unread. One turn of
 * the event loop lets the transport see it before the first statement, so that statement does
 * not go into a dead socket. Nothing to wait for on a cold start, without idle connections, or
 * right after the last invocation ended (no freeze came between).
 */
export function afterThaw(invocation: Invocation): Promise<void> | undefined {
  const { life } = invocation;
  if (invocation.cold || life.set.idleCount === 0) return undefined;
  if (performance.now() - life.lastEnded < FREEZE_GAP_MS) return undefined;
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A query made during the invocation and never awaited (nor batched) was never sent: a write the
 * handler meant to make silently did not happen. Said as an event and a log line naming it.
 */
function reportUnsent(scope: InvocationScope, life: PoolLife): void {
  for (const query of scope.unsent) {
    const text = query.statement.text.replace(/\s+/g, ' ').trim();
    const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    const reason = `a query made in this invocation was never awaited, so it was never sent: "${shown}". Await it (or pass it to Promise.all or db.batch) before the handler returns.`;
    life.onEvent?.({ type: 'query-not-awaited', reason });
    console.warn(`warmpool: ${reason}`);
  }
  scope.unsent.clear();
}

export function endInvocation(invocation: Invocation, options: InvocationOptions): void {
  const { scope, life } = invocation;
  life.lastEnded = performance.now();
  const leaked = scope.leases.length;
  if (leaked > 0) {
    for (const lease of scope.leases) life.set.evict(lease);
    scope.leases.length = 0;
  }
  if (scope.unsent.size > 0) reportUnsent(scope, life);
  if (!options.onInvocationEnd) return;
  const { queries, newConnections, reusedConnections, retries, acquireWaitMs } = scope.metrics;
  options.onInvocationEnd({
    cold: invocation.cold, durationMs: Date.now() - invocation.startedAt, leaked,
    queries, newConnections, reusedConnections, retries, acquireWaitMs,
  });
}
