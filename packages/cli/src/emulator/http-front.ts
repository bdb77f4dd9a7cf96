/**
 * An HTTP front for the emulated functions, like an API Gateway HTTP API with Lambda proxy
 * integrations (payload format 2.0): routes from serverless.yml, events shaped as API Gateway sends
 * them, responses mapped back the same way. Lets curl and load tools reach the functions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaEmulator } from './emulator.js';
import { httpEvent } from './events.js';
import { HTTP_INTEGRATION_CONTENT_TYPE } from './response-stream.js';
import type { StreamedResponse } from './runtime-api.js';

interface Route {
  routeKey: string;
  method: string;
  segments: string[];
  functionName: string;
}

export interface HttpFrontOptions {
  port?: number;
  host?: string;
  /** Called after each request, e.g. to print an access log line. */
  onRequest?: (line: { method: string; path: string; status: number; functionName?: string; cold?: boolean; latencyMs: number }) => void;
}

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+json|[^;]*\+xml)/i;

export class HttpFront {
  readonly #server: http.Server;
  readonly #routes: Route[];
  readonly #emulator: LambdaEmulator;

  private constructor(emulator: LambdaEmulator, routes: Route[], options: HttpFrontOptions) {
    this.#emulator = emulator;
    this.#routes = routes;
    this.#server = http.createServer((req, res) => void this.#handle(req, res, options));
  }

  static async listen(emulator: LambdaEmulator, options: HttpFrontOptions = {}): Promise<HttpFront> {
    const routes: Route[] = [];
    for (const name of emulator.functionNames) {
      for (const routeKey of emulator.definition(name)?.routes ?? []) routes.push(parseRoute(routeKey, name));
    }
    // API Gateway prefers the most specific route: literal segments before {params}, greedy last.
    routes.sort((a, b) => specificity(b) - specificity(a));
    const front = new HttpFront(emulator, routes, options);
    await new Promise<void>((resolve, reject) => {
      front.#server.once('error', reject);
      front.#server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve());
    });
    return front;
  }

  get url(): string {
    const { address, port } = this.#server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  get routes(): { routeKey: string; functionName: string }[] {
    return this.#routes.map(({ routeKey, functionName }) => ({ routeKey, functionName }));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse, options: HttpFrontOptions): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = randomRequestId();
    const send = (status: number, headers: Record<string, string | string[]>, body: Buffer | string, functionName?: string, cold?: boolean) => {
      res.writeHead(status, { 'apigw-requestid': requestId, ...headers });
      res.end(body);
      options.onRequest?.({ method, path: url.pathname, status, functionName, cold, latencyMs: performance.now() - started });
    };
    const match = this.#match(method, url.pathname);
    if (!match) {
      send(404, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Not Found' }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined || key === 'cookie') continue;
      headers[key] = Array.isArray(value) ? value.join(',') : value;
    }
    const textBody = TEXT_TYPES.test(headers['content-type'] ?? 'application/json');
    const event = httpEvent({
      routeKey: match.route.routeKey,
      path: url.pathname,
      method,
      pathParameters: Object.keys(match.params).length ? match.params : undefined,
      headers,
      rawQueryString: url.search.slice(1),
      cookies: req.headers.cookie?.split(';').map((c) => c.trim()).filter(Boolean),
      ...(raw.length > 0 ? { body: textBody ? raw.toString('utf8') : raw.toString('base64'), isBase64Encoded: !textBody } : {}),
      requestId,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
    });
    const result = await this.#emulator.invoke(match.route.functionName, event);
    const debug = { 'x-warmpool-environment': result.environment, 'x-warmpool-start': result.cold ? 'cold' : 'warm' };
    if (result.statusCode === 413) {
      send(413, { 'content-type': 'application/json', ...debug }, JSON.stringify({ message: 'Request Entity Too Large' }), match.route.functionName);
      return;
    }
    if (result.statusCode === 429) {
      send(429, { 'content-type': 'application/json', ...debug }, JSON.stringify({ message: 'Too Many Requests' }), match.route.functionName);
      return;
    }
    if (!result.ok) {
      const timedOut = result.error?.errorType === 'Sandbox.Timedout';
      const status = timedOut ? 503 : 500;
      send(status, { 'content-type': 'application/json', ...debug }, JSON.stringify({ message: timedOut ? 'Service Unavailable' : 'Internal Server Error' }), match.route.functionName, result.cold);
      return;
    }
    const mapped = result.streamed ? mapStreamed(result.streamed) : mapResponse(result.payload);
    send(mapped.status, { ...mapped.headers, ...debug }, mapped.body, match.route.functionName, result.cold);
  }

  #match(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    for (const route of this.#routes) {
      if (route.method !== 'ANY' && route.method !== '*' && route.method !== method) continue;
      const params = matchSegments(route.segments, parts);
      if (params) return { route, params };
    }
    return undefined;
  }
}

