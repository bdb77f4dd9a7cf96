/**
 * One upstream connection for `/sql`: a postgres.js instance with max 1 (see upstream-driver.ts),
 * so the gateway's pool (not the driver) decides when connections open and close. Values stay
 * the text Postgres sent (the Neon driver parses them from `dataTypeID`). Rows are handed over
 * one by one (`forEach`), never collected here.
 *
 * The gateway dials the socket itself (TLS included, as for WebSocket tunnels) and hands it to
 * postgres.js as plain protocol, so a BackendTap reads each message's size before the driver
 * buffers it: a row larger than the response limit is refused before it is held in memory.
 *
 * A connection logs in once. When its socket closes it is dead for good: postgres.js would
 * otherwise dial again at once for the next query, with no pause and the password already
 * forgotten. The pool opens a new connection for the next request instead.
 */
import type { Socket } from 'node:net';
import { Stream } from 'node:stream';
import { BackendTap } from './backend-tap.js';
import type { Credential } from './credentials.js';
import { isServerError } from './http-error.js';
import type { Column, ResponseBudget } from './result-json.js';
import type { UpstreamTarget } from './options.js';
import { type CancellableQuery, cancelQuietly } from 'warmpool/internal';
import { CopyNotSupported, StatementStopped, UpstreamLost, type StopReason } from './upstream-errors.js';
import { type DriverLimits, type Sql, upstreamDriver } from './upstream-driver.js';
import { dialUpstream } from './upstream-socket.js';

export { CopyNotSupported, StatementStopped, UpstreamLost, type StopReason } from './upstream-errors.js';

/** A session reset or rollback slower than this means a sick connection: it is closed instead. */
const RESET_TIMEOUT_MS = 2_000;

/** How long a stopped statement's cancel request may take before its socket is cut anyway. */
const CANCEL_GRACE_MS = 1_000;

export interface StatementOutcome {
  columns: Column[];
  command: string;
  count: number | null;
}

export interface UpstreamLimits extends DriverLimits {
  /** Largest message the server may send outside rows (errors, notices…): past it the connection is stopped. */
  maxResponseBytes: number;
}

export class UpstreamConnection {
  readonly key: string;
  readonly #sql: Sql;
  readonly #limits: UpstreamLimits;
  readonly #tap: BackendTap;
  /** The connection's own socket; set once dialled. */
  #socket: Socket | undefined;
  /** Stops the running statement; set by `run`. */
  #stopStatement: (() => void) | undefined;
  #dead = false;
  #onDeath: (conn: UpstreamConnection) => void = () => {};
  /** Set by the pool while idle. */
  idleTimer: NodeJS.Timeout | undefined;

  private constructor(sql: Sql, key: string, limits: UpstreamLimits, tap: BackendTap) {
    this.#sql = sql;
    this.key = key;
    this.#limits = limits;
    this.#tap = tap;
  }

