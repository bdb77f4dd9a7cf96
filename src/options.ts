import { WarmpoolError, redactUrl } from './errors.js';
import { checkTextTypes } from './transports/values.js';
import { type PoolerName, checkPooler, poolerDefaults } from './poolers.js';
import { managedInstancesMax } from './concurrency.js';
import { defaultSslMode, isLoopback } from './tls/defaults.js';

/**
 * A password, or a function returning one (an RDS IAM token provider, a secrets cache). The
 * function is called for every new connection; `refresh` is true when the server has just
 * rejected the password it returned (28P01, or 28000 "PAM authentication failed" as RDS answers
 * an expired IAM token), so a cache should fetch a fresh one. The pool waits for it at most
 * connectTimeoutMs and the invocation deadline; `signal` is aborted when it stops waiting.
 */
export type PasswordSource = string | ((context: { refresh: boolean; signal?: AbortSignal }) => string | Promise<string>);
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export type TransportName = 'tcp' | 'http' | 'websocket';

/** Options of `createPool`. Every field is optional; the defaults suit one Lambda container. */
export interface PoolOptions {
  /** `postgres://user:password@host:port/database?sslmode=require`. Default: `DATABASE_URL`, then `PG*` variables. */
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** A string, or a function returning one (e.g. an RDS IAM token provider); called for every new connection. */
  password?: PasswordSource;
  /**
   * TLS: an sslmode, `true` (= 'require'), `false` (= 'disable'), or Node TLS options (`{ ca,
   * rejectUnauthorized }`). Default: the URL's `sslmode`, then `PGSSLMODE`, then by host
   * (src/tls/defaults.ts): 'disable' for loopback and Hyperdrive, 'verify-full' for Amazon RDS,
   * Aurora and RDS Proxy on Lambda (against the Amazon roots Lambda's runtime keeps), 'require' for
   * any other host (RDS elsewhere: pass `RDS_ROOT_CERTIFICATES` from warmpool/aws as `ca`).
   * A host beyond this machine is never contacted in plain text unless this says 'disable'.
   */
  ssl?: SslMode | boolean | Record<string, unknown>;
  /**
   * How TLS starts, as libpq's `sslnegotiation`: 'postgres' asks the server first (SSLRequest, one
   * round trip); 'direct' starts TLS at once (ALPN `postgresql`, PostgreSQL 17 and later), one
   * round trip less per connect. A server that does not take it (older, or a pooler in front) is
   * asked the 'postgres' way on the same connect, and from then on in this process. Needs an
   * `ssl` that encrypts ('require' or a verifying mode). Default: the URL's `sslnegotiation`,
   * then `PGSSLNEGOTIATION`, then 'postgres'.
   */
  sslNegotiation?: SslNegotiation;
  /** Hard cap on server connections from this pool. Default 1: a Lambda container runs one invocation at a time. */
  max?: number;
  /** How long a caller may wait for a free connection before ACQUIRE_TIMEOUT. Default 10 000. */
  acquireTimeoutMs?: number;
  /** Timeout of one connection attempt (TCP + TLS + auth). Default 5 000. */
  connectTimeoutMs?: number;
  /** Attempts per connect (capped exponential backoff, full jitter), bounded by the deadline. Default 4. */
  maxConnectAttempts?: number;
  /**
   * How long a connect may wait for a database resuming from a pause or starting up (Aurora
   * Serverless v2 at 0 ACU, a suspended Neon compute, 57P03), from its first attempt; it may
   * outlast acquireTimeoutMs, never the invocation deadline. 0 = no resume wait. Default 15 000.
   */
  resumeTimeoutMs?: number;
  /** A connection idle longer than this (wall clock) is closed instead of reused. Default 240 000, below the 350 s NAT idle timeout. */
  idleTimeoutMs?: number;
  /** A connection older than this (minus up to 10 % jitter) is replaced when released. Default 1 800 000. */
  maxLifetimeMs?: number;
  /** A connection idle longer than this (wall clock) is pinged before use. Default 1 000. */
  validateAfterIdleMs?: number;
  /** How long the validation ping may take before the connection counts as dead. Default 1 000. */
  pingTimeoutMs?: number;
  /** Client-side limit for one statement; the statement is cancelled on the server when it passes. 0 = none. Default 0. */
  queryTimeoutMs?: number;
  /** Sent as the session's `idle_session_timeout` and `idle_in_transaction_session_timeout` so the server reaps connections of killed containers. 0 = not sent. Default 300 000; 0 behind a `pooler` (PgBouncer rejects the startup parameter, and a pooler shares its server connections). */
  serverIdleSessionTimeoutMs?: number;
  /** Prefix of each connection's `application_name` (the container id is appended). Default 'warmpool'. */
  applicationName?: string;
  /**
   * Named prepared statements: the server keeps each statement's plan on the connection. They cost
   * a round trip more on each statement's first use on a connection, need PgBouncer >= 1.21 behind
   * a transaction pooler, and keep the parameter types the server inferred when first prepared
   * (stale after DDL that changes a column's type). Off, every statement is unnamed and typed by the
   * server afresh, in the same one round trip. Default false; true behind Hyperdrive (its cache).
   */
  prepare?: boolean;
  /**
   * What sits between the pool and PostgreSQL: it sets the defaults of `prepare` and
   * `serverIdleSessionTimeoutMs` (src/poolers.ts). Default: detected from the host name
   * (`*.pooler.supabase.com:6543`, RDS Proxy, Neon `-pooler`), `?pgbouncer=true` or `hyperdrive`, else 'none'.
   */
  pooler?: PoolerName;
  /**
   * Which transport carries queries. 'auto' (default): TCP on Node, Lambda, Bun and Deno; on
   * Cloudflare Workers TCP only through `hyperdrive`, else HTTP; HTTP elsewhere. 'tcp' is
   * postgres.js, 'http' the Neon driver's `neon()` to `httpEndpoint` (no interactive transactions),
   * 'websocket' the Neon driver's `Client` through `wsProxy`. On Node, 'http' and 'websocket'
   * need `import { createPool } from 'warmpool/http'`.
   */
  transport?: 'auto' | TransportName;
  /**
   * URL that receives queries over HTTP: a `warmpool gateway` (`https://gw.example.com/sql`) or
   * Neon's. The request carries the password, so it is never derived from a database host that
   * is not Neon's. Default: `WARMPOOL_HTTP_ENDPOINT`, then Neon's endpoint for `*.neon.tech`
   * hosts. With 'auto' on a runtime that picks TCP, a connect failing because sockets are not
   * available here falls back to it (once; a `fallback` event, and `stats().transport`); on Node
   * that needs `warmpool/http`.
   */
  httpEndpoint?: string;
  /**
   * WebSocket proxy of the 'websocket' transport: `wss://gw.example.com/v2` (a `warmpool
   * gateway`, or Neon's). The driver appends `?address=host:port`. Default: `WARMPOOL_WS_PROXY`,
   * then `wss://<host>/v2` for `*.neon.tech` hosts.
   */
  wsProxy?: string;
  /** Bearer token for the HTTP endpoint (`Authorization`) and WebSocket proxy (`&token=`), e.g. `warmpool gateway --token`. */
  authToken?: string;
  /**
   * A Cloudflare Hyperdrive binding (`env.HYPERDRIVE`). Its connection string is used, 'auto'
   * picks TCP on Workers (per request, through `warmpool/worker/tcp`), and
   * `serverIdleSessionTimeoutMs` defaults to 0 (Hyperdrive pools the server connections).
   */
  hyperdrive?: { connectionString: string };
  /**
   * Type OIDs whose values (and arrays of them, element-wise) come back as the server's text,
   * unparsed; `DATE_TIME_TYPES` for an ORM that maps dates itself. A query's own `textTypes`
   * replaces this list. Default: none (every type parsed).
   */
  textTypes?: readonly number[];
  /** Called with pool events (connect, reconnect, retry, discard, fallback); never receives credentials. */
  onEvent?: (event: PoolEvent) => void;
}

