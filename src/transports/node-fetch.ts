import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Fetch } from './http.js';

/**
 * The fetch the Node build gives the Neon driver: one POST over node:http(s) with keep-alive,
 * answered with just what the driver reads (`ok`, `status`, `text()`, `json()`). Node's global
 * fetch (undici) costs a fresh process about 60 ms of CPU on its first request and several ms on
 * each of the next ones; a Lambda container is such a process for most of its life.
 *
 * A kept-alive socket idle for REUSE_IDLE_MS is not reused: after a freeze the endpoint has likely
 * closed it (the gateway after 5 s, load balancers later), and a request written to a closed
 * socket may or may not have been received, which would cost a write its certainty.
 */

const REUSE_IDLE_MS = 2_000;
const idleSince = new WeakMap<Socket, number>();

function keepAliveAgent<A extends http.Agent>(agent: A): A {
  agent.on('free', (socket: Socket) => idleSince.set(socket, Date.now()));
  return agent;
}

const agents = {
  'http:': keepAliveAgent(new http.Agent({ keepAlive: true })),
  'https:': keepAliveAgent(new https.Agent({ keepAlive: true })),
};

/** Closes the agent's free sockets that have been idle too long to trust. */
function dropStaleSockets(agent: http.Agent): void {
  const now = Date.now();
  for (const sockets of Object.values(agent.freeSockets)) {
    for (const socket of sockets ?? []) {
      if (now - (idleSince.get(socket) ?? 0) >= REUSE_IDLE_MS) socket.destroy();
    }
  }
}

/** Failures look like fetch's: a TypeError whose `cause` is the socket error (with its `code`). */
export function nodeFetch(connectTimeoutMs: number): Fetch {
  return (url, options = {}) =>
    new Promise((resolve, reject) => {
      const init = options as { method?: string; body?: string; headers?: Record<string, string>; signal?: AbortSignal };
      const target = new URL(url);
      const agent = agents[target.protocol as keyof typeof agents];
      if (!agent) return reject(new TypeError(`fetch failed: unsupported protocol ${target.protocol}`));
      if (init.signal?.aborted) return reject(abortError());
      dropStaleSockets(agent);
      const body = init.body ?? '';
      const request = (target.protocol === 'https:' ? https : http).request(target, {
        method: init.method ?? 'GET',
        agent,
        headers: { 'content-type': 'text/plain;charset=UTF-8', ...init.headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      const fail = (err: unknown) => reject(new TypeError('fetch failed', { cause: err }));
      const onAbort = () => request.destroy(abortError());
      init.signal?.addEventListener('abort', onAbort, { once: true });
      request.once('close', () => init.signal?.removeEventListener('abort', onAbort));
      request.once('socket', (socket: Socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => request.destroy(Object.assign(new Error(`connect timed out after ${connectTimeoutMs} ms`), { code: 'CONNECT_TIMEOUT' })), connectTimeoutMs);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      request.once('error', (err) => (init.signal?.aborted ? reject(abortError()) : fail(err)));
      request.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', (err) => (init.signal?.aborted ? reject(abortError()) : fail(err)));
        response.once('close', () => {
          if (!response.complete) fail(Object.assign(new Error('the response ended before its body'), { code: 'ECONNRESET' }));
        });
        response.once('end', () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = { get: (name: string) => { const v = response.headers[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v; } };
          resolve({ ok: status >= 200 && status < 300, status, headers, text: async () => text, json: async () => JSON.parse(text) as unknown });
        });
      });
      request.end(body);
    });
}

function abortError(): Error {
  return new DOMException('This operation was aborted', 'AbortError');
}
