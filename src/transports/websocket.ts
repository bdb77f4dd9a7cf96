import { Client } from '@neondatabase/serverless';
import { DatabaseError, WarmpoolError, type ServerErrorFields } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { isLoginRefused } from '../sqlstate.js';
import { applicationNameFor, batchInSession, connectError, limitReached, passwordFor } from './common.js';
import { RESET_SESSION, type SessionState, sessionChangeOf, worse } from './session-state.js';
import type { Connection, ConnectLimit, RunOptions, Statement, StatementResult, TransactionOptions, TransactionStatus, TransportFactory } from './types.js';
import { type TypeParsers, driverParam, typeParsers } from './values.js';

/**
 * The Postgres protocol over a WebSocket, through the Neon driver's `Client` (node-postgres
 * compatible) and a proxy (`wsProxy`: a `warmpool gateway`, or Neon's): a real session, so
 * interactive transactions work where raw TCP is unavailable. On Workers a connection must live
 * and die within one request: `warmpool/worker` gives every request its own pool.
 *
 * A statement past its deadline closes the WebSocket (the driver cannot send a cancel through the
 * proxy), so its outcome is unknown.
 */

type DriverResult = { rows: Record<string, unknown>[] | unknown[][]; command: string; rowCount: number | null; fields?: { name: string; dataTypeID: number }[] };
/** node-postgres's query config: `rowMode` and `types` apply to this query only. */
type DriverQuery = { text: string; values: unknown[]; rows: number; rowMode?: 'array'; types: TypeParsers };

/** Ask for "all rows" in pages this large: any `rows` makes the driver use the extended protocol, one statement per call, as on TCP and HTTP. */
const ALL_ROWS = 2_147_483_647;

class WebSocketConnection implements Connection {
  readonly suspect = false;
  #client: Client;
  #dead = false;
  /** The pool's parsers (its `textTypes`). */
  #types: TypeParsers;
  #status: TransactionStatus = 'unknown';
  #session: SessionState = 'clean';

  private constructor(client: Client, types: TypeParsers) {
    this.#client = client;
    this.#types = types;
    client.on('error', () => {
      this.#dead = true;
    });
    client.on('end', () => {
      this.#dead = true;
    });
  }

  get dead(): boolean {
    return this.#dead;
  }

  get status(): TransactionStatus {
    return this.#status;
  }

  get session(): SessionState {
    return this.#session;
  }

  markSessionChanged(): void {
    this.#session = worse(this.#session, 'changed');
  }

