import net from 'node:net';
import { WarmpoolError, redactUrl } from 'warmpool';
import { logSink, type LogSink } from './log.js';

/**
 * Options of `startGateway` and the `warmpool gateway` command, with their defaults. Every limit
 * is here, with its unit in its name. The command line reads the environment; `startGateway`
 * takes only what it is given.
 */
export interface GatewayOptions {
  /**
   * The one PostgreSQL server every request goes to: `postgres://host:port/database?sslmode=…`.
   * Only host, port, database and sslmode are used. Each request brings its own user and
   * password, which this server checks; credentials in this URL are ignored.
   */
  upstream: string;
  /** Interface to bind. Default '127.0.0.1': not reachable from other machines. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 4444. */
  port?: number;
  /** When set, every request must also carry `Authorization: Bearer <token>` (WebSocket: `?token=`). */
  token?: string;
  /** Host names (the `Host` header, port ignored) accepted besides localhost, 127.0.0.1, ::1 and the bind host. `'*'` accepts any. */
  allowHosts?: string[];
  /** Browser origins allowed to call the gateway (CORS). Default none: requests carrying an `Origin` are refused. `'*'` allows any. */
  allowOrigins?: string[];
  /** Largest request body. Default 10 MiB, as Neon's proxy. */
  maxBodyBytes?: number;
  /** Largest response (all rows of all queries of a request); past it the query is cancelled and 507 is answered. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Server-side `statement_timeout` of every statement; the gateway also cancels the statement itself 1 s later. Default 30 000. */
  statementTimeoutMs?: number;
  /** Upstream connections serving /sql, all credentials together. Default 10. */
  maxConnections?: number;
  /** Requests that may wait for a connection; past it 429 is answered. Default 100. */
  maxQueue?: number;
  /** How long a request may wait for a connection before 503. Default 5 000. */
  queueTimeoutMs?: number;
  /** Concurrent WebSocket tunnels (each holds its own upstream connection); past it 503 is answered. Default 100. */
  maxWebSockets?: number;
  /** Limit to open an upstream connection (TCP, TLS, authentication). Default 5 000. */
  connectTimeoutMs?: number;
  /** An idle upstream connection is closed after this. Default 60 000. */
  idleTimeoutMs?: number;
  /** How long a password the server accepted is trusted (as a keyed hash) before a new connection checks it again. Default 60 000. */
  credentialTtlMs?: number;
  /** Limit to receive a request's headers and body. Default 30 000. */
  requestTimeoutMs?: number;
  /** Limit to receive a request's headers (at most requestTimeoutMs). Default 10 000. Both are checked every second. */
  headersTimeoutMs?: number;
  /**
   * Client sockets open at once. At the cap the oldest socket without a request in progress
   * (half-open first, then idle keep-alive) is closed to make room; 503 only when all are busy. Default 500.
   */
  maxClientConnections?: number;
  /** The same cap for the sockets of one remote address. Default 200. */
  maxClientConnectionsPerAddress?: number;
  /** `application_name` of the upstream connections serving /sql (shown in pg_stat_activity). Default 'warmpool-gateway'. */
  applicationName?: string;
  /**
   * After a drain starts, how long new requests are still served (while `/health` already answers
   * 503), so a load balancer or Kubernetes can stop routing here first. Default 0.
   */
  drainDelayMs?: number;
  /**
   * After the drain delay, how long requests in flight and busy WebSocket tunnels may take to
   * finish before they are cut. Default 25 000 (under ECS's 30 s stop timeout).
   */
  drainTimeoutMs?: number;
  /** Limit of the upstream check of `GET /ready` (TCP, TLS, the server's first answer). Default 1 000. */
  readyTimeoutMs?: number;
  /**
   * Receives log lines: startup, one per request and per WebSocket tunnel, upstream failures,
   * the drain. Never credentials, tokens, queries or parameters.
   */
  log?: (line: string) => void;
  /** `'text'` (default): readable lines. `'json'`: one JSON object per line (time, level, event, …). */
  logFormat?: LogFormat;
}

export type LogFormat = 'text' | 'json';

export type UpstreamSslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** Where the gateway connects. Nothing taken from a request ever changes it. */
export interface UpstreamTarget {
  host: string;
  port: number;
  database: string;
  ssl: UpstreamSslMode;
}

export interface GatewayConfig {
  upstream: UpstreamTarget;
  host: string;
  port: number;
  token: string | undefined;
  allowHosts: string[];
  allowOrigins: string[];
  maxBodyBytes: number;
  maxResponseBytes: number;
  statementTimeoutMs: number;
  maxConnections: number;
  maxQueue: number;
  queueTimeoutMs: number;
  maxWebSockets: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  credentialTtlMs: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  maxClientConnections: number;
  maxClientConnectionsPerAddress: number;
  applicationName: string;
  drainDelayMs: number;
  drainTimeoutMs: number;
  readyTimeoutMs: number;
  logFormat: LogFormat;
  /** Structured events, rendered in `logFormat` and handed to the `log` option. */
  logEvent: LogSink;
}

export const GATEWAY_DEFAULTS = {
  host: '127.0.0.1',
  port: 4444,
  maxBodyBytes: 10 * 1024 * 1024,
  maxResponseBytes: 10 * 1024 * 1024,
  statementTimeoutMs: 30_000,
  maxConnections: 10,
  maxQueue: 100,
  queueTimeoutMs: 5_000,
  maxWebSockets: 100,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  credentialTtlMs: 60_000,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  maxClientConnections: 500,
  maxClientConnectionsPerAddress: 200,
  applicationName: 'warmpool-gateway',
  drainDelayMs: 0,
  drainTimeoutMs: 25_000,
  readyTimeoutMs: 1_000,
} as const;