  /** Opens and authenticates a connection as `credential`; rejects with postgres.js's error. */
  static async open(target: UpstreamTarget, credential: Credential, limits: UpstreamLimits): Promise<UpstreamConnection> {
    let password: string | undefined = credential.password;
    let conn: UpstreamConnection | undefined;
    // Outside a statement, an oversized message just ends the connection.
    const tap = new BackendTap(limits.maxResponseBytes, () => conn?.stopForSize());
    let dialled = false;
    const sql = upstreamDriver(target, credential.user, limits, {
      // Forgotten once used: the gateway does not keep passwords. Asked once: the socket below is
      // never dialled again for a login.
      password: () => {
        const p = password ?? '';
        password = undefined;
        return p;
      },
      // The first socket is the connection's own; later ones carry only cancel requests, and none
      // is dialled once the connection is dead (postgres.js would log in again on it at once).
      socket: async () => {
        if (conn && conn.#dead) throw new UpstreamLost();
        const own = !dialled;
        dialled = true;
        const socket = await dialUpstream(target, limits.connectTimeoutMs);
        if (own && conn) {
          conn.#socket = socket;
          tap.attach(socket);
          // Before postgres.js's own listener: dead before it tries to reconnect.
          const c = conn;
          socket.once('close', () => c.markDead());
        }
        return socket;
      },
      onclose: () => conn?.markDead(),
    });
    conn = new UpstreamConnection(sql, credential.key, limits, tap);
    try {
      await sql.unsafe('select 1', [], { simple: true } as never);
      if (conn.#dead) throw new Error('connection closed while opening');
      return conn;
    } catch (err) {
      password = undefined;
      conn.destroy();
      throw err;
    }
  }

  get dead(): boolean {
    return this.#dead;
  }

  onDeath(fn: (conn: UpstreamConnection) => void): void {
    this.#onDeath = fn;
  }

  /**
   * Runs one statement with the extended protocol (one statement per request, as Neon), giving
   * each row to `onRow`. A row `budget` cannot take (seen from its header, before it is read),
   * `onRow` returning false (response too large), `signal` aborting (client gone) or the
   * client-side timeout stop the statement: it is cancelled on the server and this connection is
   * closed, since a late cancel could otherwise hit the next request's statement.
   */
  async run(
    text: string,
    params: readonly (string | null)[],
    onRow: (values: (string | null)[], columns: Column[]) => boolean,
    budget: ResponseBudget,
    signal?: AbortSignal,
  ): Promise<StatementOutcome> {
    if (this.#dead) throw Object.assign(new Error('connection is closed'), { code: 'CONNECTION_CLOSED' });
    const query = this.#sql.unsafe(text, params as string[], { prepare: false, simple: false } as never).values();
    let stopped: StopReason | undefined;
    const stop = (reason: StopReason) => {
      if (stopped) return;
      stopped = reason;
      // Out of the pool at once, so no other request gets it while it winds down. The socket is
      // cut once the cancel request is done (the server then stops even a statement that never
      // writes, such as pg_sleep), or after a grace if it hangs. Cut, not closed politely: a
      // server blocked writing to a paused socket defers the cancel and sees only a reset.
      // The cancel is dialled first: no socket is dialled for a dead connection.
      const cancelled = cancelQuietly(query as unknown as CancellableQuery);
      this.markDead();
      const cut = setTimeout(() => this.destroy(), CANCEL_GRACE_MS).unref();
      void cancelled.then(() => {
        clearTimeout(cut);
        this.destroy();
      });
    };
    const onAbort = () => stop('client-gone');
    this.#stopStatement = () => stop('too-large');
    this.#tap.beginStatement((valueBytes) => budget.admits(valueBytes));
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    // Backstop for the server-side statement_timeout (a session may have changed it).
    const timer = setTimeout(() => stop('timeout'), this.#limits.statementTimeoutMs + 1_000);
    timer.unref();
    try {
      const result = (await query.forEach((row: unknown, res: unknown) => {
        if (stopped) return;
        const columns = (res as { columns: Column[] }).columns;
        if (!onRow(row as (string | null)[], columns)) stop('too-large');
      })) as unknown as { columns?: Column[]; command: string; count: number | null };
      if (stopped) throw new StatementStopped(stopped);
      if (result instanceof Stream) {
        // COPY: postgres.js hands over a stream and the session waits for copy data. Not part of
        // the HTTP protocol (nor Neon's); the session is dropped so it cannot be left half-copied.
        result.on('error', () => {});
        this.destroy();
        throw new CopyNotSupported();
      }
      return { columns: this.#withShapes(result.columns ?? []), command: result.command ?? '', count: result.count ?? null };
    } catch (err) {
      if (stopped) throw new StatementStopped(stopped);
      // Lost (reset, closed): dead now, before the socket's close event, so nothing else is sent on it.
      if (!isServerError(err)) this.destroy();
      throw err;
    } finally {
      this.#tap.endStatement();
      this.#stopStatement = undefined;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The tap saw a message too large for the response: the statement stops, or the connection ends. */
  stopForSize(): void {
    if (this.#stopStatement) this.#stopStatement();
    else this.destroy();
  }

  /** postgres.js's columns with the type size and modifier the tap read from the RowDescription. */
  #withShapes(columns: readonly Column[]): Column[] {
    const shapes = this.#tap.fields;
    return columns.map((c, i) => ({ ...c, size: shapes[i]?.size ?? -1, modifier: shapes[i]?.modifier ?? -1 }));
  }

  /**
   * A statement the gateway itself sends (BEGIN, COMMIT, ROLLBACK), within `timeoutMs` (by default
   * the statement timeout and a second). A connection that fails it other than with a server
   * error (lost, no answer in time) is closed and the error is an UpstreamLost.
   */
  control(text: string, timeoutMs = this.#limits.statementTimeoutMs + 1_000): Promise<void> {
    return this.#bounded(() => this.#sql.unsafe(text, [], { simple: true } as never), timeoutMs).then(() => {});
  }

  /** How many parameters `text` takes, as the server parses it; undefined when it cannot tell. */
  async placeholders(text: string): Promise<number | undefined> {
    try {
      const described = await this.#bounded(() => this.#sql.unsafe(text, []).describe(), RESET_TIMEOUT_MS);
      return (described as unknown as { types: unknown[] }).types.length;
    } catch {
      return undefined;
    }
  }

  /**
   * Returns the session to a clean state for the next request of the same user (settings, temp
   * tables, locks, SET ROLE…). Fails, and the connection is closed, when a transaction is still
   * open: a request's `BEGIN` never leaks into another request.
   */
  async reset(): Promise<boolean> {
    try {
      await this.control('discard all', RESET_TIMEOUT_MS);
      return !this.#dead;
    } catch {
      this.destroy();
      return false;
    }
  }

  /** Rolls back the open transaction within a short budget; false (and closed) when it could not. */
  async rollback(): Promise<boolean> {
    try {
      await this.control('rollback', RESET_TIMEOUT_MS);
      return !this.#dead;
    } catch {
      this.destroy();
      return false;
    }
  }

  async #bounded<T>(send: () => PromiseLike<T>, timeoutMs: number): Promise<T> {
    if (this.#dead) throw new UpstreamLost();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        send(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new UpstreamLost(`the upstream database did not answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
    } catch (err) {
      if (isServerError(err)) throw err;
      this.destroy();
      throw err instanceof UpstreamLost ? err : new UpstreamLost();
    } finally {
      clearTimeout(timer);
    }
  }

  markDead(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#onDeath(this);
  }

  /** Closes the socket now; never throws. */
  destroy(): void {
    this.markDead();
    this.#sql.end({ timeout: 0 }).catch(() => {});
    // Cut, not only ended: postgres.js's end sends Terminate and waits for a server that may be busy.
    this.#socket?.destroy();
  }

  /** Polite close (Terminate message) for an idle connection; settles once the socket is closed. */
  close(): Promise<void> {
    this.markDead();
    return this.#sql.end({ timeout: 1 }).catch(() => {});
  }
}
