import type { Credential, CredentialCache } from './credentials.js';
import { GatewayHttpError } from './http-error.js';
import type { UpstreamConnection } from './upstream.js';

/**
 * The capped pool of upstream connections behind `/sql`. Connections belong to the credentials
 * that opened them (keyed by the credential hash). An idle connection is reused only by a request
 * whose credentials the server accepted within the credential TTL; any other request opens a new
 * connection, which is how a wrong password always reaches the server's check. At the cap, an
 * idle connection of other credentials is closed to make room; otherwise the request waits in a
 * FIFO queue (bounded: 429 when full) for at most `queueTimeoutMs` (then 503). A request whose
 * credentials have a connection about to come back (answered, session being reset) waits for it
 * instead of opening another.
 */

export interface PoolLimits {
  maxConnections: number;
  maxQueue: number;
  queueTimeoutMs: number;
  idleTimeoutMs: number;
}

export type Opener = (credential: Credential) => Promise<UpstreamConnection>;

interface Waiter {
  credential: Credential;
  resolve: (conn: UpstreamConnection) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export interface PoolStats {
  /** Open and opening connections. */
  open: number;
  idle: number;
  busy: number;
  waiting: number;
  opened: number;
  reused: number;
  queueTimeouts: number;
  queueFull: number;
}

export class UpstreamPool {
  readonly #open: Opener;
  readonly #credentials: CredentialCache;
  readonly #limits: PoolLimits;
  /** Open and opening connections: never above maxConnections. */
  #total = 0;
  /** Oldest first. */
  readonly #idle: UpstreamConnection[] = [];
  readonly #waiters: Waiter[] = [];
  /** Credential key → connections being reset after their request was answered. */
  readonly #returning = new Map<string, number>();
  #closed = false;
  /** Polite closes under way, and close() callers waiting for them and for #total to reach 0. */
  readonly #closes = new Set<Promise<void>>();
  readonly #whenEmpty: Array<() => void> = [];
  #opened = 0;
  #reused = 0;
  #queueTimeouts = 0;
  #queueFull = 0;

  constructor(open: Opener, credentials: CredentialCache, limits: PoolLimits) {
    this.#open = open;
    this.#credentials = credentials;
    this.#limits = limits;
  }

