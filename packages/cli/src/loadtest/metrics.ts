/** Error kinds and latency statistics for the load test. */
import type { FunctionError } from '../emulator/runtime-api.js';

export type ErrorKind = 'too-many-clients' | 'connection-reset' | 'timeout' | 'outcome-unknown' | 'throttled' | 'crashed' | 'other';

export const ERROR_KINDS: ErrorKind[] = ['too-many-clients', 'connection-reset', 'timeout', 'outcome-unknown', 'throttled', 'crashed', 'other'];

const RESET = [
  'econnreset', 'epipe', 'connection terminated', 'connection_closed', 'connection_ended', 'connection_destroyed',
  'connection_lost', 'not queryable', 'terminating connection', 'socket hang up', 'server closed the connection',
  'connection ended', 'write after end', '57p01', '57p05', '08006',
];
const TIMEOUT = ['sandbox.timedout', 'acquire_timeout', 'connect_timeout', 'deadline_exceeded', 'query_timeout', 'timeout', 'timed out'];

/** By the error's code first, then by its message, whichever driver produced it. */
export function classifyError(error: FunctionError): ErrorKind {
  const code = (error.code ?? '').toLowerCase();
  const type = error.errorType.toLowerCase();
  const text = `${code} ${type} ${error.errorMessage}`.toLowerCase();
  if (code === '53300' || text.includes('too many clients') || text.includes('remaining connection slots')) return 'too-many-clients';
  if (code === 'outcome_unknown') return 'outcome-unknown';
  if (type === 'toomanyrequestsexception') return 'throttled';
  if (type === 'runtime.exiterror' || type === 'runtime.uncaughtexception' || type === 'runtime.unhandledpromiserejection') return 'crashed';
  // Before timeouts: the server's "terminating connection due to idle-session timeout" is a reset.
  if (RESET.some((r) => text.includes(r))) return 'connection-reset';
  if (TIMEOUT.some((t) => text.includes(t))) return 'timeout';
  return 'other';
}

/** Nearest-rank percentile of sorted values (p in 0..100); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Latency at percentiles 0, 1, …, 99 and 99.9, 100: the distribution curve of the report. */
export const CURVE_PERCENTILES = [...Array.from({ length: 100 }, (_, i) => i), 99.5, 99.9, 100];

export function latencyCurve(sorted: readonly number[]): number[] {
  return CURVE_PERCENTILES.map((p) => round(percentile(sorted, p === 0 ? 0.0001 : p)));
}

export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
