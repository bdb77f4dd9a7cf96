/**
 * TCP through postgres.js. Each warmpool connection is its own postgres.js instance with max 1,
 * so the pool (not the driver) decides when a socket is opened, validated and closed. The
 * driver's own idle and lifetime timers are off: they cannot fire while Lambda is frozen.
 *
 * On Node the socket comes from `openSocket` (tcp-socket.ts), so the transport sees every byte;
 * on Workers (postgres.js's `cf` build, through `warmpool/worker/tcp`) there is none and the
 * driver opens its own through `cloudflare:sockets`, for one request.
 */
import type net from 'node:net';
import postgres from 'postgres';
import { DatabaseError, WarmpoolError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { applicationNameFor, batchInSession, connectError, limitReached, passwordFor } from './common.js';
import { DeadlineAlarm } from './deadline-alarm.js';
import { type CancellableQuery, cancelQuietly } from './postgres-cancel.js';
import { ReadyForQueryReader } from './ready-for-query.js';
import { RESET_SESSION, type SessionState, firstWord, sessionChangeOf, worse } from './session-state.js';
import { type DriverTypeTables, registerArrayTypes, userTypesQuery } from './tcp-array-types.js';
import { DATE_TYPE, JSON_TYPE, driverParsersOff } from './tcp-driver-types.js';
import { COMMITS_AFTER_COMPLETE, SERVER_TERMINATIONS, SOCKET_GONE, isStaleStatement, serverFields, trailingFatal } from './tcp-errors.js';
import { type DriverColumn, type DriverResult, TcpResults } from './tcp-result.js';
import type { ClosedBy, Connection, ConnectLimit, RunOptions, Statement, StatementResult, TransactionOptions, TransactionStatus, TransportFactory } from './types.js';
import { tcpParam, textParam, typeParsers } from './values.js';

/** Opens the socket (TLS included) the driver talks over. */
export type SocketOpener = (options: ResolvedOptions) => Promise<net.Socket>;

type Sql = postgres.Sql<Record<string, never>>;
type ReservedSql = postgres.ReservedSql<Record<string, never>>;
type DriverQuery = Promise<DriverResult> & CancellableQuery & { values(): unknown };
/** A driver query read through a row-limited portal (its `cursor(rows)` iterator, see stream). */
type DriverCursor = DriverQuery & {
  cursor(rows: number): AsyncIterable<DriverResult>;
  statement?: { columns?: DriverColumn[] };
  resolve(value?: unknown): void;
  reject(err?: unknown): void;
};

/** A connection's driver, and what its callbacks need from the connection once it exists. */
interface DriverSlot {
  sql: Sql;
  self: TcpConnection | undefined;
  password: string | undefined;
  /**
   * The connect was given up or the connection closed: a socket the driver gets from now on (it
   * may have asked for one before) is destroyed at once, so no session outlives its pool slot.
   */
  abandoned: boolean;
}

/** How long the server gets to confirm a cancel before the socket is destroyed. */
const CANCEL_GRACE_MS = 1000;

class TcpConnection implements Connection {
  #sql: Sql;
  #reserved!: ReservedSql;
  /** Named prepared statements (the `prepare` option); else unnamed ones (see #query). */
  #prepare: boolean;
  #results: TcpResults;
  #alarm = new DeadlineAlarm();
  #secrets: string[];
  #dead = false;
  #socket: net.Socket | undefined;
  /** Statements in flight; while 0, any ErrorResponse from the server is a FATAL ending the session. */
  #inFlight = 0;
  #suspect = false;
  /** The last bytes read: a FATAL the server sent before closing ends them (see trailingFatal). */
  #lastChunk: Buffer | undefined;
  #readyForQuery = new ReadyForQueryReader();
  #session: SessionState = 'clean';
  /** The FATAL that ended the session while it was idle, for the next error to name. */
  #closedBy: ClosedBy | undefined;

  /** A stream's portal is open: no other statement may be sent until it ends (see stream). */
  #streaming = false;

  /** No pooler in between: a FATAL read is the server's own (see #statementError). */
  #direct: boolean;

  #slot: DriverSlot;

  private constructor(slot: DriverSlot, prepare: boolean, results: TcpResults, secrets: string[], direct: boolean) {
    this.#slot = slot;
    const sql = slot.sql;
    this.#direct = direct;
    this.#sql = sql;
    this.#prepare = prepare;
    this.#results = results;
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
      this.#lastChunk = chunk;
      this.#readyForQuery.read(chunk);
      // Before the driver hands over the session, everything is startup traffic.
      if (this.#inFlight > 0 || !this.#reserved) return;
      if (chunk[0] === 0x45) {
        this.#dead = true;
        this.#closedBy = trailingFatal(chunk);
      } else this.#suspect = true;
    });
  }

  /** Without a socket of its own (Workers) the wire is not visible: 'unknown', so the pool rolls back on release. */
  get status(): TransactionStatus {
    return this.#readyForQuery.status;
  }

  get suspect(): boolean {
    return this.#suspect;
  }

  get session(): SessionState {
    return this.#session;
  }

  get closedBy(): ClosedBy | undefined {
    return this.#closedBy;
  }

  markSessionChanged(): void {
    this.#session = worse(this.#session, 'changed');
  }

  get dead(): boolean {
    const socket = this.#socket;
    return this.#dead || (socket !== undefined && (socket.readableEnded || socket.destroyed));
  }

  /**
   * The postgres.js instance of one connection, built before its connect: its closures find the
   * connection and its password in the returned slot once `open` has them.
   */
  static driver(options: ResolvedOptions, containerId: string, openSocket: SocketOpener | undefined): DriverSlot {
    const connection: Record<string, string> = { application_name: applicationNameFor(options, containerId) };
    if (options.serverIdleSessionTimeoutMs > 0) {
      // Both: a container killed inside a transaction leaves an "idle in transaction" session,
      // which idle_session_timeout does not end.
      connection.idle_session_timeout = String(options.serverIdleSessionTimeoutMs);
      connection.idle_in_transaction_session_timeout = String(options.serverIdleSessionTimeoutMs);
    }
    const slot: DriverSlot = { sql: undefined as unknown as Sql, self: undefined, password: undefined, abandoned: false };
    const driverOptions = {
      host: options.host,
      port: options.port,
      database: options.database,
      username: options.user,
      // Read when the server asks for it; '' as the driver's own default when there is none.
      password: () => slot.password ?? '',
      // TLS is negotiated in openSocket, which hands the driver a ready socket.
      ssl: openSocket ? false : options.ssl === 'disable' ? false : options.ssl,
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      connect_timeout: options.connectTimeoutMs / 1000,
      prepare: options.prepare,
      // Array types come from a table, no query (tcp-array-types.ts).
      fetch_types: false,
      connection,
      onnotice: () => {},
      // A setting the server reports changed, by a function or a SET (startup's own come before #reserved).
      onparameter: () => {
        const self = slot.self;
        if (self && (self.#reserved as ReservedSql | undefined)) self.markSessionChanged();
      },
      types: { date: DATE_TYPE, json: JSON_TYPE },
      socket: openSocket && (async () => {
        const self = slot.self;
        // The driver reconnects at once, forever, when a socket closes during startup; one
        // attempt per connect is ours to decide, so a second socket before login fails it.
        if (self && !self.#reserved && self.#socket) {
          throw Object.assign(new Error('the server closed the connection during startup'), { code: 'CONNECTION_CLOSED' });
        }
        const socket = await openSocket(options);
        if (slot.abandoned) {
          socket.destroy();
          throw Object.assign(new Error('the connect was given up'), { code: 'CONNECTION_CLOSED' });
        }
        // The driver also calls this for cancel requests; only the session's own socket is watched.
        if (self && !self.#socket) self.#watch(socket);
        return socket;
      }),
      onclose: () => {
        if (slot.self) slot.self.#dead = true;
      },
    };
    // `socket` is a documented driver option that its type declarations omit.
    slot.sql = postgres(driverOptions as unknown as postgres.Options<Record<string, never>>) as unknown as Sql;
    return slot;
  }

  /** `userTypes`: the pool's CREATE TYPE types looked up so far (TcpResults.userTypes). */
  static async open(options: ResolvedOptions, containerId: string, openSocket: SocketOpener | undefined, userTypes: Record<number, number>, limit?: ConnectLimit, refreshPassword = false, built?: DriverSlot): Promise<TcpConnection> {
    const password = await passwordFor(options, refreshPassword, limit);
    const slot = built ?? TcpConnection.driver(options, containerId, openSocket);
    const { sql } = slot;
    slot.password = password;
    const self = new TcpConnection(slot, options.prepare, new TcpResults(typeParsers(options.textTypes, 'Option "textTypes"'), userTypes), password ? [password] : [], options.pooler === 'none');
    slot.self = self;
    const abort = () => {
      slot.abandoned = true;
      void sql.end({ timeout: 0 });
    };
    const stopWatching = limit?.onReached(abort);
    // The driver's connect_timeout ends at login; the first query after it is bounded here.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort();
    }, options.connectTimeoutMs);
    try {
      if (limit?.reached) throw limitReached();
      registerArrayTypes(sql.options as unknown as DriverTypeTables);
      driverParsersOff(sql);
      // A query opens the connection: reserve() on a connection not yet open never settles when
      // fetch_types is off (porsager/postgres#751), and a query sent during the connect waits
      // for the first one's answer anyway.
      await sql.unsafe('select 1');
      self.#reserved = await sql.reserve();
      return self;
    } catch (err) {
      abort();
      const cut = timedOut && !limit?.reached ? Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' }) : err;
      throw connectError(cut, options, self.#secrets);
    } finally {
      clearTimeout(timer);
      stopWatching?.();
    }
  }

  /** `graceMs`: how long the server gets to confirm a cancel at the deadline before the socket is destroyed. */
  run(statement: Statement, options: RunOptions = {}, graceMs = CANCEL_GRACE_MS): Promise<StatementResult> {
    if (this.#streaming) return Promise.reject(streamOpen());
    this.#session = worse(this.#session, sessionChangeOf(statement.text));
    return this.#send(statement, options, graceMs, false);
  }

  /** Restores the session's defaults (see session-state.ts) in one simple-protocol round trip. */
  async resetSession(options: RunOptions): Promise<void> {
    await this.#send({ text: RESET_SESSION, params: [] }, options, 0, true);
    this.#session = 'clean';
  }

  /** `simple`: several commands in one simple-protocol message, whose results are not read (the reset). */
  async #send(statement: Statement, options: RunOptions, graceMs: number, simple: boolean): Promise<StatementResult> {
    // The driver would try to write to a closed socket (and throw outside the promise).
    if (this.dead) throw this.#closedError('The connection was closed before the statement was sent.');
    const query = simple ? this.#reserved.unsafe(statement.text, [], SIMPLE as never) as unknown as DriverQuery : this.#query(statement);
    if (statement.arrayRows) query.values();
    const wasIdle = this.#readyForQuery.status === 'I';
    this.#readyForQuery.status = 'unknown';
    // The driver writes a turn later: a failure read before then means the statement never left.
    const writtenBefore = this.#socket?.bytesWritten;
    const completesBefore = this.#readyForQuery.commandCompletes;
    this.#inFlight++;
    let expired = false;
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const deadline = options.deadline;
    const watched = deadline === undefined || deadline === Infinity ? undefined : {
      deadline,
      // At the deadline: ask the server to cancel, and destroy the socket if it does not confirm.
      expire: () => {
        expired = true;
        if (graceMs === 0) return this.#destroy();
        cancelQuietly(query);
        const abandonIn = options.abandonBy === undefined ? graceMs : Math.min(graceMs, options.abandonBy - Date.now());
        graceTimer = setTimeout(() => this.#destroy(), Math.max(0, abandonIn));
      },
    };
    if (watched) this.#alarm.watch(watched);
    try {
      const result = await query;
      // A cancel the server had not acted on yet would reach a later statement: a new session instead.
      if (expired) this.#destroy();
      if (simple) return NO_ROWS;
      const unknown = this.#results.unknownTypes(result.columns, statement.text);
      if (unknown && !this.dead) await this.#lookUpTypes(unknown);
      return this.#results.from(result, statement);
    } catch (err) {
      const unsent = writtenBefore !== undefined && this.#socket?.bytesWritten === writtenBefore;
      const unfinished = this.#direct && wasIdle && this.#socket !== undefined && this.#readyForQuery.commandCompletes === completesBefore && COMMITS_AFTER_COMPLETE.has(firstWord(statement.text));
      const error = this.#statementError(err, unsent, unfinished, wasIdle);
      if (expired) this.#destroy();
      if (!expired) throw error;
      const cancelled = error instanceof DatabaseError && error.code === '57014';
      throw new WarmpoolError('DEADLINE_EXCEEDED', cancelled ? 'The statement was cancelled on the server at its deadline.' : 'The statement passed its deadline and the connection was closed.', { cause: error, notApplied: cancelled });
    } finally {
      this.#inFlight--;
      if (watched) this.#alarm.unwatch(watched);
      clearTimeout(graceTimer);
    }
  }

  /**
   * The driver's query for `statement`, always through the extended protocol (`simple: false`,
   * an option missing from the driver's type declarations). Unprepared (the default) it goes out
   * as one unnamed Parse, Describe, Bind, Execute and Sync: its parameters are text that the
   * server types afresh at each Parse (textParam), so a column whose type changed is read by its
   * new type; the driver, given them as its `parameters` and no values of its own to convert,
   * sends no Describe round trip first. Prepared, the driver names the statement, describes it
   * on first use, and converts values by the types the server gave then.
   */
  #query(statement: Statement): DriverQuery {
    const { text, params } = statement;
    if (this.#prepare) return this.#reserved.unsafe(text, params.map(tcpParam) as never[], PREPARED as never) as unknown as DriverQuery;
    // Converted first: a value refused here (undefined) leaves no query behind.
    const parameters = params.length === 0 ? undefined : params.map(textParam);
    const query = this.#reserved.unsafe(text, [], UNPREPARED as never) as unknown as DriverQuery & { parameters?: unknown[] };
    if (parameters) query.parameters = parameters;
    return query;
  }

  /** Learns which of `oids` (CREATE TYPE types) are arrays, for the parsers; a failure leaves them text. */
  async #lookUpTypes(oids: number[]): Promise<void> {
    try {
      const rows = await this.#reserved.unsafe(userTypesQuery(oids), [], UNPREPARED as never) as unknown as { oid: string; typelem: string }[];
      const types = this.#results.userTypes;
      for (const oid of oids) types[oid] = 0;
      for (const { oid, typelem } of rows) types[Number(oid)] = Number(typelem);
    } catch {
      // The statement's own result stands; its arrays of such types stay text.
    }
  }

  /**
   * The rows of any statement (DML ... returning too) in batches of at most `rowsPerBatch`,
   * through the unnamed portal: Execute with a row limit, as pg-cursor does. The deadline and
   * session rules are those of `run`. The portal ends cleanly (its last batch, or Close and Sync
   * when the caller stops early, inside the caller's transaction if any) or the session is
   * closed, so the connection is never used mid-portal; `run` refuses a statement meanwhile.
   * A CREATE TYPE column not looked up before stays text here (no lookup can be sent mid-portal).
   */
  async *stream(statement: Statement, rowsPerBatch: number, options: RunOptions = {}): AsyncGenerator<StatementResult, void, undefined> {
    if (this.#streaming) throw streamOpen();
    if (this.dead) throw this.#closedError('The connection was closed before the statement was sent.');
    this.#session = worse(this.#session, sessionChangeOf(statement.text));
    const query = this.#query(statement) as DriverCursor;
    if (statement.arrayRows) query.values();
    const wasIdle = this.#readyForQuery.status === 'I';
    this.#readyForQuery.status = 'unknown';
    const batches = query.cursor(rowsPerBatch)[Symbol.asyncIterator]();
    const writtenBefore = this.#socket?.bytesWritten;
    const completesBefore = this.#readyForQuery.commandCompletes;
    this.#inFlight++;
    this.#streaming = true;
    /** The server is working for us (a batch, the Close): a cancel can reach it. */
    let waiting = false;
    /** The portal's CommandComplete was read: the driver has sent its Sync, there is nothing to Close. */
    let tagged = false;
    /** The driver saw ReadyForQuery (the end, or an error): the session is usable again. */
    let ended = false;
    let expired = false;
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    let columns: DriverColumn[] | undefined;
    const deadline = options.deadline;
    const watched = deadline === undefined || deadline === Infinity ? undefined : {
      deadline,
      expire: () => {
        expired = true;
        // Between batches the server runs nothing a cancel could stop: the session goes at once.
        if (!waiting) return this.#destroy();
        cancelQuietly(query);
        const abandonIn = options.abandonBy === undefined ? CANCEL_GRACE_MS : Math.min(CANCEL_GRACE_MS, options.abandonBy - Date.now());
        graceTimer = setTimeout(() => this.#destroy(), Math.max(0, abandonIn));
      },
    };
    if (watched) this.#alarm.watch(watched);
    try {
      for (;;) {
        // The driver would write the next Execute to a closed socket.
        if (this.dead) {
          ended = true;
          throw expired
            ? new WarmpoolError('DEADLINE_EXCEEDED', 'The stream passed its deadline and the connection was closed.')
            : new WarmpoolError('CONNECTION_LOST', 'The connection was lost while the stream was open.');
        }
        waiting = true;
        let step: IteratorResult<DriverResult>;
        try {
          step = await batches.next();
        } finally {
          waiting = false;
        }
        if (step.done) {
          ended = true;
          // As in run: a cancel the server had not acted on would reach a later statement.
          if (expired) this.#destroy();
          return;
        }
        const batch = step.value;
        // Only the first batch carries the columns; a batch without a tag was suspended.
        columns = batch.columns ??= columns ?? query.statement?.columns;
        if (batch.command === null) batch.command = '';
        else tagged = true;
        if (batch.length > 0) yield this.#results.from(batch, statement);
      }
    } catch (err) {
      if (err instanceof WarmpoolError && ended) throw err;
      ended = true;
      const unsent = writtenBefore !== undefined && this.#socket?.bytesWritten === writtenBefore;
      const error = this.#statementError(err, unsent, false, wasIdle);
      // Failing after its CommandComplete (a deferred constraint at the implicit COMMIT), the
      // driver has sent a second Sync, whose ReadyForQuery would answer the next statement.
      if (expired || this.#readyForQuery.commandCompletes > completesBefore) this.#destroy();
      if (!expired) throw error;
      const cancelled = error instanceof DatabaseError && error.code === '57014';
      throw new WarmpoolError('DEADLINE_EXCEEDED', cancelled ? 'The stream was cancelled on the server at its deadline.' : 'The stream passed its deadline and the connection was closed.', { cause: error, notApplied: cancelled });
    } finally {
      try {
        // The caller stopped reading early.
        if (!ended && !this.dead) {
          waiting = true;
          await this.#endPortal(query, batches, tagged, wasIdle);
        }
      } finally {
        this.#inFlight--;
        this.#streaming = false;
        if (watched) this.#alarm.unwatch(watched);
        clearTimeout(graceTimer);
      }
    }
  }

  /**
   * Ends a portal its reader left: Close and Sync when it is suspended, else the ReadyForQuery of
   * the Sync the driver sent at its end. A failure there (the implicit COMMIT of a write) is the
   * statement's, and its session is closed.
   */
  async #endPortal(query: DriverCursor, batches: AsyncIterator<DriverResult>, tagged: boolean, wasIdle: boolean): Promise<void> {
    try {
      if (tagged) {
        await batches.next();
        return;
      }
      await new Promise<void>((resolve, reject) => {
        // The driver settles the query at CloseComplete and again at ReadyForQuery (read here first), or at the socket's loss.
        query.resolve = () => {
          if (this.#readyForQuery.status !== 'unknown') resolve();
        };
        query.reject = reject;
        void batches.return?.();
      });
    } catch (err) {
      const error = this.#statementError(err, false, false, wasIdle);
      this.#destroy();
      throw error;
    }
  }

  batch(statements: readonly Statement[], tx: TransactionOptions, options: RunOptions = {}): Promise<StatementResult[]> {
    return batchInSession(this, statements, tx, options);
  }

  /** A dead or silently dropped connection fails this within `timeoutMs`: no cancel, the socket is destroyed. */
  async ping(timeoutMs: number): Promise<void> {
    await this.run({ text: 'select 1', params: [] }, { deadline: Date.now() + timeoutMs }, 0);
    this.#suspect = false;
  }

  async close(): Promise<void> {
    // A socket already gone has no Terminate to send: its slot is free at once, not after the driver's 1 s.
    const gone = this.dead;
    this.#dead = true;
    this.#slot.abandoned = true;
    this.#alarm.stop();
    // The driver ends a reserved connection only once it is released; then it sends Terminate.
    this.#reserved.release();
    await this.#sql.end({ timeout: gone ? 0 : 1 }).catch(() => {});
  }

  /** A statement refused on a closed connection: certainly not applied, with the server's reason when it gave one. */
  #closedError(message: string): WarmpoolError {
    const by = this.#closedBy;
    if (!by) return new WarmpoolError('CONNECTION_LOST', message, { notApplied: true });
    return new WarmpoolError('CONNECTION_LOST', `${message} The server had closed it: ${by.message} (SQLSTATE ${by.code})`, { notApplied: true, sqlState: by.code });
  }

  #destroy(): void {
    this.#dead = true;
    this.#slot.abandoned = true;
    this.#alarm.stop();
    void this.#sql.end({ timeout: 0 });
  }

  /**
   * `unsent`: nothing of the statement was written before the failure, so it cannot have run.
   * `unfinished`: it ran as its own transaction, which commits only after its CommandComplete,
   * and none came. The server's FATAL read in order after that proves it never will: the statement
   * did not commit. A close without a FATAL proves nothing (the answer may be lost on the way),
   * nor does a FATAL of a pooler in between, which may stand for a server that died after its
   * commit: only the server's own terminations count, and only on a direct connection.
   */
  #statementError(err: unknown, unsent: boolean, unfinished: boolean, wasIdle: boolean): WarmpoolError {
    if (err instanceof postgres.PostgresError) {
      const fatal = err.severity === 'FATAL' || err.severity === 'PANIC';
      if (fatal) {
        this.#dead = true;
        return new WarmpoolError('CONNECTION_LOST', `The server closed the connection: ${err.message} (SQLSTATE ${err.code})`, { cause: err, sqlState: err.code, notApplied: unsent || (unfinished && SERVER_TERMINATIONS.has(err.code)) });
      }
      if (isStaleStatement(err)) {
        // Closed on release, so the next use prepares afresh. Outside a transaction the refused
        // statement had no effect: the pool sends it again on a new session.
        this.#session = 'close';
        const message = `A statement prepared on this connection before a schema change was refused: ${err.message} (SQLSTATE ${err.code}). `
          + (wasIdle ? 'It had no effect.' : 'The transaction did not commit, and its connection is closed: pass retries to db.transaction to run it again on a new one.');
        return new WarmpoolError('STALE_STATEMENT', message, { cause: err, sqlState: err.code, notApplied: wasIdle });
      }
      return new DatabaseError(err.message, serverFields(err), { cause: err });
    }
    const code = (err as { code?: unknown })?.code;
    if (typeof code === 'string' && SOCKET_GONE.has(code)) {
      this.#dead = true;
      // The driver reports a FATAL (57P01 shutdown, 57P02 crash, …) only at the ReadyForQuery that
      // never comes, so a statement in flight sees just the close; the FATAL says why.
      const fatal = trailingFatal(this.#lastChunk) ?? this.#closedBy;
      if (fatal) return new WarmpoolError('CONNECTION_LOST', `The server closed the connection: ${fatal.message} (SQLSTATE ${fatal.code})`, { cause: err, sqlState: fatal.code, notApplied: unsent || (unfinished && SERVER_TERMINATIONS.has(fatal.code)) });
      return new WarmpoolError('CONNECTION_LOST', `The connection was lost (${code}).`, { cause: err, notApplied: unsent });
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

/** A statement sent while a stream's portal is open would replace the portal, or take its answers. */
function streamOpen(): WarmpoolError {
  return new WarmpoolError('INVALID_QUERY', 'A stream is still open on this connection: read it to the end or stop it (break out of the loop) before sending another statement on the connection.', { notApplied: true });
}

/** Extended protocol, unnamed statement (see #query). */
const UNPREPARED = { prepare: false, simple: false };

/** Extended protocol, named statement. */
const PREPARED = { prepare: true, simple: false };

/** Simple protocol, unprepared: for the reset, several commands in one message. */
const SIMPLE = { prepare: false, simple: true };

/** What #send gives for a simple-protocol message, whose results nobody reads. */
const NO_ROWS: StatementResult = Object.freeze({ rows: [], command: '', count: 0, columns: [] });

/** `openSocket`: Node's (tcp-socket.ts); without one the driver opens its own (cloudflare:sockets on Workers). */
export function tcpTransport(openSocket?: SocketOpener): TransportFactory {
  return (options, containerId) => {
    const userTypes: Record<number, number> = {};
    // The first connection's driver is built with the transport: for a pool made at module scope
    // (Lambda's init) that is where the driver's code is compiled, not in the first invocation.
    let spare: DriverSlot | undefined = TcpConnection.driver(options, containerId, openSocket);
    return {
      name: 'tcp',
      interactiveTransactions: true,
      connect: (limit, refreshPassword) => {
        const built = spare;
        spare = undefined;
        return TcpConnection.open(options, containerId, openSocket, userTypes, limit, refreshPassword, built);
      },
    };
  };
}
