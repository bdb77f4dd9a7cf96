import { neon, neonConfig, type FullQueryResults, type NeonQueryFunction } from '@neondatabase/serverless';
import { DatabaseError, WarmpoolError, type ServerErrorFields } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { ConnectRetry } from '../pool/backoff.js';
import { type AttemptCounters, retryUnsent } from '../pool/retry-unsent.js';
import { isLoginRefused, isPermanentAtConnect, resumeSign } from '../sqlstate.js';
import { applicationNameFor, passwordFor, transactionStart } from './common.js';
import type { Connection, RunOptions, Statement, StatementResult, TransactionOptions, TransportFactory } from './types.js';
import { type TypeParsers, driverParam, typeParsers } from './values.js';

/**
 * HTTP through the Neon driver's `neon()`: every statement, or batch, is one POST to
 * `httpEndpoint` (a `warmpool gateway`, or Neon's proxy). Nothing stays open between requests, so
 * a "connection" here is only the credentials; the pool's cap still bounds concurrent requests.
 *
 * Failures get the codes TCP gives them: a request that certainly never reached the endpoint
 * (refused, DNS, the gateway could not reach Postgres or had no free connection) is
 * CONNECT_FAILED, notApplied, and is tried again with backoff like a TCP connect; a batch the
 * gateway lost before its COMMIT is CONNECTION_LOST, notApplied, which the pool runs again as it
 * does over TCP; one that may have been received and lost is CONNECTION_LOST, which the pool turns into OUTCOME_UNKNOWN unless
 * the work is idempotent. Server errors are DatabaseErrors with their SQLSTATE fields.
 */

type Sql = NeonQueryFunction<false, true>;
type SendOptions = Record<PropertyKey, unknown>;

/** What the fetch of one request saw: the driver's own error keeps neither the status nor the cause. */
interface Exchange {
  endpoint: string;
  /** The transport's own fetch (the Node build's), used unless a fetchFunction was installed. */
  send?: Fetch;
  status?: number;
  body?: string;
  /** The answer's Retry-After header (429, 503), as sent. */
  retryAfter?: string;
  failure?: unknown;
}

const EXCHANGE = Symbol.for('warmpool.http.exchange');
const ROUTED = Symbol.for('warmpool.http.routed');

/** What the driver reads of a response. */
interface FetchResponse {
  ok: boolean;
  status: number;
  headers?: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export type Fetch = (url: string, init?: SendOptions) => Promise<FetchResponse>;

/**
 * `neon()` reads its endpoint and fetch from the driver's global config only. A fetch installed
 * there sends warmpool's requests (marked by their Exchange) to the pool's own endpoint and passes
 * any other request to the fetch that was there before. Called right before every request: the
 * driver reads the config synchronously when a request starts, so a later change cannot send
 * warmpool's request, and its password, to the endpoint the driver would derive from the host.
 */
function routeRequests(): void {
  const current = neonConfig.fetchFunction as (Fetch & { [ROUTED]?: true }) | undefined;
  if (current?.[ROUTED]) return;
  const runtimeFetch: Fetch = (url, init) => fetch(url, init as RequestInit);
  const routed: Fetch = async (url, init) => {
    const exchange = init?.[EXCHANGE] as Exchange | undefined;
    if (!exchange) return (current ?? runtimeFetch)(url, init);
    let response: FetchResponse;
    try {
      // A fetchFunction someone installed (tracing, a proxy) sends warmpool's requests too.
      response = await (current ?? exchange.send ?? runtimeFetch)(exchange.endpoint, init);
    } catch (err) {
      exchange.failure = err;
      throw err;
    }
    exchange.status = response.status;
    if (response.ok || response.status === 400) return response;
    exchange.retryAfter = response.headers?.get('retry-after') ?? undefined;
    const body = (exchange.body = await response.text().catch(() => ''));
    return { ok: false, status: response.status, text: async () => body, json: async () => JSON.parse(body) as unknown };
  };
  neonConfig.fetchFunction = Object.assign(routed, { [ROUTED]: true as const });
}

const ISOLATION = { 'read committed': 'ReadCommitted', 'repeatable read': 'RepeatableRead', serializable: 'Serializable' } as const;
/** A transaction cannot span HTTP requests: BEGIN would open one that the endpoint discards. */
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
/** fetch failures where no connection to the endpoint was made. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

class HttpConnection implements Connection {
  /** Each request is its own transaction: nothing is left open between requests. */
  readonly status = 'I';
  readonly dead = false;
  readonly suspect = false;
  #options: ResolvedOptions;
  #endpoint: string;
  #containerId: string;
  #sql: Sql;
  #counters: AttemptCounters;
  #fetch?: Fetch;
  /** The pool's parsers (its `textTypes`). */
  #types: TypeParsers;