  acquire(credential: Credential, signal?: AbortSignal): Promise<UpstreamConnection> {
    if (this.#closed) return Promise.reject(new GatewayHttpError(503, 'the gateway is shutting down'));
    if (this.#waiters.length === 0 && !this.#returningSoon(credential)) {
      const ready = this.#dispatch(credential);
      if (ready) return ready;
    }
    if (this.#waiters.length >= this.#limits.maxQueue) {
      this.#queueFull++;
      return Promise.reject(new GatewayHttpError(429, 'too many requests waiting for a database connection', { 'Retry-After': '1' }));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        credential,
        resolve,
        reject,
        signal,
        timer: setTimeout(() => {
          this.#removeWaiter(waiter);
          this.#queueTimeouts++;
          reject(new GatewayHttpError(503, `no database connection became free within ${this.#limits.queueTimeoutMs} ms`, { 'Retry-After': '1' }));
        }, this.#limits.queueTimeoutMs),
      };
      if (signal) {
        waiter.onAbort = () => {
          this.#removeWaiter(waiter);
          reject(new GatewayHttpError(499, 'client closed the request'));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /**
   * The request using `conn` has been answered and its session is being reset: a request with the
   * same credentials waits for it (a round trip) rather than opening a new connection (several).
   */
  returning(conn: UpstreamConnection): void {
    this.#returning.set(conn.key, (this.#returning.get(conn.key) ?? 0) + 1);
  }

  /** Gives a connection back. Only a connection whose session was reset cleanly is `reusable`. */
  release(conn: UpstreamConnection, reusable: boolean, wasReturning = false): void {
    if (wasReturning) {
      const n = (this.#returning.get(conn.key) ?? 1) - 1;
      if (n > 0) this.#returning.set(conn.key, n);
      else this.#returning.delete(conn.key);
    }
    if (!reusable || conn.dead) {
      this.#total--;
      conn.destroy();
    } else if (this.#closed) {
      // Clean session, pool closing: a Terminate, so the server ends the session normally.
      this.#total--;
      this.#closing(conn.close());
    } else {
      this.#idle.push(conn);
      conn.idleTimer = setTimeout(() => this.#evict(conn), this.#limits.idleTimeoutMs);
      conn.idleTimer.unref();
    }
    this.#pump();
    this.#settle();
  }

  stats(): PoolStats {
    return {
      open: this.#total,
      idle: this.#idle.length,
      busy: this.#total - this.#idle.length,
      waiting: this.#waiters.length,
      opened: this.#opened,
      reused: this.#reused,
      queueTimeouts: this.#queueTimeouts,
      queueFull: this.#queueFull,
    };
  }

  /**
   * Refuses new requests, fails the waiting ones and closes idle connections; busy ones close on
   * release. Settles once every connection is closed (idle ones with a Terminate).
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) {
        clearTimeout(w.timer);
        if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
        w.reject(new GatewayHttpError(503, 'the gateway is shutting down', { 'Retry-After': '1' }));
      }
      for (const conn of [...this.#idle]) this.#evict(conn);
    }
    return new Promise<void>((resolve) => {
      this.#whenEmpty.push(resolve);
      this.#settle();
    });
  }

  #closing(done: Promise<void>): void {
    this.#closes.add(done);
    void done.then(() => {
      this.#closes.delete(done);
      this.#settle();
    });
  }

  /** Resolves close() once no connection is open, opening or closing. */
  #settle(): void {
    if (!this.#closed || this.#total > 0 || this.#closes.size > 0) return;
    for (const resolve of this.#whenEmpty.splice(0)) resolve();
  }

  /** Whether a connection of these (verified) credentials comes back soon for this request. */
  #returningSoon(credential: Credential): boolean {
    const returning = this.#returning.get(credential.key) ?? 0;
    if (returning === 0 || !this.#credentials.isVerified(credential.key)) return false;
    if (this.#idle.some((c) => c.key === credential.key)) return false;
    return this.#waiters.filter((w) => w.credential.key === credential.key).length < returning;
  }

  /** A connection for `credential` now, or undefined when it has to wait. */
  #dispatch(credential: Credential): Promise<UpstreamConnection> | undefined {
    if (this.#credentials.isVerified(credential.key)) {
      for (let i = this.#idle.length - 1; i >= 0; i--) {
        const conn = this.#idle[i];
        if (conn.key !== credential.key) continue;
        this.#idle.splice(i, 1);
        clearTimeout(conn.idleTimer);
        this.#reused++;
        return Promise.resolve(conn);
      }
    }
    if (this.#total < this.#limits.maxConnections) {
      this.#total++;
      return this.#connect(credential);
    }
    const victim = this.#idle.shift();
    if (victim) {
      // Its slot goes to the new connection: #total is unchanged.
      clearTimeout(victim.idleTimer);
      this.#closing(victim.close());
      return this.#connect(credential);
    }
    return undefined;
  }

  async #connect(credential: Credential): Promise<UpstreamConnection> {
    try {
      const conn = await this.#open(credential);
      this.#opened++;
      this.#credentials.markVerified(credential.key);
      conn.onDeath((c) => this.#removeIdle(c));
      return conn;
    } catch (err) {
      this.#total--;
      this.#pump();
      this.#settle();
      throw err;
    }
  }

  #pump(): void {
    while (this.#waiters.length > 0) {
      const next = this.#waiters[0];
      const ready = this.#dispatch(next.credential);
      if (!ready) return;
      this.#removeWaiter(next);
      ready.then(next.resolve, next.reject);
    }
  }

  #evict(conn: UpstreamConnection): void {
    if (!this.#removeIdle(conn)) return;
    this.#closing(conn.close());
  }

  /** Drops an idle connection (closed by the server, timed out, evicted); false if it was not idle. */
  #removeIdle(conn: UpstreamConnection): boolean {
    const i = this.#idle.indexOf(conn);
    if (i < 0) return false;
    this.#idle.splice(i, 1);
    clearTimeout(conn.idleTimer);
    this.#total--;
    this.#pump();
    this.#settle();
    return true;
  }

  #removeWaiter(waiter: Waiter): void {
    const i = this.#waiters.indexOf(waiter);
    if (i >= 0) this.#waiters.splice(i, 1);
    clearTimeout(waiter.timer);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}
