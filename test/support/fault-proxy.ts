import net from 'node:net';
import { Lane } from './fault-proxy-lane.js';
import { FrontendParser, bindParams, cstring } from './fault-proxy-protocol.js';

/**
 * A TCP proxy between a client and PostgreSQL that injects real network faults, per connection:
 * latency, a bandwidth limit, sliced packets, a stall (blackhole: sockets stay open, nothing is
 * forwarded), a real RST, a close after N bytes, refused connects, NAT-style idle expiry and
 * "leak" (the client side goes away, the upstream stays open: a zombie backend).
 *
 * It reads the frontend protocol (startup, Parse, Bind, Query, Sync) so that a fault can be aimed
 * at one statement ("reset right after this COMMIT was forwarded") and so that it can count how
 * many times each tracked parameter (an operation id) was sent by the client and forwarded to the
 * server. The backend direction is forwarded as bytes. TLS connections are forwarded raw.
 *
 * Randomness (slice sizes) comes from a seeded generator, so a failure replays with its seed.
 */

export interface Faults {
  /** Delay added to every chunk, in each direction (order is kept). */
  latencyMs: number;
  /** Throughput limit per direction in bytes per second; 0 = unlimited. Reading is paused behind it. */
  bytesPerSecond: number;
  /** Forward in slices of 1..sliceBytes bytes (seeded), each its own write; 0 = whole chunks. */
  sliceBytes: number;
  /** Forward nothing in either direction from now on; both sockets stay open (blackhole). */
  stall: boolean;
  /** Reset the client once this many bytes were forwarded on the connection (both directions); 0 = off. */
  closeAfterBytes: number;
  /** A flow idle longer than this is forgotten, like a NAT entry; the next packet meets natAction. 0 = off. */
  natIdleMs: number;
  natAction: 'reset' | 'blackhole';
  /** When the client side goes away, keep the upstream open: the server keeps a zombie backend. */
  leak: boolean;
}

export const NO_FAULTS: Faults = {
  latencyMs: 0, bytesPerSecond: 0, sliceBytes: 0, stall: false, closeAfterBytes: 0, natIdleMs: 0, natAction: 'reset', leak: false,
};

/** A statement as the proxy saw it on its way to the server. */
export interface SeenStatement {
  connection: ProxyConnection;
  /** SQL text (from Parse, looked up by statement name for a Bind, or from a simple Query). */
  text: string;
  /** Bind parameters in text form; null for SQL NULL or binary. */
  params: (string | null)[];
}

export type RuleAction =
  /** Do not forward the statement; reset the client and close the upstream (nothing reached the server). */
  | 'reset-before'
  /** Forward the statement up to its Sync, then reset the client and swallow the replies; the upstream is closed a moment later, after the server has run it. */
  | 'reset-after'
  /** Forward the statement, then reset the client after this many more bytes of the reply. */
  | { resetAfterReplyBytes: number };

export interface Rule {
  match: (statement: SeenStatement) => boolean;
  action: RuleAction;
  /** How many times the rule fires; default 1. */
  times?: number;
}

export interface RuleHandle {
  readonly fired: number;
  remove(): void;
}

export interface ProxyOptions {
  /** Where PostgreSQL listens (127.0.0.1). */
  upstreamPort: number;
  upstreamHost?: string;
  /** Seed of the generator behind slice sizes. Default 1. */
  seed?: number;
  /** Bind parameters starting with this prefix are counted (sent / forwarded). Default 'op-'. */
  trackPrefix?: string;
  /** After 'reset-after', how long the upstream stays open so the server finishes the statement. Default 300. */
  upstreamGraceMs?: number;
}

export interface ProxyCounters {
  accepted: number;
  refused: number;
  /** Client connections open now (a leaked one is no longer counted). */
  open: number;
  peakOpen: number;
  /** Upstream connections open now (leaked ones included). */
  upstreamOpen: number;
  resets: number;
  bytesUp: number;
  bytesDown: number;
}