export interface PoolEvent {
  /**
   * `fallback`: sockets are not available here; the pool now uses HTTP (`reason` says why).
   * `resume`: a connect succeeded after the database was resuming or starting up (`waitedMs`).
   * `pinning`: a statement that pins an RDS Proxy session (`reason` names the feature); sent once per pool.
   * `query-not-awaited`: an invocation ended with a query it made never awaited, so never sent (`reason` names it).
   */
  type: 'connect' | 'connect-retry' | 'discard' | 'retry' | 'drain' | 'fallback' | 'resume' | 'pinning' | 'query-not-awaited';
  reason?: string;
  attempt?: number;
  delayMs?: number;
  /** `connect`: how long opening the connection took, retries included. */
  durationMs?: number;
  /** `resume`: how long the database took to come back. */
  waitedMs?: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password: PasswordSource | undefined;
  ssl: SslMode | Record<string, unknown>;
  sslNegotiation: SslNegotiation;
  max: number;
  acquireTimeoutMs: number;
  connectTimeoutMs: number;
  maxConnectAttempts: number;
  resumeTimeoutMs: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  validateAfterIdleMs: number;
  pingTimeoutMs: number;
  queryTimeoutMs: number;
  serverIdleSessionTimeoutMs: number;
  applicationName: string;
  prepare: boolean;
  pooler: PoolerName;
  transport: 'auto' | TransportName;
  httpEndpoint: string | undefined;
  /** httpEndpoint came from the option or WARMPOOL_HTTP_ENDPOINT, not from a Neon host. */
  httpEndpointSet: boolean;
  wsProxy: string | undefined;
  authToken: string | undefined;
  /** Connection settings came from a Hyperdrive binding. */
  hyperdrive: boolean;
  textTypes: readonly number[] | undefined;
  onEvent: ((event: PoolEvent) => void) | undefined;
}

