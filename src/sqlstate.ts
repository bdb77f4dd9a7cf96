import { WarmpoolError } from './errors.js';

/**
 * Every SQLSTATE rule warmpool applies, in one place: the transports, the pool and handlers
 * (through `isTransient`) classify server answers by these lists only.
 */

/**
 * At connect, answers a retry cannot fix: wrong credentials, no such database, a bad setting.
 * Not 08P01: PgBouncer uses it for transient refusals too ("no more connections allowed").
 */
export const PERMANENT_AT_CONNECT = ['28P01', '28000', '3D000', '42704', '22023', '0A000'] as const;

/** Sent only while logging in, so nothing of the caller's ran: refused credentials, no database, too many clients, starting up. */
export const LOGIN_REFUSED = ['28P01', '28000', '3D000', '53300', '57P03'] as const;

/** After these the server is going away or was replaced: every other connection of the pool is suspect too. */
export const DRAIN = ['57P01', '57P02', '57P03', '08006', '25006'] as const;

/** A transaction failed only because of concurrent ones (serialization failure, deadlock): run it again whole. */
export const RETRYABLE_TRANSACTION = ['40001', '40P01'] as const;

/**
 * Server answers that say nothing about the request itself: the server is shutting down, starting,
 * out of connection slots, or lost the connection; a later attempt may succeed.
 */
export const TRANSIENT = [
  ...RETRYABLE_TRANSACTION, '53300', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
] as const;

export type PermanentAtConnectState = (typeof PERMANENT_AT_CONNECT)[number];
export type LoginRefusedState = (typeof LOGIN_REFUSED)[number];
export type DrainState = (typeof DRAIN)[number];
export type RetryableTransactionState = (typeof RETRYABLE_TRANSACTION)[number];
export type TransientState = (typeof TRANSIENT)[number];

const has = (list: readonly string[], state: string | undefined): boolean => state !== undefined && list.includes(state);

export const isPermanentAtConnect = (state: string | undefined): boolean => has(PERMANENT_AT_CONNECT, state);
/** Any class 28 state (invalid authorization) counts: servers and poolers use several. */
export const isLoginRefused = (state: string | undefined): boolean => has(LOGIN_REFUSED, state) || state?.startsWith('28') === true;
export const isDrainState = (state: string | undefined): boolean => has(DRAIN, state);
export const isRetryableTransactionState = (state: string | undefined): boolean => has(RETRYABLE_TRANSACTION, state);

/**
 * true when the server refused the password itself, so a password function may have a fresher
 * one: 28P01, or 28000 "PAM authentication failed", which is how PostgreSQL reports a PAM refusal
 * and so how RDS answers an expired or revoked IAM token.
 */
export function isRejectedPassword(err: unknown): boolean {
  const state = warmpoolErrorIn(err)?.sqlState;
  return state === '28P01' || (state === '28000' && /PAM authentication failed/i.test(messageChain(err)));
}

/** warmpool codes of failures that say nothing about the request itself. */
const TRANSIENT_CODES: readonly string[] = ['CONNECT_FAILED', 'CONNECT_TIMEOUT', 'ACQUIRE_TIMEOUT', 'CONNECTION_LOST', 'OUTCOME_UNKNOWN', 'DEADLINE_EXCEEDED', 'IN_PROGRESS'];

/**
 * The WarmpoolError behind `err`: itself, or the first one in its `cause` chain (an ORM's wrapper
 * such as Drizzle's DrizzleQueryError keeps it there).
 */
function warmpoolErrorIn(err: unknown): WarmpoolError | undefined {
  let current = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    if (current instanceof WarmpoolError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A failure's warmpool code (or SQLSTATE, for a server error) and the SQLSTATE behind it. */
interface Failure {
  code: string;
  sqlState: string | undefined;
}

/**
 * The failure behind `err`: a WarmpoolError in its `cause` chain, or Prisma's rethrow of one,
 * which has no cause: a PrismaClientKnownRequestError with warmpool's `code` and `meta`
 * (`notApplied`, `sqlState`), or for a server error (P2010, P2034…) the SQLSTATE in
 * `meta.driverAdapterError.cause.originalCode`.
 */
function failureIn(err: unknown): Failure | undefined {
  const error = warmpoolErrorIn(err);
  if (error) return { code: error.code, sqlState: error.sqlState };
  const { code, meta } = (err ?? {}) as { code?: unknown; meta?: { notApplied?: unknown; sqlState?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  if (typeof meta !== 'object' || meta === null) return undefined;
  if (typeof code === 'string' && typeof meta.notApplied === 'boolean') {
    return { code, sqlState: typeof meta.sqlState === 'string' ? meta.sqlState : undefined };
  }
  const state = meta.driverAdapterError?.cause?.originalCode;
  return typeof state === 'string' ? { code: state, sqlState: state } : undefined;
}

/**
 * true when the failure says nothing about the request itself (the database restarted, was
 * unreachable or out of connection slots, the connection was lost, the deadline passed): the same
 * request may succeed later, so a handler can answer 503 and let its client try again. Transient
 * never means "safe to repeat a write": an OUTCOME_UNKNOWN write may have committed, so repeat it
 * only with an idempotency key (only `notApplied: true` says the write certainly had no effect).
 * A wrong password or an unknown database is not transient. Errors rethrown by an ORM are read
 * through its wrapper (a `cause`, or Prisma's `meta`).
 */
export function isTransient(err: unknown): boolean {
  const failure = failureIn(err);
  if (!failure) return false;
  if (isPermanentAtConnect(failure.sqlState)) return false;
  return TRANSIENT_CODES.includes(failure.code) || has(TRANSIENT, failure.sqlState);
}

/** true when the error is a serialization failure or deadlock: the whole transaction may be run again (`transaction(fn, { retries })`). */
export function isRetryableTransaction(err: unknown): boolean {
  return isRetryableTransactionState(failureIn(err)?.sqlState);
}

/**
 * Why a connect failure looks like a database that is resuming from a pause or starting up, or
 * undefined. These are retried within `resumeTimeoutMs` rather than `maxConnectAttempts`.
 * - 57P03: PostgreSQL is starting up (or recovering) and refuses logins until it is ready.
 * - Aurora Serverless v2 at 0 ACU: "… is resuming after being auto-paused. Please wait a few
 *   seconds and try again." (its DatabaseResumingException; some proxies pass the text on).
 * - Neon: its proxy answers "Couldn't connect to compute node" (XX000) while the compute wakes,
 *   and reports a compute still in transition or a wake-up queue that is full.
 */
export function resumeSign(err: unknown): string | undefined {
  const error = warmpoolErrorIn(err);
  if (error?.sqlState === '57P03') return '57P03';
  const text = messageChain(err);
  if (/resuming after being auto-paused|DatabaseResumingException/i.test(text)) return 'aurora-resuming';
  if (/couldn't connect to compute node|endpoint is (idle|in transition)|waiting for endpoint to become active|failed to acquire permit to connect/i.test(text)) return 'neon-waking';
  return undefined;
}

function messageChain(err: unknown): string {
  const parts: string[] = [];
  let current = err;
  for (let depth = 0; depth < 5 && current !== null && current !== undefined; depth++) {
    parts.push(current instanceof Error ? `${current.name} ${current.message}` : String(current));
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join('\n');
}