/** mulberry32: small, fast, seeded. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultProxy {
  readonly counters: ProxyCounters = { accepted: 0, refused: 0, open: 0, peakOpen: 0, upstreamOpen: 0, resets: 0, bytesUp: 0, bytesDown: 0 };
  /**
   * Connections per application_name held right now (startup seen, neither side has closed or
   * sent FIN), and their peak: what counts against a container's cap.
   */
  readonly openByApp = new Map<string, number>();
  readonly peakByApp = new Map<string, number>();
  /** tracked parameter → [sent by the client, forwarded to the server] */
  readonly tracked = new Map<string, { sent: number; forwarded: number }>();
  readonly connections = new Set<ProxyConnection>();
  readonly random: () => number;
  readonly seed: number;
  #server: net.Server;
  #options: Required<ProxyOptions>;
  #defaults: Faults = { ...NO_FAULTS };
  #rules: { rule: Rule; fired: number; removed: boolean }[] = [];
  #observers = new Set<(statement: SeenStatement) => void>();
  #port = 0;
  #refusing = false;

  private constructor(options: ProxyOptions) {
    this.#options = { upstreamHost: '127.0.0.1', seed: 1, trackPrefix: 'op-', upstreamGraceMs: 300, ...options };
    this.seed = this.#options.seed;
    this.random = seededRandom(this.seed);
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  static async start(options: ProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await proxy.#listen(0);
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** `url` with its host and port pointed at the proxy. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.#port);
    return u.toString();
  }

  get defaults(): Faults {
    return { ...this.#defaults };
  }

  /** Changes faults for new connections and (by default) for the open ones. */
  set(faults: Partial<Faults>, scope: { existing?: boolean; future?: boolean } = {}): void {
    if (scope.future ?? true) Object.assign(this.#defaults, faults);
    if (scope.existing ?? true) for (const c of this.connections) c.set(faults);
  }

  /** Back to a plain pipe for new and open connections. */
  clear(): void {
    this.set(NO_FAULTS);
    for (const r of this.#rules) r.removed = true;
    this.#rules = [];
  }

  /** Refuse new connections for real (the listener is closed: ECONNREFUSED), or accept again. */
  async refuse(on: boolean): Promise<void> {
    if (on === this.#refusing) return;
    this.#refusing = on;
    // close() stops listening at once; its callback would wait for the open connections.
    if (on) this.#server.close();
    else await this.#listen(this.#port);
  }

  addRule(rule: Rule): RuleHandle {
    const entry = { rule, fired: 0, removed: false };
    this.#rules.push(entry);
    return {
      get fired() {
        return entry.fired;
      },
      remove: () => {
        entry.removed = true;
      },
    };
  }

  /** Calls `fn` for every statement a client sends (before any rule); returns a function that stops it. */
  observe(fn: (statement: SeenStatement) => void): () => void {
    this.#observers.add(fn);
    return () => this.#observers.delete(fn);
  }

  /** Called by connections for every statement seen. */
  seen(statement: SeenStatement): void {
    for (const fn of this.#observers) fn(statement);
  }

  /** Resets (RST) every open client connection; upstreams are closed. */
  resetAll(): void {
    for (const c of this.connections) c.reset();
  }

  /** How often a tracked parameter was sent by clients and forwarded to the server. */
  sends(value: string): { sent: number; forwarded: number } {
    return this.tracked.get(value) ?? { sent: 0, forwarded: 0 };
  }

  async close(): Promise<void> {
    if (!this.#refusing) this.#server.close();
    this.#refusing = true;
    for (const c of this.connections) c.destroy();
  }

  /** Called by connections: the first rule matching a statement, consumed. */
  takeRule(statement: SeenStatement): RuleAction | undefined {
    for (const entry of this.#rules) {
      if (entry.removed || entry.fired >= (entry.rule.times ?? 1)) continue;
      if (entry.rule.match(statement)) {
        entry.fired++;
        return entry.rule.action;
      }
    }
    return undefined;
  }

  track(params: (string | null)[], field: 'sent' | 'forwarded'): void {
    for (const p of params) {
      if (p === null || !p.startsWith(this.#options.trackPrefix)) continue;
      const entry = this.tracked.get(p) ?? { sent: 0, forwarded: 0 };
      entry[field]++;
      this.tracked.set(p, entry);
    }
  }

  appOpened(app: string): void {
    const n = (this.openByApp.get(app) ?? 0) + 1;
    this.openByApp.set(app, n);
    if (n > (this.peakByApp.get(app) ?? 0)) this.peakByApp.set(app, n);
  }

  appClosed(app: string): void {
    this.openByApp.set(app, (this.openByApp.get(app) ?? 1) - 1);
  }

  /** Highest number of simultaneously open connections of any application_name starting with `prefix`. */
  peakFor(prefix: string): number {
    let peak = 0;
    for (const [app, n] of this.peakByApp) if (app.startsWith(prefix)) peak = Math.max(peak, n);
    return peak;
  }

  get upstreamGraceMs(): number {
    return this.#options.upstreamGraceMs;
  }

  #listen(port: number): Promise<void> {
    this.#server = net.createServer((socket) => this.#accept(socket));
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#port = (this.#server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  #accept(client: net.Socket): void {
    this.counters.accepted++;
    const upstream = net.connect({ host: this.#options.upstreamHost, port: this.#options.upstreamPort });
    const connection = new ProxyConnection(this, client, upstream, { ...this.#defaults });
    this.connections.add(connection);
    connection.onDone = () => this.connections.delete(connection);
  }
}

/** One proxied client connection and its upstream. */
export class ProxyConnection {
  faults: Faults;
  /** application_name from the startup message ('' until seen, or for cancel requests). */
  app = '';
  kind: 'session' | 'cancel' | 'unknown' = 'unknown';
  onDone: () => void = () => {};
  #proxy: FaultProxy;
  #client: net.Socket;
  #upstream: net.Socket;
  #up: Lane;
  #down: Lane;
  #parser = new FrontendParser();
  #statements = new Map<string, string>();
  #pending: { action: RuleAction } | undefined;
  #replyBudget = -1;
  #swallowReplies = false;
  #forwarded = 0;
  #lastActivity = Date.now();
  #expired = false;
  #clientOpen = true;
  #upstreamOpen = false;
  #counted = false;
  #leaked = false;
  #resetByUs = false;

  constructor(proxy: FaultProxy, client: net.Socket, upstream: net.Socket, faults: Faults) {
    this.#proxy = proxy;
    this.#client = client;
    this.#upstream = upstream;
    this.faults = faults;
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    proxy.counters.open++;
    proxy.counters.peakOpen = Math.max(proxy.counters.peakOpen, proxy.counters.open);
    this.#up = new Lane(this, upstream, client, 'up');
    this.#down = new Lane(this, client, upstream, 'down');

    upstream.on('connect', () => {
      this.#upstreamOpen = true;
      proxy.counters.upstreamOpen++;
    });
    client.on('data', (chunk: Buffer) => this.#fromClient(chunk));
    upstream.on('data', (chunk: Buffer) => this.#fromServer(chunk));
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('close', (hadError) => this.#clientClosed(hadError));
    upstream.on('close', (hadError) => this.#upstreamClosed(hadError));
    // A FIN from either side ends the session for the cap: the client gave it up, or the server did.
    client.on('end', () => this.#uncount());
    upstream.on('end', () => this.#uncount());
  }

  set(faults: Partial<Faults>): void {
    Object.assign(this.faults, faults);
    this.#up.kick();
    this.#down.kick();
  }

  /** A real RST to the client; the upstream is closed (the server sees the session end). */
  reset(): void {
    this.#resetClient();
    this.#upstream.destroy();
  }

  /** Drops the client side (RST) and keeps the upstream open: a zombie on the server. */
  leak(): void {
    this.faults.leak = true;
    this.#resetClient();
  }

  destroy(): void {
    this.#client.destroy();
    this.#upstream.destroy();
  }

  get leaked(): boolean {
    return this.#leaked;
  }

  countForwarded(direction: 'up' | 'down', bytes: number): void {
    this.#lastActivity = Date.now();
    this.#forwarded += bytes;
    if (direction === 'up') this.#proxy.counters.bytesUp += bytes;
    else this.#proxy.counters.bytesDown += bytes;
  }

  /** Bytes the client may still receive before a planned reset (closeAfterBytes, resetAfterReplyBytes). */
  budget(direction: 'up' | 'down'): number {
    let budget = Infinity;
    if (this.faults.closeAfterBytes > 0) budget = Math.max(0, this.faults.closeAfterBytes - this.#forwarded);
    if (direction === 'down' && this.#replyBudget >= 0) budget = Math.min(budget, this.#replyBudget);
    return budget;
  }

  spendReplyBudget(bytes: number): void {
    if (this.#replyBudget >= 0) this.#replyBudget = Math.max(0, this.#replyBudget - bytes);
  }

  /** Budget used up: the planned reset happens now. */
  budgetExhausted(): void {
    this.reset();
  }

  get clientOpen(): boolean {
    return this.#clientOpen;
  }

  random(): number {
    return this.#proxy.random();
  }

  /**
   * NAT idle expiry: once the flow was idle longer than natIdleMs its mapping is gone. A packet
   * from the server is dropped; the client's next packet meets a reset or a blackhole.
   */
  #natBlocks(fromClient: boolean): boolean {
    if (!this.#expired && this.faults.natIdleMs > 0 && Date.now() - this.#lastActivity > this.faults.natIdleMs) this.#expired = true;
    if (!this.#expired) return false;
    if (fromClient) {
      if (this.faults.natAction === 'reset') this.reset();
      else this.faults.stall = true;
    }
    return true;
  }

  #fromClient(chunk: Buffer): void {
    if (this.#natBlocks(true) || this.faults.stall) return;
    for (const piece of this.#parser.feed(chunk)) {
      if (piece.startup) this.#onStartup(piece.startup);
      const message = piece.message;
      const seen = message ? this.#statementOf(message.type, message.body) : undefined;
      if (seen) {
        this.#proxy.seen(seen);
        this.#proxy.track(seen.params, 'sent');
        const action = this.#proxy.takeRule(seen);
        if (action === 'reset-before') {
          this.reset();
          return;
        }
        if (action) this.#pending = { action };
      }
      this.#up.push(piece.bytes);
      if (seen) this.#up.onWrite(() => this.#proxy.track(seen.params, 'forwarded'));
      if (message && this.#pending && (message.type === 0x53 /* Sync */ || message.type === 0x51 /* Query */)) {
        const { action } = this.#pending;
        this.#pending = undefined;
        this.#up.onWrite(() => this.#afterForwarded(action));
      }
    }
  }

  #afterForwarded(action: RuleAction): void {
    if (action === 'reset-after') {
      this.#swallowReplies = true;
      this.#resetClient();
      setTimeout(() => this.#upstream.destroy(), this.#proxy.upstreamGraceMs).unref();
    } else if (typeof action === 'object') {
      this.#replyBudget = action.resetAfterReplyBytes;
    }
  }

  #fromServer(chunk: Buffer): void {
    if (this.#swallowReplies || !this.#clientOpen) return; // swallowed, or leaked: the server talks to no one
    if (this.#natBlocks(false) || this.faults.stall) return;
    this.#down.push(chunk);
  }

  #statementOf(type: number, body: Buffer): SeenStatement | undefined {
    if (type === 0x50 /* Parse */) {
      const name = cstring(body, 0);
      const text = cstring(body, name.end + 1);
      this.#statements.set(name.value, text.value);
      return undefined;
    }
    if (type === 0x51 /* Query */) return { connection: this, text: cstring(body, 0).value, params: [] };
    if (type === 0x42 /* Bind */) {
      const portal = cstring(body, 0);
      const statement = cstring(body, portal.end + 1);
      return { connection: this, text: this.#statements.get(statement.value) ?? '', params: bindParams(body, statement.end + 1) };
    }
    return undefined;
  }

  #onStartup(startup: { code: number; params: Record<string, string> }): void {
    if (startup.code === 80877102) this.kind = 'cancel';
    if (startup.code !== 196608) return;
    this.kind = 'session';
    this.app = startup.params.application_name ?? '';
    this.#counted = true;
    this.#proxy.appOpened(this.app);
  }

  #uncount(): void {
    if (!this.#counted) return;
    this.#counted = false;
    this.#proxy.appClosed(this.app);
  }

  #resetClient(): void {
    if (!this.#clientOpen || this.#resetByUs) return;
    this.#resetByUs = true;
    this.#proxy.counters.resets++;
    this.#up.stop();
    this.#down.stop();
    this.#client.resetAndDestroy();
  }

  #clientClosed(hadError: boolean): void {
    if (!this.#clientOpen) return;
    this.#clientOpen = false;
    this.#proxy.counters.open--;
    this.#uncount();
    if (this.faults.leak) {
      // The container is gone but no FIN or RST reaches the server: its backend lives on.
      this.#leaked = true;
      this.#up.stop();
    } else if (!this.#resetByUs) {
      // Mirror the client: a RST becomes a RST, a FIN a FIN once everything queued went out.
      if (hadError) this.#upstream.resetAndDestroy();
      else this.#up.endAfterFlush();
    }
    this.#maybeDone();
  }

  #upstreamClosed(hadError: boolean): void {
    this.#uncount();
    if (this.#upstreamOpen) this.#proxy.counters.upstreamOpen--;
    const everConnected = this.#upstreamOpen;
    this.#upstreamOpen = false;
    if (this.#clientOpen) {
      // A failed upstream connect (server down) reaches the client as a reset; a server FIN as a FIN.
      if (hadError || !everConnected) this.#resetClient();
      else this.#down.endAfterFlush();
    }
    this.#maybeDone();
  }

  #maybeDone(): void {
    if (!this.#clientOpen && this.#upstream.destroyed) this.onDone();
  }
}
