import type { ResolvedOptions, TransportName } from '../options.js';
import type { AttemptCounters } from '../pool/retry-unsent.js';
import type { SessionState } from './session-state.js';
import type { TypeParsers } from './values.js';

/**
 * The interface every transport implements. The pool core only sees this file: it never imports a
 * driver. Transports reject with WarmpoolError: a DatabaseError when the server answered with an
 * error, otherwise a coded error whose `notApplied` says whether the work certainly had no effect.
 */

export type Row = Record<string, unknown>;

export interface Statement {
  text: string;
  params: readonly unknown[];
  /** Rows as arrays of values in column order (`values()`) instead of objects by column name. */
  arrayRows?: boolean;
  /** How values become JavaScript; default: the pool's (`textTypes` option). */
  types?: TypeParsers;
}

/** A result column: its name and its type OID. */
export interface Column {
  name: string;
  type: number;
}

export interface StatementResult {
  /** Objects by column name, or arrays in column order when the statement asked for `arrayRows`. */
  rows: Row[] | unknown[][];
  /** The first word of the server's command tag: 'SELECT', 'INSERT', 'CREATE', … */
  command: string;
  /** Rows affected (INSERT, UPDATE, DELETE, MERGE, COPY) or returned (SELECT, FETCH); 0 for commands without a count. */
  count: number;
  columns: Column[];
}

export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  readOnly?: boolean;
  deferrable?: boolean;
}

export interface RunOptions {
  /**
   * Wall-clock time (epoch ms) by which the statement must finish. Past it the transport cancels
   * the statement on the server where it can and rejects with DEADLINE_EXCEEDED (`notApplied`
   * when the cancel was confirmed).
   */
  deadline?: number;
  /**
   * When a cancel the server has not confirmed is given up (epoch ms): the socket is closed and
   * the error is OUTCOME_UNKNOWN. Default: one second after the deadline.
   */
  abandonBy?: number;
}

/**
 * The transaction status of the server's last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E'
 * in a failed transaction; 'unknown' while a statement is in flight or when nothing was read.
 */
export type TransactionStatus = 'I' | 'T' | 'E' | 'unknown';

/** The server's reason for ending a session: its SQLSTATE and message. */
export interface ClosedBy {
  code: string;
  message: string;
}

export interface Connection {
  /** Read from the wire, not from what was sent: a BEGIN may come in the caller's own SQL. */
  readonly status: TransactionStatus;
  /** Set once the transport knows the connection is dead (closed socket, fatal error). */
  readonly dead: boolean;
  /** Set when the server sent something unasked for while idle; the pool validates it before use. */
  readonly suspect: boolean;
  /** What the session holds for the next user (session-state.ts); absent where there is no session (HTTP). */
  readonly session?: SessionState;
  /** The server's FATAL that ended the session while idle, when it sent one. */
  readonly closedBy?: ClosedBy;
  /** Restores the session's defaults; rejects when it could not (the pool then closes the connection). */
  resetSession?(options: RunOptions): Promise<void>;
  run(statement: Statement, options?: RunOptions): Promise<StatementResult>;
  /**
   * The rows of one statement, any statement, in batches of at most `rowsPerBatch` through a
   * row-limited portal; absent where the transport has none (HTTP, WebSocket). The deadline covers
   * the whole stream. Stopping early (`return()`) ends the portal cleanly before the connection is
   * used again; while a stream is open, `run` refuses with INVALID_QUERY.
   */
  stream?(statement: Statement, rowsPerBatch: number, options?: RunOptions): AsyncIterableIterator<StatementResult>;
  /** Runs statements as one atomic transaction; all or nothing. */
  batch(statements: readonly Statement[], tx: TransactionOptions, options?: RunOptions): Promise<StatementResult[]>;
  /** A cheap round trip proving the connection works; rejects (or times out) when it does not. */
  ping(timeoutMs: number): Promise<void>;
  /** Graceful close; never throws. */
  close(): Promise<void>;
}

/**
 * When a connect must stop: the pool's limit for it (the caller's deadline, acquireTimeoutMs or
 * the resume budget). A timer and a flag; AbortSignal.timeout costs a young process about 1 ms.
 */
export interface ConnectLimit {
  readonly reached: boolean;
  /** Calls `listener` once when the limit is reached; returns a function that cancels that. */
  onReached(listener: () => void): () => void;
}

export interface Transport {
  readonly name: TransportName;
  /** Whether BEGIN … COMMIT may span several round trips on one connection. */
  readonly interactiveTransactions: boolean;
  /**
   * Opens a connection; rejects with notApplied errors only (nothing of the caller's was sent).
   * `refreshPassword`: the last password was rejected; ask a password function for a fresh one.
   */
  connect(limit?: ConnectLimit, refreshPassword?: boolean): Promise<Connection>;
}

/** `counters`: the pool's, where a transport that tries requests again (HTTP) counts them. */
export type TransportFactory = (options: ResolvedOptions, containerId: string, counters: AttemptCounters) => Transport;