export const DEFAULTS = {
  port: 5432,
  max: 1,
  acquireTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  maxConnectAttempts: 4,
  resumeTimeoutMs: 15_000,
  idleTimeoutMs: 240_000,
  maxLifetimeMs: 1_800_000,
  validateAfterIdleMs: 1_000,
  pingTimeoutMs: 1_000,
  queryTimeoutMs: 0,
  serverIdleSessionTimeoutMs: 300_000,
  applicationName: 'warmpool',
  prepare: false,
  transport: 'auto' as const,
};

const SSL_MODES: SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];
export type SslNegotiation = 'postgres' | 'direct';
const SSL_NEGOTIATIONS: SslNegotiation[] = ['postgres', 'direct'];
const TRANSPORTS = ['auto', 'tcp', 'http', 'websocket'];
/** URL query parameters understood; anything else is refused so a typo does not pass silently. */
const URL_PARAMS = ['sslmode', 'sslnegotiation', 'connect_timeout', 'application_name', 'channel_binding', 'pgbouncer'];

function optionError(message: string): WarmpoolError {
  return new WarmpoolError('INVALID_OPTION', message);
}

function env(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

/** Checks the value of one option (never undefined: an option set to undefined is absent). */
type Check = (value: unknown, key: string) => void;

const text: Check = (value, key) => {
  if (typeof value !== 'string') throw optionError(`Option "${key}" must be a string, got ${describe(value)}.`);
};

const whole = (min: number, max: number): Check => (value, key) => {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw optionError(`Option "${key}" must be a whole number, got ${describe(value)}. Pass a number such as ${key === 'max' ? 1 : 5000}.`);
  }
  if (value < min || value > max) throw optionError(`Option "${key}" must be between ${min} and ${max}, got ${value}.`);
};

const oneOf = (allowed: string[]): Check => (value, key) => {
  if (!allowed.includes(value as string)) throw optionError(`Option "${key}" must be one of ${allowed.join(', ')}; got ${describe(value)}.`);
};

const flag: Check = (value, key) => {
  if (typeof value !== 'boolean') throw optionError(`Option "${key}" must be true or false, got ${describe(value)}.`);
};

/**
 * One check per option, looked up for the keys the caller passed only: a pool is usually made at
 * a young container's import, where every step runs interpreted.
 */