function parseRoute(routeKey: string, functionName: string): Route {
  const [method, path = '/'] = routeKey.trim().split(/\s+/);
  return { routeKey, method: method.toUpperCase(), segments: path.split('/').filter(Boolean), functionName };
}

function specificity(route: Route): number {
  return route.segments.reduce((score, s) => score * 4 + (s.endsWith('+}') ? 0 : s.startsWith('{') ? 1 : 2), 1) + (route.method === 'ANY' ? 0 : 0.5);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i];
    if (segment.startsWith('{') && segment.endsWith('+}')) {
      if (i >= parts.length) return undefined;
      params[segment.slice(1, -2)] = parts.slice(i).join('/');
      return params;
    }
    if (i >= parts.length) return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) params[segment.slice(1, -1)] = parts[i];
    else if (segment !== parts[i]) return undefined;
  }
  return pattern.length === parts.length ? params : undefined;
}

/**
 * Payload 2.0 mapping: an object with `statusCode` is a full response; anything else is sent as a
 * 200 JSON body, as API Gateway infers it.
 */
function mapResponse(payload: unknown): { status: number; headers: Record<string, string | string[]>; body: Buffer | string } {
  const p = payload as { statusCode?: unknown; headers?: Record<string, unknown>; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown } | null;
  if (p && typeof p === 'object' && typeof p.statusCode === 'number') {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(p.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (Array.isArray(p.cookies) && p.cookies.length) headers['set-cookie'] = p.cookies.map(String);
    const text = typeof p.body === 'string' ? p.body : p.body === undefined ? '' : JSON.stringify(p.body);
    return { status: p.statusCode, headers, body: p.isBase64Encoded === true ? Buffer.from(text, 'base64') : text };
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: typeof payload === 'string' ? payload : JSON.stringify(payload) };
}

/**
 * A streamed response, sent once complete. With HttpResponseStream.from the body starts with a JSON
 * prelude (statusCode, headers, cookies) and 8 NUL bytes, as a function URL reads it.
 */
function mapStreamed(streamed: StreamedResponse): { status: number; headers: Record<string, string | string[]>; body: Buffer } {
  if (streamed.contentType !== HTTP_INTEGRATION_CONTENT_TYPE) return { status: 200, headers: { 'content-type': streamed.contentType }, body: streamed.body };
  const end = streamed.body.indexOf(Buffer.alloc(8));
  const preludeText = end >= 0 ? streamed.body.subarray(0, end).toString('utf8') : '{}';
  const prelude = (JSON.parse(preludeText || '{}') ?? {}) as { statusCode?: number; headers?: Record<string, unknown>; cookies?: unknown[] };
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(prelude.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (Array.isArray(prelude.cookies) && prelude.cookies.length) headers['set-cookie'] = prelude.cookies.map(String);
  return { status: prelude.statusCode ?? 200, headers, body: end >= 0 ? streamed.body.subarray(end + 8) : streamed.body };
}

function randomRequestId(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < 16; i++) id += chars[Math.floor(Math.random() * chars.length)];
  return `${id}=`;
}
