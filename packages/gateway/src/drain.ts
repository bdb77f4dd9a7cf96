/**
 * The gateway's shutdown, in the order load balancers and orchestrators expect:
 *
 * 1. `draining`: at once, `GET /health` and `GET /ready` answer 503 `{"ok":false,"draining":true}`,
 *    so health checks fail and traffic moves elsewhere. For `delayMs`, new requests and
 *    tunnels are still served (Kubernetes removes a pod from its endpoints while it already got
 *    SIGTERM), each answer with `Connection: close`.
 * 2. `refusing`: new requests are answered 503 with `Retry-After` and SQLSTATE 57P03 (nothing
 *    ran: warmpool/http retries them), new tunnels refused; idle keep-alive sockets are closed;
 *    each WebSocket tunnel ends at its next idle point (FATAL 57P01, close code 1001, Terminate
 *    upstream). Requests in flight and busy tunnels have `timeoutMs` to finish.
 * 3. `cutting`: at that deadline what is left is cut (the server rolls back its transactions).
 * 4. The upstream pool closes (idle connections with a Terminate), the listener closes, done.
 *
 * A later call with a shorter timeout moves the deadline earlier (close() during a drain).
 */

export type DrainPhase = 'serving' | 'draining' | 'refusing' | 'closed';

export interface DrainOptions {
  /** New requests are still served this long after the drain starts. Default: the gateway's `drainDelayMs`. */
  delayMs?: number;
  /** Then requests in flight and busy tunnels may take this long before they are cut. Default: `drainTimeoutMs`. */
  timeoutMs?: number;
}

export interface DrainReport {
  /** Requests and tunnels still running at the deadline, and cut. */
  cutRequests: number;
  cutWebSockets: number;
  durationMs: number;
}

/** What the drain acts on: the server's parts. */
export interface DrainHooks {
  activeRequests(): number;
  openWebSockets(): number;
  /** Phase 2: stop new work, close idle sockets, ask each tunnel to end when idle. */
  refuse(): void;
  /** Phase 3: fail what is left. */
  cut(): void;
  /** Phase 4: close the upstream pool and the listener. */
  finish(): Promise<void>;
  onPhase(phase: DrainPhase, detail: Record<string, number>): void;
}

export class Drain {
  readonly #hooks: DrainHooks;
  #phase: DrainPhase = 'serving';
  #started = 0;
  #refuseAt = Number.POSITIVE_INFINITY;
  #cutAt = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #cut = { requests: 0, webSockets: 0 };
  #finished: ((report: DrainReport) => void) | undefined;
  #done: Promise<DrainReport> | undefined;

  constructor(hooks: DrainHooks) {
    this.#hooks = hooks;
  }

  get phase(): DrainPhase {
    return this.#phase;
  }

  /** Starts the drain, or moves its steps earlier; resolves once everything is closed. */
  start(delayMs: number, timeoutMs: number): Promise<DrainReport> {
    const now = performance.now();
    if (!this.#done) {
      this.#started = now;
      this.#phase = 'draining';
      this.#done = new Promise((resolve) => (this.#finished = resolve));
      this.#hooks.onPhase('draining', { delayMs, timeoutMs, requests: this.#hooks.activeRequests(), webSockets: this.#hooks.openWebSockets() });
    }
    this.#refuseAt = Math.min(this.#refuseAt, now + delayMs);
    this.#cutAt = Math.min(this.#cutAt, now + delayMs + timeoutMs);
    this.#schedule();
    return this.#done;
  }

  /** A request or tunnel ended: the drain may be over. */
  changed(): void {
    if (this.#phase === 'refusing' && this.#hooks.activeRequests() === 0 && this.#hooks.openWebSockets() === 0) void this.#finish();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    const next = this.#phase === 'draining' ? this.#refuseAt : this.#phase === 'refusing' ? this.#cutAt : undefined;
    if (next === undefined) return;
    this.#timer = setTimeout(() => (this.#phase === 'draining' ? this.#refuse() : this.#cutNow()), Math.max(0, next - performance.now()));
  }

  #refuse(): void {
    this.#phase = 'refusing';
    this.#hooks.onPhase('refusing', { requests: this.#hooks.activeRequests(), webSockets: this.#hooks.openWebSockets() });
    this.#hooks.refuse();
    this.#schedule();
    this.changed();
  }

  #cutNow(): void {
    if (this.#phase !== 'refusing') return;
    this.#cut = { requests: this.#hooks.activeRequests(), webSockets: this.#hooks.openWebSockets() };
    this.#hooks.cut();
    void this.#finish();
  }

  async #finish(): Promise<void> {
    if (this.#phase !== 'refusing') return;
    this.#phase = 'closed';
    clearTimeout(this.#timer);
    await this.#hooks.finish();
    const report = { cutRequests: this.#cut.requests, cutWebSockets: this.#cut.webSockets, durationMs: Math.round(performance.now() - this.#started) };
    this.#hooks.onPhase('closed', { ...report });
    this.#finished?.(report);
  }
}