const CHECKS: Record<string, Check> = {
  connectionString: text,
  host: text,
  database: text,
  user: text,
  applicationName: text,
  httpEndpoint: text,
  wsProxy: text,
  authToken: text,
  port: whole(1, 65_535),
  max: whole(1, 10_000),
  acquireTimeoutMs: whole(1, 3_600_000),
  connectTimeoutMs: whole(1, 3_600_000),
  maxConnectAttempts: whole(1, 100),
  resumeTimeoutMs: whole(0, 3_600_000),
  idleTimeoutMs: whole(0, 86_400_000),
  maxLifetimeMs: whole(0, 86_400_000),
  validateAfterIdleMs: whole(0, 86_400_000),
  pingTimeoutMs: whole(1, 3_600_000),
  queryTimeoutMs: whole(0, 86_400_000),
  serverIdleSessionTimeoutMs: whole(0, 2_147_483_647),
  password: (value) => {
    if (typeof value !== 'string' && typeof value !== 'function') {
      throw optionError(`Option "password" must be a string or a function returning one, got ${typeof value}.`);
    }
  },
  ssl: (value) => {
    if (typeof value !== 'boolean' && !(typeof value === 'object' && value !== null) && !SSL_MODES.includes(value as SslMode)) {
      throw optionError(`Option "ssl" must be true, false, TLS options or one of ${SSL_MODES.join(', ')}; got ${describe(value)}.`);
    }
  },
  prepare: flag,
  pooler: checkPooler,
  transport: oneOf(TRANSPORTS),
  sslNegotiation: oneOf(SSL_NEGOTIATIONS),
  hyperdrive: (value) => {
    if (typeof value !== 'object' || value === null || typeof (value as { connectionString?: unknown }).connectionString !== 'string') {
      throw optionError('Option "hyperdrive" must be a Hyperdrive binding (env.HYPERDRIVE), an object with a connectionString.');
    }
  },
  textTypes: (value) => checkTextTypes(value, 'Option "textTypes"'),
  onEvent: (value) => {
    if (typeof value !== 'function') throw optionError(`Option "onEvent" must be a function, got ${typeof value}.`);
  },
};

function checkTypes(options: Record<string, unknown>): void {
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(CHECKS, key)) {
      throw optionError(`Unknown option "${key}". Known options: ${Object.keys(CHECKS).join(', ')}.`);
    }
    const value = options[key];
    if (value !== undefined) CHECKS[key](value, key);
  }
  if (options.hyperdrive !== undefined && options.connectionString !== undefined) {
    throw optionError('Pass either "hyperdrive" or "connectionString", not both: the binding carries the connection string.');
  }
}

/**
 * An endpoint URL of `protocols`, without credentials (they would travel to it in clear sight of
 * logs), or an INVALID_OPTION naming `name`. Requests carry the database password: plain text
 * (http:, ws:) to a host beyond this machine needs the user's word, sslmode=disable, as TCP does.
 */
function checkEndpoint(value: string | undefined, name: string, protocols: string[], example: string, plainAllowed: boolean): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || !protocols.includes(url.protocol)) {
    throw optionError(`${name} must be a ${protocols.map((p) => p + '//').join(' or ')} URL such as ${example}, got ${describe(redactUrl(value))}.`);
  }
  if (url.username || url.password) {
    throw optionError(`${name} must not contain credentials; the database user and password come from the connection string.`);
  }
  if ((url.protocol === 'http:' || url.protocol === 'ws:') && !plainAllowed && !isLoopback(url.hostname.replace(/^\[|\]$/g, ''))) {
    const secure = url.protocol === 'http:' ? 'https:' : 'wss:';
    throw optionError(`${name} is plain text (${url.protocol}//) to ${url.hostname}, and its requests carry the database password: use ${secure}//, or, if the path is private, say so with sslmode=disable in the connection string (or ssl: 'disable').`);
  }
  return value;
}

/** Neon's own endpoints, the only ones derived from the database host (its proxy is the server). */
function isNeonHost(host: string): boolean {
  return host.toLowerCase().endsWith('.neon.tech');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  return typeof value;
}

interface UrlParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: SslMode;
  sslNegotiation?: SslNegotiation;
  connectTimeoutMs?: number;
  applicationName?: string;
  prepare?: boolean;
}

function urlError(url: string, problem: string): WarmpoolError {
  return new WarmpoolError(
    'INVALID_CONNECTION_STRING',
    `Invalid connection string (${redactUrl(url)}): ${problem}. Expected postgres://user:password@host:5432/database.`,
  );
}

