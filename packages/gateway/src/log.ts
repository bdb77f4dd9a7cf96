/**
 * The gateway's log: structured events, rendered as readable text (the default) or as one JSON
 * object per line (`--log-format json`) for a log collector. Every field is chosen here, from a
 * closed list, so nothing a client sends reaches a log line except its address, a request id it
 * may set (restricted to `[A-Za-z0-9._:-]`, at most 128 characters) and the route, which is one
 * of the gateway's own paths. Never credentials, tokens, connection strings, queries, parameters
 * or server error messages (they may quote row values): only SQLSTATE codes.
 */
import type { LogFormat } from './options.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEvent {
  level: LogLevel;
  /** What happened, dotted: `request`, `websocket.close`, `drain.start`, `upstream.connect_failed`… */
  event: string;
  /** A readable sentence for the text format; in JSON too, as `message`. */
  message?: string;
  requestId?: string;
  method?: string;
  /** `/sql`, `/v2`, `/health`… or `other`: never the raw path or its query string. */
  route?: string;
  status?: number;
  /** From the request's headers to its answer (WebSocket: the tunnel's lifetime). */
  durationMs?: number;
  /** Waiting for an upstream connection: the queue, or opening and authenticating one. */
  acquireMs?: number;
  /** Running the request's statements on the upstream connection. */
  upstreamMs?: number;
  /** The remote address of the client socket (behind a load balancer: the balancer's). */
  client?: string;
  /** SQLSTATE or error code of a failure. */
  code?: string;
  [field: string]: string | number | boolean | undefined;
}

export type LogSink = (event: LogEvent) => void;

/** Paths named in logs; any other is `other`. */
const ROUTES = new Set(['/sql', '/v1', '/v2', '/health', '/ready']);

export function routeOf(url: string | undefined): string {
  const path = (url ?? '/').split('?', 1)[0];
  return ROUTES.has(path) ? path : 'other';
}

/** A client's `X-Request-Id` when it is a plain token, else a new one. */
export function requestIdOf(header: string | string[] | undefined, fresh: () => string): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : fresh();
}

export function logSink(format: LogFormat, write: (line: string) => void): LogSink {
  return (event) => {
    try {
      write(format === 'json' ? jsonLine(event) : textLine(event));
    } catch {
      // A failing log destination never fails a request.
    }
  };
}

function jsonLine(event: LogEvent): string {
  const { level, event: name, ...fields } = event;
  return JSON.stringify({ time: new Date().toISOString(), level, event: name, ...fields });
}

/** `warmpool gateway: POST /sql 200 12 ms (upstream 3 ms) client=127.0.0.1 id=…`, or the message. */
function textLine(e: LogEvent): string {
  const { level, event, message, requestId, method, route, status, durationMs, acquireMs, upstreamMs, client, ...rest } = e;
  const parts: string[] = [];
  if (level !== 'info') parts.push(`${level}:`);
  if (event === 'request') {
    parts.push(`${method ?? ''} ${route ?? ''} ${status ?? ''}`.trim());
    if (durationMs !== undefined) parts.push(`${durationMs} ms`);
    const upstream = [acquireMs !== undefined && `wait ${acquireMs} ms`, upstreamMs !== undefined && `upstream ${upstreamMs} ms`].filter(Boolean);
    if (upstream.length) parts.push(`(${upstream.join(', ')})`);
  } else {
    parts.push(message ?? event);
    if (durationMs !== undefined) rest.durationMs = durationMs;
    if (status !== undefined) rest.status = status;
  }
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) parts.push(`${key}=${value}`);
  if (client !== undefined) parts.push(`client=${client}`);
  if (requestId !== undefined) parts.push(`id=${requestId}`);
  return `warmpool gateway: ${parts.join(' ')}`;
}

/** Milliseconds since `start` (a `performance.now()`), to a tenth. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
