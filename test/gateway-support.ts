import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { neon, neonConfig, type HTTPTransactionOptions, type NeonQueryFunction } from '@neondatabase/serverless';
import ws from 'ws';
import { startGateway, type Gateway, type GatewayOptions } from '../packages/gateway/src/index.js';
import { databaseUrl } from './support/env.js';

/** Helpers of the gateway tests: a gateway in front of the test database, raw requests, a TCP trap. */

/** The test database's address without credentials: what the gateway is configured with. */
export function upstreamOf(url: string): string {
  const u = new URL(url);
  return `postgres://${u.host}${u.pathname}`;
}

export function startTestGateway(options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  return startGateway({ upstream: upstreamOf(databaseUrl()), host: '127.0.0.1', port: 0, ...options });
}

/** `neon()` of the real driver, sending its HTTP requests to `gw`. */
export function neonVia<A extends boolean = false, F extends boolean = false>(
  gw: Gateway,
  connectionString = databaseUrl(),
  options?: HTTPTransactionOptions<A, F>,
): NeonQueryFunction<A, F> {
  neonConfig.fetchEndpoint = () => gw.fetchEndpoint;
  return neon<A, F>(connectionString, options);
}

/** Points the driver's WebSocket mode (Pool, Client) at `gw`, as a user would outside Neon. */
export function useWebSocketsVia(gw: Gateway, token?: string): void {
  neonConfig.webSocketConstructor = ws;
  neonConfig.wsProxy = (host, port) => `${gw.wsProxy}?address=${host}:${port}${token ? `&token=${token}` : ''}`;
  // Plain ws:// on loopback. Every other setting keeps the driver's default (pipelineConnect 'password').
  neonConfig.useSecureWebSocket = false;
}

/** Same connection string with another password / user / host / port / database / query. */
export function withUrl(url: string, change: (u: URL) => void): string {
  const u = new URL(url);
  change(u);
  return u.toString();
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => Record<string, unknown>;
}

/** A raw HTTP request (arbitrary Host, Origin, chunked bodies), which fetch does not allow. */
export function rawRequest(
  gw: Gateway,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean; signal?: AbortSignal },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: gw.port, method: options.method ?? 'POST', path: options.path ?? '/sql', headers: options.headers, agent: false, signal: options.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    if (options.chunked) {
      // No Content-Length: the gateway has to count as it reads.
      const body = Buffer.from(options.body ?? '');
      for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** POST /sql with the Neon headers, as the driver sends them. */
export function postSql(
  gw: Gateway,
  body: unknown,
  headers: Record<string, string> = {},
  connectionString = databaseUrl(),
  options: { signal?: AbortSignal } = {},
): Promise<RawResponse> {
  return rawRequest(gw, {
    signal: options.signal,
    headers: { 'Neon-Connection-String': connectionString, 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A TCP listener that records every connection made to it: an SSRF target that must stay untouched. */
export async function tcpTrap(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface GatewayProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  port: number;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
  /** Resolves with the exit code (or the signal that ended it). */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Runs the package's own bin (`warmpool-gateway`, as the container image does) until it prints its URL. */
export async function spawnGateway(args: string[], env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/gateway/src/bin.ts', '--port', '0', ...args], {
    cwd: root,
    env: { ...process.env, WARMPOOL_UPSTREAM: upstreamOf(databaseUrl()), ...env },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /warmpool gateway listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`the gateway exited with ${code}: ${output}`)));
  });
  return { child, url, port: Number(new URL(url).port), output: () => output, exited };
}