export function parseConnectionString(url: string): UrlParts {
  const start = url.slice(0, 13).toLowerCase();
  if (!start.startsWith('postgres://') && !start.startsWith('postgresql://')) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    if (scheme && /^postgres(ql)?$/i.test(scheme)) throw urlError(url, `"${scheme}:" must be followed by two slashes, as in postgres://`);
    throw urlError(url, scheme ? `scheme "${scheme}:" is not supported, use postgres://` : 'it does not start with postgres://');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw urlError(url, 'it is not a valid URL (are special characters in the password percent-encoded?)');
  }
  const parts: UrlParts = {};
  const { hostname, pathname } = parsed;
  if (hostname) parts.host = decodeURIComponent(hostname.startsWith('[') ? hostname.slice(1, -1) : hostname);
  if (parsed.port) parts.port = Number(parsed.port);
  const database = decodeURIComponent(pathname.startsWith('/') ? pathname.slice(1) : pathname);
  if (database) parts.database = database;
  try {
    if (parsed.username) parts.user = decodeURIComponent(parsed.username);
    if (parsed.password) parts.password = decodeURIComponent(parsed.password);
  } catch {
    throw urlError(url, 'the user or password has a malformed percent-encoding');
  }
  // Most connection strings have no parameters; reading searchParams sets up its parser.
  if (parsed.search === '') return parts;
  for (const [key, value] of parsed.searchParams) {
    if (!URL_PARAMS.includes(key)) {
      throw urlError(url, `unknown parameter "${key}" (known: ${URL_PARAMS.join(', ')})`);
    }
    if (key === 'sslmode') {
      if (!SSL_MODES.includes(value as SslMode)) throw urlError(url, `sslmode must be one of ${SSL_MODES.join(', ')}`);
      parts.ssl = value as SslMode;
    } else if (key === 'sslnegotiation') {
      if (!SSL_NEGOTIATIONS.includes(value as SslNegotiation)) throw urlError(url, `sslnegotiation must be one of ${SSL_NEGOTIATIONS.join(', ')}`);
      parts.sslNegotiation = value as SslNegotiation;
    } else if (key === 'connect_timeout') {
      const seconds = Number(value);
      if (!/^\d+$/.test(value) || seconds < 1) throw urlError(url, `connect_timeout must be a whole number of seconds, got "${value}"`);
      parts.connectTimeoutMs = seconds * 1000;
    } else if (key === 'application_name') {
      parts.applicationName = value;
    } else if (key === 'pgbouncer') {
      if (value !== 'true' && value !== 'false') throw urlError(url, 'pgbouncer must be true or false');
      parts.prepare = value !== 'true';
    }
  }
  return parts;
}

function envParts(vars: Record<string, string | undefined>): UrlParts {
  const parts: UrlParts = {};
  if (vars.PGHOST) parts.host = vars.PGHOST;
  if (vars.PGPORT) {
    const port = Number(vars.PGPORT);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw optionError(`Environment variable PGPORT must be a port number, got "${vars.PGPORT}".`);
    parts.port = port;
  }
  if (vars.PGDATABASE) parts.database = vars.PGDATABASE;
  if (vars.PGUSER) parts.user = vars.PGUSER;
  if (vars.PGPASSWORD) parts.password = vars.PGPASSWORD;
  if (vars.PGSSLMODE) {
    if (!SSL_MODES.includes(vars.PGSSLMODE as SslMode)) throw optionError(`Environment variable PGSSLMODE must be one of ${SSL_MODES.join(', ')}.`);
    parts.ssl = vars.PGSSLMODE as SslMode;
  }
  if (vars.PGSSLNEGOTIATION) {
    if (!SSL_NEGOTIATIONS.includes(vars.PGSSLNEGOTIATION as SslNegotiation)) throw optionError(`Environment variable PGSSLNEGOTIATION must be one of ${SSL_NEGOTIATIONS.join(', ')}.`);
    parts.sslNegotiation = vars.PGSSLNEGOTIATION as SslNegotiation;
  }
  if (vars.PGAPPNAME) parts.applicationName = vars.PGAPPNAME;
  return parts;
}

function normalizeSsl(ssl: PoolOptions['ssl']): SslMode | Record<string, unknown> | undefined {
  if (ssl === true) return 'require';
  if (ssl === false) return 'disable';
  return ssl;
}

/**
 * Resolves options with one visible precedence: explicit option → connection-string parameter →
 * environment (`DATABASE_URL`, then `PG*`) → DEFAULTS. Throws a coded WarmpoolError on bad input.
 */