  /** Restores the session's defaults (session-state.ts): without parameters the driver sends one simple-protocol message. */
  async resetSession(options: RunOptions): Promise<void> {
    if (this.#dead) throw new WarmpoolError('CONNECTION_LOST', 'The connection was closed before the reset was sent.', { notApplied: true });
    const timer = setTimeout(() => this.#destroy(), Math.max(0, (options.deadline ?? Infinity) - Date.now()));
    try {
      await this.#client.query(RESET_SESSION);
      this.#session = 'clean';
    } finally {
      clearTimeout(timer);
    }
  }

  static async open(options: ResolvedOptions, containerId: string, proxy: URL, webSocket: unknown, limit?: ConnectLimit, refreshPassword = false): Promise<WebSocketConnection> {
    const password = await passwordFor(options, refreshPassword, limit);
    const client = new Client({
      host: options.host,
      port: options.port,
      user: options.user,
      password,
      database: options.database,
      application_name: applicationNameFor(options, containerId),
      connectionTimeoutMillis: options.connectTimeoutMs,
    });
    const config = client.neonConfig;
    config.useSecureWebSocket = proxy.protocol === 'wss:';
    const token = options.authToken ? `&token=${encodeURIComponent(options.authToken)}` : '';
    config.wsProxy = (host: string, port: number | string) => `${proxy.host}${proxy.pathname}?address=${host}:${port}${token}`;
    if (webSocket) config.webSocketConstructor = webSocket as typeof config.webSocketConstructor;
    const self = new WebSocketConnection(client, typeParsers(options.textTypes, 'Option "textTypes"'));
    const stopWatching = limit?.onReached(() => self.#destroy());
    try {
      if (limit?.reached) throw limitReached();
      await client.connect();
      // Listened to only now: connect() replaces the connection's readyForQuery listeners.
      const connection = (client as unknown as { connection: { on(event: string, listener: (message: { status: string }) => void): void } }).connection;
      // With the login pipelined, connect() resolves before the server's startup messages arrive
      // (no BackendKeyData yet): their ParameterStatus messages come before its first ReadyForQuery.
      let startup = (client as unknown as { processID: number | null }).processID == null;
      connection.on('readyForQuery', ({ status }) => {
        startup = false;
        self.#status = status === 'I' || status === 'T' || status === 'E' ? status : 'unknown';
      });
      // A setting the server reports changed (a SET, or a function's set_config).
      connection.on('parameterStatus', () => {
        if (!startup) self.markSessionChanged();
      });
      self.#status = 'I';
      return self;
    } catch (err) {
      self.#destroy();
      const failed = connectError(err, options, password ? [password] : []);
      // A proxy's WebSocket lives at one path: a wrong one fails the upgrade with little to say.
      if (!/\/v2\/?$/.test(proxy.pathname) && !failed.sqlState) {
        throw new WarmpoolError(failed.code, `${failed.message} The WebSocket proxy ${proxy.protocol}//${proxy.host}${proxy.pathname} does not end in /v2, where a warmpool gateway and Neon's proxy serve WebSockets: set wsProxy to ${proxy.protocol}//${proxy.host}/v2.`, { cause: failed.cause, notApplied: true });
      }
      throw failed;
    } finally {
      stopWatching?.();
    }
  }

  async run(statement: Statement, options: RunOptions = {}): Promise<StatementResult> {
    if (this.#dead) throw new WarmpoolError('CONNECTION_LOST', 'The connection was closed before the statement was sent.', { notApplied: true });
    this.#status = 'unknown';
    this.#session = worse(this.#session, sessionChangeOf(statement.text));
    let expired = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (options.deadline !== undefined && options.deadline !== Infinity) {
      timer = setTimeout(() => {
        expired = true;
        this.#destroy();
      }, Math.max(0, options.deadline - Date.now()));
    }
    try {
      const query: DriverQuery = { text: statement.text, values: statement.params.map(driverParam), rows: ALL_ROWS, types: statement.types ?? this.#types };
      if (statement.arrayRows) query.rowMode = 'array';
      const result = (await this.#client.query(query as never)) as unknown as DriverResult;
      const columns = (result.fields ?? []).map((f) => ({ name: f.name, type: f.dataTypeID }));
      return { rows: result.rows, command: result.command, count: result.rowCount ?? result.rows.length, columns };
    } catch (err) {
      const error = this.#statementError(err);
      if (!expired) throw error;
      throw new WarmpoolError('DEADLINE_EXCEEDED', 'The statement passed its deadline and the WebSocket was closed.', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  batch(statements: readonly Statement[], tx: TransactionOptions, options: RunOptions = {}): Promise<StatementResult[]> {
    return batchInSession(this, statements, tx, options);
  }

  async ping(timeoutMs: number): Promise<void> {
    await this.run({ text: 'select 1', params: [] }, { deadline: Date.now() + timeoutMs });
  }

  async close(): Promise<void> {
    if (this.#dead) return this.#destroy();
    this.#dead = true;
    // end() waits for the server's goodbye; a proxy that went silent must not hold the caller.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
    await Promise.race([this.#client.end().catch(() => {}), giveUp]);
    clearTimeout(timer);
  }

  #destroy(): void {
    this.#dead = true;
    (this.#client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }

  #statementError(err: unknown): WarmpoolError {
    const fields = err as Partial<ServerErrorFields> & { severity?: string };
    if (typeof fields?.code === 'string' && typeof fields.severity === 'string') {
      const message = (err as Error).message;
      if (fields.severity === 'FATAL' || fields.severity === 'PANIC') {
        this.#dead = true;
        if (isLoginRefused(fields.code)) {
          // The driver pipelines the login with the first statement: refused at login, it never ran.
          return new WarmpoolError('CONNECT_FAILED', `The server refused the login: ${message} (SQLSTATE ${fields.code})`, { cause: err, notApplied: true, sqlState: fields.code });
        }
        return new WarmpoolError('CONNECTION_LOST', `The server closed the connection: ${message} (SQLSTATE ${fields.code})`, { cause: err, sqlState: fields.code });
      }
      // With `rows` the driver ends the statement with Flush, not Sync, and sends Sync only after
      // a CommandComplete; after an ErrorResponse the server would wait for one forever.
      (this.#client as unknown as { connection: { sync(): void } }).connection.sync();
      return new DatabaseError(message, fields as ServerErrorFields, { cause: err });
    }
    if (err instanceof WarmpoolError) return err;
    // Anything else leaves the session state unknown: do not reuse it.
    this.#destroy();
    return new WarmpoolError('CONNECTION_LOST', `The WebSocket connection failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** `webSocket`: the constructor to open (websocket-constructor.ts on Node); undefined leaves the driver's own choice. */
export function websocketTransport(webSocket?: unknown): TransportFactory {
  return (options, containerId) => {
    if (!options.wsProxy) {
      throw new WarmpoolError('TRANSPORT_UNAVAILABLE', `The websocket transport needs a proxy: set wsProxy (or WARMPOOL_WS_PROXY) to a warmpool gateway's ws(s)://…/v2 URL. It is not derived from the host ${options.host}.`);
    }
    const proxy = new URL(options.wsProxy);
    return {
      name: 'websocket',
      interactiveTransactions: true,
      connect: (limit, refreshPassword) => WebSocketConnection.open(options, containerId, proxy, webSocket, limit, refreshPassword),
    };
  };
}
