import type net from 'node:net';
import postgres from 'postgres';
import { DatabaseError, WarmpoolError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { applicationNameFor, connectError, passwordFor, transactionStart } from './common.js';
import { openSocket } from './tcp-socket.js';
import type { Connection, Row, RunOptions, Statement, StatementResult, TransactionOptions, TransportFactory } from './types.js';

/**
 * TCP through postgres.js. Each warmpool connection is its own postgres.js instance with max 1,
 * so the pool (not the driver) decides when a socket is opened, validated and closed. The
 * driver's own idle and lifetime timers are off: they cannot fire while Lambda is frozen.
 */

type Sql = postgres.Sql<Record<string, never>>;
type ReservedSql = postgres.ReservedSql<Record<string, never>>;
type DriverResult = Record<string, unknown>[] & { command: string; count: number | null };
type DriverQuery = Promise<DriverResult> & { cancel(): unknown };

/** How long the server gets to confirm a cancel before the socket is destroyed. */
const CANCEL_GRACE_MS = 1000;

/** Driver error codes meaning the socket is gone. */
const SOCKET_GONE = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT',
  'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_DESTROYED', 'ERR_SOCKET_CLOSED',
]);

class TcpConnection implements Connection {
  #sql: Sql;
  #reserved!: ReservedSql;
  #prepare: boolean;
  #secrets: string[];
  #dead = false;
  #socket: net.Socket | undefined;
  /** Statements in flight; while 0, any ErrorResponse from the server is a FATAL ending the session. */
  #inFlight = 0;
  #suspect = false;

  private constructor(sql: Sql, prepare: boolean, secrets: string[]) {
    this.#sql = sql;
    this.#prepare = prepare;
    this.#secrets = secrets;
  }