export function resolveOptions(input: PoolOptions = {}): ResolvedOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw optionError(`createPool expects an options object, got ${describe(input)}.`);
  }
  checkTypes(input as Record<string, unknown>);
  const vars = env();
  const explicitUrl = input.hyperdrive?.connectionString ?? input.connectionString;
  const fromUrl = explicitUrl !== undefined
    ? parseConnectionString(explicitUrl)
    : input.host === undefined && vars.DATABASE_URL
      ? parseConnectionString(vars.DATABASE_URL)
      : {};
  const fromEnv = envParts(vars);
  const pick = <K extends keyof UrlParts>(key: K): UrlParts[K] => fromUrl[key] ?? fromEnv[key];

  const host = input.host ?? pick('host');
  const user = input.user ?? pick('user');
  if (!host) {
    throw optionError('No database host: pass connectionString (or host), or set DATABASE_URL.');
  }
  if (!user) {
    throw optionError('No database user: put it in the connection string (postgres://user:password@host/db) or pass user.');
  }
  const hyperdrive = input.hyperdrive !== undefined;
  const port = input.port ?? pick('port') ?? DEFAULTS.port;
  const pooled = poolerDefaults(input.pooler, { host, port, pgbouncerParam: fromUrl.prepare === undefined ? undefined : !fromUrl.prepare, hyperdrive });
  const prepare = input.prepare ?? fromUrl.prepare ?? pooled.prepare;
  const neon = isNeonHost(host);
  const givenSsl = normalizeSsl(input.ssl) ?? pick('ssl');
  const ssl = givenSsl ?? defaultSslMode(host, hyperdrive, vars.AWS_LAMBDA_FUNCTION_NAME !== undefined);
  const sslNegotiation = input.sslNegotiation ?? pick('sslNegotiation') ?? 'postgres';
  if (sslNegotiation === 'direct' && (ssl === 'disable' || ssl === 'prefer')) {
    throw optionError(`sslNegotiation 'direct' starts TLS at once, so it needs TLS for sure: use ssl 'require' or a verifying mode, not '${ssl}' (or leave sslNegotiation at 'postgres').`);
  }
  const plainAllowed = givenSsl === 'disable';
  const givenEndpoint = checkEndpoint(input.httpEndpoint ?? vars.WARMPOOL_HTTP_ENDPOINT, 'httpEndpoint (or WARMPOOL_HTTP_ENDPOINT)', ['https:', 'http:'], 'https://gw.example.com/sql', plainAllowed);
  const httpEndpoint = givenEndpoint ?? (neon ? `https://${host.replace(/^[^.]+\./, 'api.')}/sql` : undefined);
  const wsProxy = checkEndpoint(input.wsProxy ?? vars.WARMPOOL_WS_PROXY, 'wsProxy (or WARMPOOL_WS_PROXY)', ['wss:', 'ws:'], 'wss://gw.example.com/v2', plainAllowed)
    ?? (neon ? `wss://${host}/v2` : undefined);
  return {
    host,
    port,
    database: input.database ?? pick('database') ?? user,
    user,
    password: input.password ?? pick('password'),
    ssl,
    sslNegotiation,
    max: input.max ?? managedInstancesMax(vars) ?? DEFAULTS.max,
    acquireTimeoutMs: input.acquireTimeoutMs ?? DEFAULTS.acquireTimeoutMs,
    connectTimeoutMs: input.connectTimeoutMs ?? fromUrl.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    maxConnectAttempts: input.maxConnectAttempts ?? DEFAULTS.maxConnectAttempts,
    resumeTimeoutMs: input.resumeTimeoutMs ?? DEFAULTS.resumeTimeoutMs,
    idleTimeoutMs: input.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
    maxLifetimeMs: input.maxLifetimeMs ?? DEFAULTS.maxLifetimeMs,
    validateAfterIdleMs: input.validateAfterIdleMs ?? DEFAULTS.validateAfterIdleMs,
    pingTimeoutMs: input.pingTimeoutMs ?? DEFAULTS.pingTimeoutMs,
    queryTimeoutMs: input.queryTimeoutMs ?? DEFAULTS.queryTimeoutMs,
    // Behind a transaction pooler the session setting would reach the pooler, which rejects
    // unknown startup parameters (PgBouncer: "unsupported startup parameter"), and would mean
    // nothing for its shared server connections; the pooler's own client timeout applies.
    // Hyperdrive, RDS Proxy and Neon's pooler share server connections too (their profiles).
    serverIdleSessionTimeoutMs: input.serverIdleSessionTimeoutMs ?? (pooled.sessionTimeouts ? DEFAULTS.serverIdleSessionTimeoutMs : 0),
    applicationName: input.applicationName ?? pick('applicationName') ?? DEFAULTS.applicationName,
    prepare,
    pooler: pooled.pooler,
    transport: input.transport ?? DEFAULTS.transport,
    httpEndpoint,
    httpEndpointSet: givenEndpoint !== undefined,
    wsProxy,
    authToken: input.authToken || undefined,
    hyperdrive,
    // A copy: the list is read once, so changing the caller's array later changes nothing.
    textTypes: input.textTypes && Object.freeze([...input.textTypes]),
    onEvent: input.onEvent,
  };
}