  constructor(options: ResolvedOptions, containerId: string, counters: AttemptCounters, endpoint: string, password: string | undefined, send?: Fetch) {
    this.#options = options;
    this.#counters = counters;
    this.#endpoint = endpoint;
    this.#containerId = containerId;
    this.#fetch = send;
    this.#types = typeParsers(options.textTypes, 'Option "textTypes"');
    this.#sql = this.#driver(password);
  }

  run(statement: Statement, run: RunOptions = {}): Promise<StatementResult> {
    if (BEGIN.test(statement.text)) {
      return Promise.reject(new WarmpoolError('NOT_SUPPORTED_ON_TRANSPORT', 'BEGIN over HTTP would open a transaction that ends with the request. Use db.batch([...]) or transport \'websocket\'.', { notApplied: true }));
    }
    return this.#send(run, false, (sendOptions) => this.#query(statement, sendOptions).then(toResult));
  }

  batch(statements: readonly Statement[], tx: TransactionOptions, run: RunOptions = {}): Promise<StatementResult[]> {
    transactionStart(tx); // validates the isolation level
    return this.#send(run, true, async (sendOptions) => {
      const queries = statements.map((s) => this.#query(s));
      const mode = { isolationLevel: tx.isolation && ISOLATION[tx.isolation], readOnly: tx.readOnly, deferrable: tx.deferrable };
      const results = await this.#sql.transaction(queries, { ...mode, fullResults: true, fetchOptions: sendOptions });
      return results.map(toResult);
    });
  }

  /** One statement as the driver sends it; `arrayMode` and `types` are the driver's per-query options. */
  #query(statement: Statement, fetchOptions?: SendOptions) {
    const types = statement.types ?? this.#types;
    // Typed `false` for the driver's overloads; true gives rows as arrays (the StatementResult says either).
    const arrayMode = (statement.arrayRows === true) as false;
    return this.#sql.query(statement.text, statement.params.map(driverParam), { fullResults: true, arrayMode, types, fetchOptions });
  }

  /** Nothing to prove: no socket can have died. A failed request follows the retry rules anyway. */
  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  #driver(password: string | undefined): Sql {
    const { user, host, port, database } = this.#options;
    const auth = encodeURIComponent(user) + (password ? `:${encodeURIComponent(password)}` : '');
    const name = encodeURIComponent(applicationNameFor(this.#options, this.#containerId));
    const url = `postgresql://${auth}@${host.includes(':') ? `[${host}]` : host}:${port}/${encodeURIComponent(database)}?application_name=${name}`;
    return neon<false, true>(url, { fullResults: true, authToken: this.#options.authToken });
  }

  /**
   * Sends one request under the deadline; requests that certainly were not received are sent
   * again by the rules every transport's connects follow (retry-unsent.ts).
   */
  #send<T>(run: RunOptions, batch: boolean, request: (sendOptions: SendOptions) => Promise<T>): Promise<T> {
    const deadline = run.deadline ?? Infinity;
    let exchange: Exchange = { endpoint: this.#endpoint, send: this.#fetch };
    let controller: AbortController | undefined;
    const attempt = async (freshPassword: boolean): Promise<T> => {
      exchange = { endpoint: this.#endpoint, send: this.#fetch };
      // A backoff's timer may fire late on a busy machine: past the deadline nothing is sent.
      if (deadline <= Date.now()) throw new WarmpoolError('DEADLINE_EXCEEDED', 'The deadline passed before the HTTP request was sent.', { notApplied: true });
      controller = deadline === Infinity ? undefined : new AbortController();
      // A rotated credential: the password function is asked for a fresh one, kept from then on.
      if (freshPassword) this.#sql = this.#driver(await passwordFor(this.#options, true));
      const timer = controller && setTimeout(() => controller?.abort(), deadline - Date.now());
      try {
        routeRequests();
        return await request(controller ? { [EXCHANGE]: exchange, signal: controller.signal } : { [EXCHANGE]: exchange });
      } finally {
        clearTimeout(timer);
      }
    };
    const retry = new ConnectRetry(this.#options, deadline);
    return retryUnsent({ options: this.#options, counters: this.#counters, retry }, attempt, (err) => {
      // Ours (the deadline, the password function's error): no request was made.
      if (err instanceof WarmpoolError && exchange.status === undefined && exchange.failure === undefined) return { error: err, again: false };
      const { error, retry: again } = requestError(err, exchange, controller?.signal.aborted === true, batch, this.#endpoint);
      // A busy endpoint's Retry-After (capped) is waited for when it is longer than the backoff.
      const connecting = again || error.code === 'CONNECT_FAILED' || error.code === 'CONNECT_TIMEOUT';
      return { error, again, waitAtLeastMs: retryAfterMs(exchange.retryAfter), connecting };
    });
  }
}

/** The longest Retry-After honoured: a busy endpoint's answer, not a reason to sleep through an invocation. */
const RETRY_AFTER_CAP_MS = 5_000;

/** A Retry-After header (seconds, or an HTTP date) in ms, capped; 0 when absent or unreadable. */
export function retryAfterMs(header: string | undefined): number {
  if (!header) return 0;
  const seconds = /^\s*\d+\s*$/.test(header) ? Number(header) * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, RETRY_AFTER_CAP_MS) : 0;
}

function toResult(result: FullQueryResults<false>): StatementResult {
  const columns = result.fields.map((f) => ({ name: f.name, type: f.dataTypeID }));
  return { rows: result.rows, command: result.command, count: result.rowCount ?? result.rows.length, columns };
}

/** Classifies a failed request; `retry`: it certainly was not received, and trying again may help. */
function requestError(err: unknown, exchange: Exchange, aborted: boolean, batch: boolean, endpoint: string): { error: WarmpoolError; retry: boolean } {
  const message = err instanceof Error ? err.message : String(err);
  if (aborted) {
    // The endpoint cancels the statement when the request goes away, but cannot confirm it.
    return { error: new WarmpoolError('DEADLINE_EXCEEDED', 'The HTTP request passed its deadline and was abandoned; whether the statement ran is not confirmed.', { cause: err }), retry: false };
  }
  const { status } = exchange;
  if (status === undefined) {
    if (exchange.failure === undefined) {
      // The driver gave up before sending anything (it refused the connection parameters).
      return { error: new WarmpoolError('CONNECT_FAILED', `The HTTP request was not sent: ${message}`, { cause: err, notApplied: true }), retry: false };
    }
    const code = causeCode(exchange.failure);
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'CONNECT_TIMEOUT') {
      return { error: new WarmpoolError('CONNECT_TIMEOUT', `Connecting to the HTTP endpoint ${redactEndpoint(endpoint)} timed out.`, { cause: exchange.failure, notApplied: true }), retry: true };
    }
    if (code !== undefined && NOT_CONNECTED.has(code)) {
      return { error: new WarmpoolError('CONNECT_FAILED', `Could not reach the HTTP endpoint ${redactEndpoint(endpoint)} (${code}).`, { cause: exchange.failure, notApplied: true }), retry: true };
    }
    // Reset, closed or timed out after the request may have been received (Workers report even a
    // refused connection only as "Network connection lost").
    return { error: new WarmpoolError('CONNECTION_LOST', `The HTTP request failed after it may have reached the endpoint (${code ?? messageOf(exchange.failure)}).`, { cause: exchange.failure }), retry: false };
  }
  if (status === 400) {
    const fields = err as Partial<ServerErrorFields>;
    if (typeof fields.code === 'string' && fields.code !== '') {
      if (isLoginRefused(fields.code) || resumeSign(err) !== undefined) {
        // Refused at login (wrong password, unknown database, too many clients, starting up), or
        // the endpoint could not reach a compute that is waking up: nothing ran.
        const error = new WarmpoolError('CONNECT_FAILED', `The database refused the login: ${message} (SQLSTATE ${fields.code})`, { cause: err, notApplied: true, sqlState: fields.code });
        return { error, retry: !isPermanentAtConnect(error.sqlState) };
      }
      // A failed statement was rolled back; so was the whole batch.
      return { error: new DatabaseError(message, fields as ServerErrorFields, { cause: err, notApplied: batch }), retry: false };
    }
    return { error: new WarmpoolError('INVALID_QUERY', `The HTTP endpoint refused the request: ${message}`, { cause: err, notApplied: true }), retry: false };
  }
  const body = parseBody(exchange.body);
  const said = `The HTTP endpoint ${redactEndpoint(endpoint)} answered ${status}${body.message ? `: ${body.message}` : ''}`;
  if (status === 413) return { error: new WarmpoolError('PAYLOAD_TOO_LARGE', `${said}.`, { notApplied: true }), retry: false };
  if (status === 507) return { error: new WarmpoolError('RESULT_TOO_LARGE', `${said}. Select fewer rows or columns.`), retry: false };
  if (status === 503 && body.code === '08006') {
    // The gateway lost its connection before the batch's COMMIT was sent: rolled back, as over
    // TCP, so the pool may run it again on a fresh connection.
    return { error: new WarmpoolError('CONNECTION_LOST', `${said}.`, { notApplied: true, sqlState: body.code }), retry: false };
  }
  if (status === 429 || status === 503 || resumeSign(body.message) !== undefined) {
    // The gateway had no free connection or could not reach Postgres, or the compute behind the
    // endpoint is still waking up: nothing ran.
    return { error: new WarmpoolError('CONNECT_FAILED', `${said}.`, { notApplied: true, sqlState: body.code }), retry: true };
  }
  if (status < 500) {
    return { error: new WarmpoolError('CONNECT_FAILED', `${said}. Check httpEndpoint and authToken.`, { notApplied: true }), retry: false };
  }
  return { error: new WarmpoolError('CONNECTION_LOST', `${said}.`, { sqlState: body.code }), retry: false };
}

function causeCode(failure: unknown): string | undefined {
  const f = failure as { code?: unknown; cause?: { code?: unknown; errors?: { code?: unknown }[] } } | undefined;
  const code = f?.cause?.code ?? f?.cause?.errors?.[0]?.code ?? f?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

function parseBody(body: string | undefined): { message?: string; code?: string } {
  try {
    const parsed = JSON.parse(body ?? '') as { message?: unknown; code?: unknown };
    return { message: typeof parsed.message === 'string' ? parsed.message : undefined, code: typeof parsed.code === 'string' ? parsed.code : undefined };
  } catch {
    return { message: body ? body.slice(0, 200) : undefined };
  }
}

/** The endpoint without its query string (which may hold a token). */
function redactEndpoint(endpoint: string): string {
  return endpoint.split('?', 1)[0];
}

/**
 * The HTTP transport. `fetchFor` gives the fetch its requests go through (the Node build's
 * nodeFetch); without it they use the runtime's fetch. A fetchFunction set on neonConfig by other
 * code takes precedence over both.
 */
export const httpTransport = (fetchFor?: (options: ResolvedOptions) => Fetch): TransportFactory => (options, containerId, counters) => {
  const endpoint = options.httpEndpoint;
  if (!endpoint) {
    throw new WarmpoolError('TRANSPORT_UNAVAILABLE', `The http transport needs an endpoint: set httpEndpoint (or WARMPOOL_HTTP_ENDPOINT) to a warmpool gateway's /sql URL. It is not derived from the host ${options.host}, since every request carries the password.`);
  }
  const send = fetchFor?.(options);
  return {
    name: 'http',
    interactiveTransactions: false,
    connect: async (_signal, refreshPassword) => new HttpConnection(options, containerId, counters, endpoint, await passwordFor(options, refreshPassword), send),
  };
};

export const createHttpTransport = httpTransport();
