/**
 * Opening one connection: attempts bounded by a time limit each, tried again by the rules of
 * retry-unsent.ts inside the caller's deadline. An attempt ends at its limit even when the
 * transport is still waiting (for a password function that never answers): the caller and its
 * connect slot are never held past it.
 */
import { WarmpoolError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { limitReached } from '../transports/common.js';
import type { Connection, ConnectLimit, Transport } from '../transports/types.js';
import { ConnectRetry } from './backoff.js';
import { retryUnsent } from './retry-unsent.js';
import type { Counters } from './stats.js';

/** What bounds an acquire: the invocation deadline, or acquireTimeoutMs when that comes first. */
export interface Limit {
  at: number;
  /** The caller's own deadline: a resume may outlast acquireTimeoutMs, never this. */
  caller: number;
}

export function connectWithRetry(transport: Transport, options: ResolvedOptions, counters: Counters, limit: Limit, ended: () => boolean): Promise<Connection> {
  const retry = new ConnectRetry(options, limit.at, limit.caller);
  /** The last attempt the server refused with a SQLSTATE. */
  let refused: WarmpoolError | undefined;
  let cut: TimeLimit | undefined;
  const attempt = (freshPassword: boolean): Promise<Connection> => {
    cut = new TimeLimit(Math.max(1, retry.deadline - Date.now()));
    return withinLimit(transport.connect(cut, freshPassword), cut).finally(() => cut?.clear());
  };
  return retryUnsent({ options, counters, retry, ended }, attempt, (err) => {
    // The transport's own failure (write CONNECTION_DESTROYED…) says nothing of why it was cut;
    // the server's last refusal (53300 too many clients…) does, outside a resume.
    if (cut?.reached) throw refused && !retry.resuming ? retry.giveUp(refused) : cutAt(options, counters, limit, retry, err);
    const error = err instanceof WarmpoolError ? err : new WarmpoolError('CONNECT_FAILED', String(err), { cause: err, notApplied: true });
    if (error.sqlState) refused = error;
    return { error, again: true };
  });
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
