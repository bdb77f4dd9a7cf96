import { WarmpoolError } from '../errors.js';
import { isPermanentAtConnect, resumeSign } from '../sqlstate.js';

/** Capped exponential backoff with full jitter: a random delay in [0, min(cap, base·2^attempt)). */
export function fullJitterDelay(attempt: number, baseMs = 50, capMs = 2_000): number {
  return Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The options a connect's retries follow. */
export interface RetryPolicy {
  maxConnectAttempts: number;
  resumeTimeoutMs: number;
}

/**
 * The retries of one connect (TCP, WebSocket) or one unsent HTTP request, with full-jitter
 * backoff. Ordinary failures are tried again up to maxConnectAttempts within `limit`. Once an
 * answer says the database is resuming or starting up (resumeSign), or an attempt timed out (a
 * paused endpoint holds connects until it has resumed), the bound becomes the resume budget:
 * resumeTimeoutMs from the first attempt, never past `hardLimit` (the invocation deadline).
 * Resume answers do not use up attempts; timeouts do, since each costs connectTimeoutMs.
 */
export class ConnectRetry {
  readonly startedAt = Date.now();
  /** Failed attempts so far. */
  failures = 0;
  /** Why the database looks like it is resuming, once an answer said so. */
  resuming: string | undefined;
  #counted = 0;
  #policy: RetryPolicy;
  #limit: number;
  #hardLimit: number;

  constructor(policy: RetryPolicy, limit: number, hardLimit = limit) {
    this.#policy = policy;
    this.#limit = limit;
    this.#hardLimit = hardLimit;
  }

  /** When the connect must be given up. */
  get deadline(): number {
    return this.resuming ? Math.min(this.#hardLimit, this.startedAt + this.#policy.resumeTimeoutMs) : this.#limit;
  }

  /** After a failed attempt: the delay before the next one, or undefined when it is to be given up. */
  next(error: WarmpoolError): number | undefined {
    this.failures++;
    const sign = this.#policy.resumeTimeoutMs > 0 ? (resumeSign(error) ?? (error.code === 'CONNECT_TIMEOUT' ? 'connect timeout' : undefined)) : undefined;
    if (sign) this.resuming = sign;
    if (isPermanentAtConnect(error.sqlState)) return undefined;
    if (!sign || error.code === 'CONNECT_TIMEOUT') this.#counted++;
    if (this.#counted >= this.#policy.maxConnectAttempts) return undefined;
    const delayMs = fullJitterDelay(this.failures);
    return Date.now() + delayMs < this.deadline ? delayMs : undefined;
  }

  /** The error to give up with: one that ends a wait for a resuming database says how long it waited. */
  giveUp(error: WarmpoolError): WarmpoolError {
    if (!this.resuming) return error;
    const note = ` The database was still not accepting connections after ${Date.now() - this.startedAt} ms of waiting for it to resume (${this.resuming}; resumeTimeoutMs ${this.#policy.resumeTimeoutMs}, maxConnectAttempts ${this.#policy.maxConnectAttempts}).`;
    return new WarmpoolError(error.code, error.message + note, { cause: error.cause ?? error, notApplied: error.notApplied, sqlState: error.sqlState });
  }

  /** How long the connect waited for a resuming database, once it succeeded; undefined if it did not. */
  resumedAfter(): number | undefined {
    return this.resuming ? Date.now() - this.startedAt : undefined;
  }
}
