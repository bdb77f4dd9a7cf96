/**
 * The one loop that tries again what certainly was not received: a TCP or WebSocket connect, or
 * an HTTP request the endpoint never got. Its rules, the same on every transport:
 * - backoff with full jitter inside the deadline, resumeTimeoutMs once the database looks like
 *   it is resuming (ConnectRetry);
 * - a password refused while a password function gives them: ask it for a fresh one, at once,
 *   once; refused again, the error says the function is at fault;
 * - a server's Retry-After is waited for when it is longer than the backoff;
 * - each failed attempt, retry and resume is counted for `stats()` and said in `onEvent`.
 */
import { WarmpoolError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { isRejectedPassword } from '../sqlstate.js';
import { ConnectRetry, sleep } from './backoff.js';

/** What `stats()` counts of attempts. */
export interface AttemptCounters {
  connectFailures: number;
  connectRetries: number;
  resumes: number;
  resumeWaitMs: number;
}

/** One failed attempt, as its transport reads it. */
export interface AttemptFailure {
  error: WarmpoolError;
  /** Nothing of it was received: another attempt may follow, by the rules above. */
  again: boolean;
  /** The least wait the server asked for (Retry-After), in ms. */
  waitAtLeastMs?: number;
  /**
   * A failed connect, for `stats().connectFailures`; default true. False for what the database
   * answered about the work itself (an HTTP request's statement error): not a connect that failed.
   */
  connecting?: boolean;
}

export interface RetryScope {
  options: ResolvedOptions;
  counters: AttemptCounters;
  retry: ConnectRetry;
  /** The pool was ended: no further attempt. */
  ended?: () => boolean;
}

/**
 * Runs `attempt` until it succeeds or the rules give up. `attempt(freshPassword)`: true once a
 * password was refused, to ask the password function anew. `failed` reads what an attempt threw;
 * it may throw itself to end the loop with that error at once.
 */
export async function retryUnsent<T>(scope: RetryScope, attempt: (freshPassword: boolean) => Promise<T>, failed: (err: unknown) => AttemptFailure): Promise<T> {
  const { options, counters, retry } = scope;
  let freshPassword = false;
  for (;;) {
    if (scope.ended?.()) throw new WarmpoolError('POOL_ENDED', 'The pool was ended while connecting.', { notApplied: true });
    let result: T;
    try {
      result = await attempt(freshPassword);
    } catch (err) {
      let failure: AttemptFailure;
      try {
        failure = failed(err);
      } catch (end) {
        // `failed` ended the loop (a connect cut at its limit): a failed connect all the same.
        counters.connectFailures++;
        throw end;
      }
      if (failure.connecting !== false) counters.connectFailures++;
      const { error, again, waitAtLeastMs = 0 } = failure;
      if (isRejectedPassword(error) && typeof options.password === 'function') {
        // A rotated credential or an expired token: the function may have handed out a stale one.
        if (freshPassword) throw refusedAfterRefresh(error);
        if (Date.now() < retry.deadline) {
          freshPassword = true;
          counters.connectRetries++;
          options.onEvent?.({ type: 'connect-retry', attempt: retry.failures + 1, delayMs: 0, reason: error.sqlState ?? error.code });
          continue;
        }
      }
      const backoffMs = again ? retry.next(error) : undefined;
      const delayMs = backoffMs === undefined ? undefined : Math.max(backoffMs, waitAtLeastMs);
      if (delayMs === undefined || Date.now() + delayMs >= retry.deadline) throw again ? retry.giveUp(error) : error;
      counters.connectRetries++;
      options.onEvent?.({ type: 'connect-retry', attempt: retry.failures, delayMs, reason: error.sqlState ?? error.code });
      await sleep(delayMs);
      continue;
    }
    const waitedMs = retry.resumedAfter();
    if (waitedMs !== undefined) {
      counters.resumes++;
      counters.resumeWaitMs += waitedMs;
      options.onEvent?.({ type: 'resume', waitedMs, reason: retry.resuming });
    }
    return result;
  }
}

/** A fresh password refused too: the provider, not the rotation, is at fault. */
function refusedAfterRefresh(error: WarmpoolError): WarmpoolError {
  const advice =
    ' The server refused the fresh password too, so the password function gives wrong ones: for IAM tokens the token or the IAM policy is wrong' +
    ' (RDS: the role needs rds-db:connect for this database user, and the user must be granted rds_iam; Aurora DSQL: dsql:DbConnect, or dsql:DbConnectAdmin for admin).';
  return new WarmpoolError(error.code, error.message + advice, { cause: error.cause ?? error, notApplied: true, sqlState: error.sqlState });
}
