/**
 * The connection set: a hard cap of `max` open connections, a FIFO queue of waiters, wall-clock
 * idle and lifetime limits (timers do not run while Lambda is frozen), validation after idle,
 * the release rule, and connects retried inside the caller's deadline (connect.ts).
 */
import { WarmpoolError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { readsOnly } from '../transports/session-state.js';
import type { Connection, Statement, Transport } from '../transports/types.js';
import { type Limit, connectWithRetry } from './connect.js';
import { removeUnordered } from '../unordered.js';
import type { Counters } from './stats.js';

export interface Lease {
  readonly connection: Connection;
  /** How many statements or transactions ran on it; 0 means it was opened for this use. */
  uses: number;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  generation: number;
  /**
   * Due for validation, which its caller's read carries instead of a ping (common.ts's
   * runReadOnly); set by acquire for that one use.
   */
  probe?: boolean;
}

/** How long the ROLLBACK and session reset on release may take when nothing tighter bounds them. */
const CLEANUP_BUDGET_MS = 1000;

/** The longest a closing connection keeps its slot; a transport's close ends its socket within about 1 s. */
const CLOSE_BUDGET_MS = 2000;

interface Waiter {
  resolve(handoff: Lease | 'slot'): void;
  reject(err: WarmpoolError): void;
}

export class ConnectionSet {
  readonly counters: Counters;
  /** Called each time a connection goes back to the idle list (warmpool/vercel's 'release'). */
  readonly releaseListeners = new Set<() => void>();
  #options: ResolvedOptions;
  #transport: Transport;
  #idle: Lease[] = [];
  /** In use (unordered.ts says why an array). */
  #busy: Lease[] = [];
  #connecting = 0;
  /** Connections being closed: they hold their slot until their socket is gone, so the cap holds at the server too. */
  #closing = 0;
  #waiters: Waiter[] = [];
  #generation = 0;
  #ended = false;
  #sweepTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ResolvedOptions, transport: Transport, counters: Counters) {
    this.#options = options;
    this.#transport = transport;
    this.counters = counters;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  get size() {
    return { open: this.#idle.length + this.#busy.length + this.#connecting + this.#closing, idle: this.#idle.length, busy: this.#busy.length, connecting: this.#connecting, waiting: this.#waiters.length };
  }

  /**
   * Gives a live connection, opening or waiting for one; never more than `max` exist. A warm
   * connection that needs no ping is returned synchronously: that is every statement's path.
   * `single`: the caller's one statement; when it only reads, a connection due for validation
   * is returned marked `probe` instead of pinged, for the read to carry the probe itself; `true`:
   * the caller (a transaction, whose BEGIN is the probe) does so for any statement.
   */
  acquire(callerDeadline: number, single?: Statement | true): Lease | Promise<Lease> {
    if (this.#ended) throw new WarmpoolError('POOL_ENDED', 'The pool has been ended; create a new one with createPool.', { notApplied: true });
    const now = Date.now();
    const lease = this.#takeIdle(now);
    if (lease && !this.#needsPing(lease, now)) return lease;
    // Only a session can carry BEGIN with a statement (HTTP refuses a lone BEGIN).
    if (lease && single && this.#transport.interactiveTransactions && (single === true || readsOnly(single.text))) {
      this.counters.validations++;
      lease.probe = true;
      return lease;
    }
    const deadline = Math.min(callerDeadline, now + this.#options.acquireTimeoutMs);
    const limit: Limit = { at: deadline, caller: callerDeadline };
    if (lease) return this.#validated(lease, limit);
    if (this.size.open < this.#options.max) {
      this.#connecting++;
      return this.#openInSlot(limit);
    }
    return this.#wait(deadline, callerDeadline).then((handoff) => (handoff === 'slot' ? this.#openInSlot(limit) : this.#validated(handoff, limit)));
  }

  #needsPing(lease: Lease, now = Date.now()): boolean {
    return lease.connection.suspect || now - lease.lastUsedAt > this.#options.validateAfterIdleMs;
  }

  /**
   * Returns a connection. The release rule: it is pooled only when the server's last
   * ReadyForQuery said idle outside a transaction ('I') and nothing of its user is left in the
   * session. Otherwise it is rolled back and its session reset, by `cleanupBy` at the latest, and
   * pooled only if the server then says 'I'. Anything unconfirmed is closed: the server rolls back
   * and forgets a session whose socket closed. A dead, drained, expired or unwanted connection, or
   * one only a new session can clean, is closed too. Returns a promise only when it sends something.
   */
  release(lease: Lease, discard = false, cleanupBy = Infinity): void | Promise<void> {
    const connection = lease.connection;
    const session = connection.session ?? 'clean';
    if (session === 'close') return this.#return(lease, true, 'session holds a prepared statement of its user');
    if (discard || connection.dead || (connection.status === 'I' && session === 'clean') || this.#ended || !this.#busy.includes(lease)) return this.#return(lease, discard);
    return this.#cleanThenReturn(lease, Math.min(cleanupBy, Date.now() + CLEANUP_BUDGET_MS));
  }

  /** ROLLBACK when not idle, then the session reset when it changed; each within `by`, its own budget (the deadline may have passed). */
  async #cleanThenReturn(lease: Lease, by: number): Promise<void> {
    const connection = lease.connection;
    if (connection.status !== 'I') {
      this.counters.releaseRollbacks++;
      if (Date.now() < by) await connection.run({ text: 'rollback', params: [] }, { deadline: by, abandonBy: by }).catch(() => {});
    }
    let reset = connection.session !== 'changed';
    if (!reset && !connection.dead && connection.status === 'I' && Date.now() < by) {
      this.counters.sessionResets++;
      reset = await connection.resetSession!({ deadline: by, abandonBy: by }).then(() => true, () => false);
    }
    const idle = reset && !connection.dead && connection.status === 'I' && connection.session === 'clean';
    this.#return(lease, !idle, idle ? undefined : 'not idle and clean after ROLLBACK and reset');
  }

  #return(lease: Lease, discard: boolean, reason = 'discarded'): void {
    // An evicted lease was already closed and its slot handed on.
    if (!this.#unbusy(lease)) return;
    const now = Date.now();
    // A connection due for validation that nothing was sent on is still due.
    if (!lease.probe) lease.lastUsedAt = now;
    lease.probe = false;
    if (discard || this.#ended || lease.connection.dead || lease.generation !== this.#generation || now >= lease.expiresAt) {
      this.#close(lease, discard ? reason : 'expired or dead');
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#busy.push(lease);
      this.counters.reused++;
      waiter.resolve(lease);
      return;
    }
    this.#idle.push(lease);
    this.#scheduleSweep();
    for (const listener of this.releaseListeners) listener();
  }

  /** Takes a connection away from a holder that will not return it (a handler that leaked it). */
  evict(lease: Lease): void {
    if (!this.#unbusy(lease)) return;
    this.counters.leaked++;
    this.#close(lease, 'leaked by its holder');
  }

  /** Closes every idle connection and marks busy ones to be closed on release (restart, failover). */
  drain(reason: string): void {
    this.#generation++;
    this.counters.drains++;
    this.#options.onEvent?.({ type: 'drain', reason });
    for (const lease of this.#idle.splice(0)) this.#close(lease, reason);
  }

  async end(): Promise<void> {
    this.#ended = true;
    clearTimeout(this.#sweepTimer);
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new WarmpoolError('POOL_ENDED', 'The pool was ended while waiting for a connection.', { notApplied: true }));
    }
    const all = [...this.#idle.splice(0), ...this.#busy];
    this.#busy = [];
    await Promise.all(all.map((lease) => lease.connection.close()));
  }

  /** Takes `lease` off the busy list; false when it was not on it (evicted before). */
  #unbusy(lease: Lease): boolean {
    return removeUnordered(this.#busy, lease);
  }

  #takeIdle(now: number): Lease | undefined {
    // Most recently used first: it is the one most likely still alive.
    while (this.#idle.length > 0) {
      const lease = this.#idle.pop()!;
      if (lease.connection.dead || this.#idleTooLong(lease, now) || now >= lease.expiresAt) {
        this.#close(lease, lease.connection.dead ? 'dead' : 'idle or lifetime limit');
        continue;
      }
      this.#busy.push(lease);
      this.counters.reused++;
      return lease;
    }
    return undefined;
  }

  /** Pings a connection idle longer than validateAfterIdleMs, or suspect; replaces it when the ping fails. */
  async #validated(lease: Lease, limit: Limit): Promise<Lease> {
    if (!this.#needsPing(lease)) return lease;
    this.counters.validations++;
    const timeout = Math.max(1, Math.min(this.#options.pingTimeoutMs, limit.at - Date.now()));
    try {
      await lease.connection.ping(timeout);
      return lease;
    } catch {
      this.counters.validationFailures++;
      this.#unbusy(lease);
      // Its slot passes to the replacement once the old socket is gone, not before.
      await this.#close(lease, 'validation failed', false);
      this.#connecting++;
      this.counters.reconnects++;
      return this.#openInSlot(limit);
    }
  }

  /** Opens a connection in a slot already counted in #connecting. */
  async #openInSlot(limit: Limit): Promise<Lease> {
    const started = Date.now();
    try {
      const connection = await connectWithRetry(this.#transport, this.#options, this.counters, limit, () => this.#ended);
      const now = Date.now();
      const lifetime = this.#options.maxLifetimeMs * (0.9 + 0.1 * Math.random());
      const lease: Lease = { connection, uses: 0, createdAt: now, lastUsedAt: now, expiresAt: now + (lifetime || Infinity), generation: this.#generation, probe: false };
      this.#busy.push(lease);
      this.counters.created++;
      this.#options.onEvent?.({ type: 'connect', durationMs: now - started });
      return lease;
    } finally {
      this.#connecting--;
      this.#handOffSlot();
    }
  }

  /** Queues for a connection until `deadline`; `callerDeadline` says whether that is the caller's own. */
  #wait(deadline: number, callerDeadline: number): Promise<Lease | 'slot'> {
    return new Promise((resolve, reject) => {
      const timeoutMs = Math.max(0, Math.min(this.#options.acquireTimeoutMs, deadline - Date.now()));
      const waiter: Waiter = {
        resolve: (handoff) => {
          clearTimeout(timer);
          resolve(handoff);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        if (deadline >= callerDeadline) {
          reject(new WarmpoolError('DEADLINE_EXCEEDED', `The invocation deadline passed while waiting ${timeoutMs} ms for a connection (max ${this.#options.max} per pool); nothing was sent.`, { notApplied: true }));
          return;
        }
        this.counters.acquireTimeouts++;
        reject(new WarmpoolError('ACQUIRE_TIMEOUT', `No connection became free within ${timeoutMs} ms (max ${this.#options.max} per pool, ${this.#waiters.length + 1} waiting). Raise max or acquireTimeoutMs, or make transactions shorter.`, { notApplied: true }));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** A slot became free: the first waiter may open a connection in it. */
  #handOffSlot(): void {
    if (this.#waiters.length === 0 || this.size.open >= this.#options.max) return;
    this.#connecting++;
    this.#waiters.shift()!.resolve('slot');
  }

  #idleTooLong(lease: Lease, now: number): boolean {
    return this.#options.idleTimeoutMs > 0 && now - lease.lastUsedAt >= this.#options.idleTimeoutMs;
  }

  /**
   * Closes a connection that is off the idle and busy lists. It keeps its slot until the socket is
   * gone; then the slot goes to the first waiter, unless `handOff` is false (the caller reuses it).
   */
  #close(lease: Lease, reason: string, handOff = true): Promise<void> {
    this.counters.discarded++;
    this.#options.onEvent?.({ type: 'discard', reason });
    this.#closing++;
    // A close that never settles must not keep its slot for ever: the socket is ended by then anyway.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_BUDGET_MS)));
    return Promise.race([lease.connection.close().catch(() => {}), bounded]).then(() => {
      clearTimeout(timer);
      this.#closing--;
      if (handOff) this.#handOffSlot();
    });
  }

  /** Closes idle connections past idleTimeoutMs while the process runs (Lambda freezes stop this timer; #takeIdle covers that). */
  #scheduleSweep(): void {
    if (this.#sweepTimer !== undefined || this.#options.idleTimeoutMs === 0) return;
    this.#sweepTimer = setTimeout(() => {
      this.#sweepTimer = undefined;
      const now = Date.now();
      const keep: Lease[] = [];
      for (const lease of this.#idle) {
        if (this.#idleTooLong(lease, now) || now >= lease.expiresAt) this.#close(lease, 'idle');
        else keep.push(lease);
      }
      this.#idle = keep;
      if (keep.length > 0) this.#scheduleSweep();
    }, this.#options.idleTimeoutMs);
    (this.#sweepTimer as { unref?: () => void }).unref?.();
  }
}
