/**
 * Opening one connection: attempts bounded by a time limit each, retried with full-jitter backoff
 * inside the caller's deadline (ConnectRetry: a database resuming from a pause gets
 * resumeTimeoutMs), and a fresh password asked for once when a password function's went stale.
 * An attempt ends at its limit even when the transport is still waiting (for a password function
 * that never answers): the caller and its connect slot are never held past it.
 */
import { WarmpoolError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { isRejectedPassword } from '../sqlstate.js';
import { limitReached } from '../transports/common.js';
import type { Connection, ConnectLimit, Transport } from '../transports/types.js';
import { ConnectRetry, sleep } from './backoff.js';
import type { Counters } from './stats.js';

/** What bounds an acquire: the invocation deadline, or acquireTimeoutMs when that comes first. */
export interface Limit {
  at: number;
  /** The caller's own deadline: a resume may outlast acquireTimeoutMs, never this. */
  caller: number;
}

export async function connectWithRetry(transport: Transport, options: ResolvedOptions, counters: Counters, limit: Limit, ended: () => boolean): Promise<Connection> {
  const retry = new ConnectRetry(options, limit.at, limit.caller);
  let refreshPassword = false;
  /** The last attempt the server refused with a SQLSTATE. */
  let refused: WarmpoolError | undefined;
  for (;;) {
    if (ended()) throw new WarmpoolError('POOL_ENDED', 'The pool was ended while connecting.', { notApplied: true });
    const cut = new TimeLimit(Math.max(1, retry.deadline - Date.now()));
    let connection: Connection;
    try {
      connection = await withinLimit(transport.connect(cut, refreshPassword), cut);
    } catch (err) {
      counters.connectFailures++;
      // The transport's own failure (write CONNECTION_DESTROYED…) says nothing of why it was cut;
      // the server's last refusal (53300 too many clients…) does, outside a resume.
      if (cut.reached) throw refused && !retry.resuming ? retry.giveUp(refused) : cutAt(options, counters, limit, retry, err);
      const error = err instanceof WarmpoolError ? err : new WarmpoolError('CONNECT_FAILED', String(err), { cause: err, notApplied: true });
      if (error.sqlState) refused = error;
      // A rotated credential or an expired token: a password function may hold a stale one. Ask
      // it once for a fresh password and try again at once; a string password cannot change.
      const stale = isRejectedPassword(error) && typeof options.password === 'function';
      if (stale && !refreshPassword && Date.now() < retry.deadline) {
        refreshPassword = true;
        counters.connectRetries++;
        options.onEvent?.({ type: 'connect-retry', attempt: retry.failures + 1, delayMs: 0, reason: error.sqlState ?? error.code });
        continue;
      }
      if (stale && refreshPassword) throw refusedAfterRefresh(error);
      const delayMs = retry.next(error);
      if (delayMs === undefined) throw retry.giveUp(error);
      counters.connectRetries++;
      options.onEvent?.({ type: 'connect-retry', attempt: retry.failures, delayMs, reason: error.sqlState ?? error.code });
      await sleep(delayMs);
      continue;
    } finally {
      cut.clear();
    }
    const waitedMs = retry.resumedAfter();
    if (waitedMs !== undefined) {
      counters.resumes++;
      counters.resumeWaitMs += waitedMs;
      options.onEvent?.({ type: 'resume', waitedMs, reason: retry.resuming });
    }
    return connection;
  }
}

/**
 * The connect, or a rejection once its limit is reached though the transport still waits; a
 * connection that opens after that is closed.
 */
function withinLimit(connecting: Promise<Connection>, cut: TimeLimit): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const stop = cut.onReached(() => reject(limitReached()));
    connecting.then(
      (connection) => {
        stop();
        if (!cut.reached) return resolve(connection);
        connection.close().catch(() => {});
      },
      (err: unknown) => {
        stop();
        reject(err);
      },
    );
  });
}

/** A fresh password refused too: the provider, not the rotation, is at fault. */
function refusedAfterRefresh(error: WarmpoolError): WarmpoolError {
  const advice =
    ' The server refused the fresh password too, so the password function gives wrong ones: for IAM tokens the token or the IAM policy is wrong' +
    ' (RDS: the role needs rds-db:connect for this database user, and the user must be granted rds_iam; Aurora DSQL: dsql:DbConnect, or dsql:DbConnectAdmin for admin).';
  return new WarmpoolError(error.code, error.message + advice, { cause: error.cause ?? error, notApplied: true, sqlState: error.sqlState });
}

function cutAt(options: ResolvedOptions, counters: Counters, limit: Limit, retry: ConnectRetry, cause: unknown): WarmpoolError {
  const where = `${options.host}:${options.port}`;
  if (retry.deadline >= limit.caller) {
    return new WarmpoolError('DEADLINE_EXCEEDED', `The invocation deadline passed while connecting to ${where}; nothing was sent.`, { cause, notApplied: true });
  }
  if (retry.resuming) {
    return retry.giveUp(new WarmpoolError('CONNECT_TIMEOUT', `Connecting to ${where} did not finish within resumeTimeoutMs (${options.resumeTimeoutMs} ms); nothing was sent.`, { cause, notApplied: true }));
  }
  counters.acquireTimeouts++;
  return new WarmpoolError('ACQUIRE_TIMEOUT', `Connecting to ${where} took longer than acquireTimeoutMs (${options.acquireTimeoutMs} ms); nothing was sent. Raise acquireTimeoutMs or connectTimeoutMs.`, { cause, notApplied: true });
}

/** A connect's limit: one timer, cleared when the connect settles. */
class TimeLimit implements ConnectLimit {
  reached = false;
  #listeners: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.#timer = setTimeout(() => {
      this.reached = true;
      for (const listener of this.#listeners.splice(0)) listener();
    }, ms);
  }

  onReached(listener: () => void): () => void {
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#listeners.length = 0;
  }
}