  /**
   * An idle connection that receives an ErrorResponse ('E') has been ended by the server
   * (terminated backend, shutdown, idle_session_timeout); the FIN that follows may be read only
   * after the caller's next statement was written, so the error itself marks the connection dead.
   * Anything else unasked for (an immediate shutdown sends a WARNING notice, 'N') makes it suspect.
   */
  #watch(socket: net.Socket): void {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      // Before the driver hands over the session, everything is startup traffic.
      if (this.#inFlight > 0 || !this.#reserved) return;
      if (chunk[0] === 0x45) this.#dead = true;
      else this.#suspect = true;
    });
  }

  get suspect(): boolean {
    return this.#suspect;
  }

  get dead(): boolean {
    const socket = this.#socket;
    return this.#dead || (socket !== undefined && (socket.readableEnded || socket.destroyed));
  }

  static async open(options: ResolvedOptions, containerId: string, signal?: AbortSignal): Promise<TcpConnection> {
    const password = await passwordFor(options);
    const connection: Record<string, string> = { application_name: applicationNameFor(options, containerId) };
    if (options.serverIdleSessionTimeoutMs > 0) {
      connection.idle_session_timeout = String(options.serverIdleSessionTimeoutMs);
    }
    let self: TcpConnection | undefined;
    const driverOptions = {
      host: options.host,
      port: options.port,
      database: options.database,
      username: options.user,
      password,
      // TLS is negotiated in openSocket, which hands the driver a ready socket.
      ssl: false,
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      connect_timeout: options.connectTimeoutMs / 1000,
      prepare: options.prepare,
      connection,
      onnotice: () => {},
      socket: async () => {
        // The driver reconnects at once, forever, when a socket closes during startup; one
        // attempt per connect is ours to decide, so a second socket before login fails it.
        if (self && !self.#reserved && self.#socket) {
          throw Object.assign(new Error('the server closed the connection during startup'), { code: 'CONNECTION_CLOSED' });
        }
        const socket = await openSocket(options);
        // The driver also calls this for cancel requests; only the session's own socket is watched.
        if (self && !self.#socket) self.#watch(socket);
        return socket;
      },
      onclose: () => {
        if (self) self.#dead = true;
      },
    };
    // `socket` is a documented driver option that its type declarations omit.
    const sql = postgres(driverOptions as postgres.Options<Record<string, never>>) as unknown as Sql;
    self = new TcpConnection(sql, options.prepare, password ? [password] : []);
    const abort = () => void sql.end({ timeout: 0 });
    signal?.addEventListener('abort', abort, { once: true });
    try {
      signal?.throwIfAborted();
      self.#reserved = await sql.reserve();
      return self;
    } catch (err) {
      void sql.end({ timeout: 0 });
      throw connectError(err, options, self.#secrets);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** `graceMs`: how long the server gets to confirm a cancel at the deadline before the socket is destroyed. */
  async run(statement: Statement, options: RunOptions = {}, graceMs = CANCEL_GRACE_MS): Promise<StatementResult> {
    // The driver would try to write to a closed socket (and throw outside the promise).
    if (this.dead) throw new WarmpoolError('CONNECTION_LOST', 'The connection was closed before the statement was sent.', { notApplied: true });
    // `simple: false`: always the extended protocol (one statement, prepared when `prepare` is on),
    // also without parameters; the option is missing from the driver's type declarations.
    const query = this.#reserved.unsafe(statement.text, statement.params as never[], { prepare: this.#prepare, simple: false } as never) as unknown as DriverQuery;
    this.#inFlight++;
    let expired = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const deadline = options.deadline;
    if (deadline !== undefined && deadline !== Infinity) {
      // At the deadline: ask the server to cancel, and destroy the socket if it does not confirm.
      timer = setTimeout(() => {
        expired = true;
        if (graceMs === 0) return this.#destroy();
        Promise.resolve(query.cancel()).catch(() => {});
        graceTimer = setTimeout(() => this.#destroy(), graceMs);
      }, Math.max(0, deadline - Date.now()));
    }
    try {
      const result = await query;
      const rows: Row[] = new Array(result.length);
      for (let i = 0; i < result.length; i++) rows[i] = result[i];
      return { rows, command: result.command, rowCount: result.count ?? result.length };
    } catch (err) {
      const error = this.#statementError(err);
      if (!expired) throw error;
      const cancelled = error instanceof DatabaseError && error.code === '57014';
      throw new WarmpoolError('DEADLINE_EXCEEDED', cancelled ? 'The statement was cancelled on the server at its deadline.' : 'The statement passed its deadline and the connection was closed.', { cause: error, notApplied: cancelled });
    } finally {
      this.#inFlight--;
      clearTimeout(timer);
      clearTimeout(graceTimer);
    }
  }

  async batch(statements: readonly Statement[], tx: TransactionOptions, options: RunOptions = {}): Promise<StatementResult[]> {
    await this.run({ text: transactionStart(tx), params: [] }, options).catch((err) => {
      throw markNotApplied(err);
    });
    const results: StatementResult[] = [];
    try {
      for (const statement of statements) results.push(await this.run(statement, options));
    } catch (err) {
      // COMMIT was never sent, so nothing of this batch can have been applied.
      if (!this.dead) await this.run({ text: 'rollback', params: [] }).catch(() => {});
      throw markNotApplied(err);
    }
    await this.run({ text: 'commit', params: [] }, options);
    return results;
  }

  /** A dead or silently dropped connection fails this within `timeoutMs`: no cancel, the socket is destroyed. */
  async ping(timeoutMs: number): Promise<void> {
    await this.run({ text: 'select 1', params: [] }, { deadline: Date.now() + timeoutMs }, 0);
    this.#suspect = false;
  }

  async close(): Promise<void> {
    this.#dead = true;
    // The driver ends a reserved connection only once it is released; then it sends Terminate.
    this.#reserved.release();
    await this.#sql.end({ timeout: 1 }).catch(() => {});
  }

  #destroy(): void {
    this.#dead = true;
    void this.#sql.end({ timeout: 0 });
  }

  #statementError(err: unknown): WarmpoolError {
    if (err instanceof postgres.PostgresError) {
      const fatal = err.severity === 'FATAL' || err.severity === 'PANIC';
      if (fatal) {
        this.#dead = true;
        return new WarmpoolError('CONNECTION_LOST', `The server closed the connection: ${err.message} (SQLSTATE ${err.code})`, { cause: err, sqlState: err.code });
      }
      return new DatabaseError(err.message, err as unknown as { code: string }, { cause: err });
    }
    const code = (err as { code?: unknown })?.code;
    if (typeof code === 'string' && SOCKET_GONE.has(code)) {
      this.#dead = true;
      return new WarmpoolError('CONNECTION_LOST', `The connection was lost (${code}).`, { cause: err });
    }
    if (code === 'UNDEFINED_VALUE') {
      return new WarmpoolError('INVALID_PARAMETER', 'A query parameter is undefined; pass null for SQL NULL.', { cause: err, notApplied: true });
    }
    if (err instanceof WarmpoolError) return err;
    // Anything else from the driver leaves the socket state unknown: do not reuse it.
    this.#dead = true;
    const message = err instanceof Error ? err.message : String(err);
    return new WarmpoolError('CONNECTION_LOST', `The driver failed: ${message}`, { cause: err });
  }
}

function markNotApplied(err: unknown): unknown {
  if (err instanceof DatabaseError) {
    return new DatabaseError(err.message, err as unknown as { code: string }, { cause: err, notApplied: true });
  }
  if (err instanceof WarmpoolError) {
    return new WarmpoolError(err.code, err.message, { cause: err.cause ?? err, notApplied: true, sqlState: err.sqlState });
  }
  return err;
}

export const createTcpTransport: TransportFactory = (options, containerId) => ({
  name: 'tcp',
  interactiveTransactions: true,
  connect: (signal) => TcpConnection.open(options, containerId, signal),
});