/** [option, minimum] of every numeric limit. */
type NumericKey = Exclude<keyof typeof GATEWAY_DEFAULTS, 'host' | 'applicationName'>;
const NUMERIC: ReadonlyArray<[NumericKey, number]> = [
  ['port', 0],
  ['maxBodyBytes', 1],
  ['maxResponseBytes', 1],
  ['statementTimeoutMs', 1],
  ['maxConnections', 1],
  ['maxQueue', 0],
  ['queueTimeoutMs', 1],
  ['maxWebSockets', 0],
  ['connectTimeoutMs', 1],
  ['idleTimeoutMs', 1],
  ['credentialTtlMs', 0],
  ['requestTimeoutMs', 1],
  ['headersTimeoutMs', 1],
  ['maxClientConnections', 1],
  ['maxClientConnectionsPerAddress', 1],
  ['drainDelayMs', 0],
  ['drainTimeoutMs', 0],
  ['readyTimeoutMs', 1],
];

const KNOWN = new Set(['upstream', 'token', 'allowHosts', 'allowOrigins', 'log', 'logFormat', ...Object.keys(GATEWAY_DEFAULTS)]);

export function resolveGatewayOptions(options: GatewayOptions): GatewayConfig {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new WarmpoolError('INVALID_OPTION', `Unknown gateway option "${key}".`);
  }
  if (typeof options.upstream !== 'string' || options.upstream === '') {
    throw new WarmpoolError('INVALID_OPTION', 'The gateway needs its upstream: pass --upstream postgres://host:port/database (or set WARMPOOL_UPSTREAM).');
  }
  const numbers = {} as Record<NumericKey, number>;
  for (const [key, min] of NUMERIC) {
    const value = options[key] ?? GATEWAY_DEFAULTS[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (key === 'port' && value > 65535)) {
      throw new WarmpoolError('INVALID_OPTION', `Gateway option ${key} must be an integer ≥ ${min}${key === 'port' ? ' and ≤ 65535' : ''}; got ${String(value)}.`);
    }
    numbers[key] = value;
  }
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 16)) {
    throw new WarmpoolError('INVALID_OPTION', 'Gateway token must be a string of at least 16 characters (for example: openssl rand -hex 32).');
  }
  const applicationName = options.applicationName ?? GATEWAY_DEFAULTS.applicationName;
  // PostgreSQL keeps 63 bytes of it and only printable ASCII.
  if (typeof applicationName !== 'string' || applicationName === '' || applicationName.length > 63 || !/^[\x20-\x7e]+$/.test(applicationName)) {
    throw new WarmpoolError('INVALID_OPTION', 'Gateway option applicationName must be 1 to 63 printable ASCII characters.');
  }
  const logFormat = options.logFormat ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new WarmpoolError('INVALID_OPTION', `Gateway option logFormat must be 'text' or 'json'; got ${String(logFormat)}.`);
  }
  if (options.log !== undefined && typeof options.log !== 'function') throw new WarmpoolError('INVALID_OPTION', 'Gateway option log must be a function.');
  return {
    upstream: parseUpstream(options.upstream),
    applicationName,
    host: options.host ?? GATEWAY_DEFAULTS.host,
    ...numbers,
    token: options.token,
    allowHosts: stringList(options.allowHosts, 'allowHosts').map((h) => h.toLowerCase()),
    allowOrigins: stringList(options.allowOrigins, 'allowOrigins').map((o) => o.toLowerCase()),
    logFormat,
    logEvent: options.log ? logSink(logFormat, options.log) : () => {},
  };
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new WarmpoolError('INVALID_OPTION', `Gateway option ${name} must be an array of non-empty strings.`);
  }
  return value as string[];
}

const SSL_MODES: readonly UpstreamSslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** `postgres://[user[:password]@]host[:port]/database[?sslmode=…]` → the upstream target. */
export function parseUpstream(url: string): UpstreamTarget {
  const bad = (why: string) => new WarmpoolError('INVALID_CONNECTION_STRING', `Invalid gateway upstream ${redactUrl(url)}: ${why}`);
  const scheme = /^(postgres|postgresql):\/\//i.exec(url);
  if (!scheme) throw bad('it must start with postgres://');
  let parsed: URL;
  try {
    parsed = new URL(`http://${url.slice(scheme[0].length)}`);
  } catch {
    throw bad('not a valid URL (one host only)');
  }
  const host = normalizeHost(parsed.hostname);
  if (!host) throw bad('no host');
  const database = decodeURIComponent(parsed.pathname.slice(1));
  if (!database) throw bad('no database (postgres://host:port/database)');
  let ssl: UpstreamSslMode = 'disable';
  for (const [key, value] of parsed.searchParams) {
    if (key === 'sslmode' && (SSL_MODES as readonly string[]).includes(value)) ssl = value as UpstreamSslMode;
    else if (key === 'sslmode') throw bad(`sslmode must be one of ${SSL_MODES.join(', ')}`);
    else throw bad(`unknown parameter "${key}" (only sslmode is understood)`);
  }
  return { host, port: parsed.port ? Number(parsed.port) : 5432, database, ssl };
}

/** Lower case, without the brackets of an IPv6 literal. */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** The `host:port` a URL uses for this address (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}
