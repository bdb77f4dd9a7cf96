/**
 * warmpool: PostgreSQL for serverless code. `createPool` gives one pool per container (kept on
 * globalThis across warm invocations), a hard cap on connections, validation after a freeze and
 * retries only where a write cannot run twice.
 *
 * This is the Node build (Node, Lambda, Bun, Deno): TCP through postgres.js, plus HTTP and
 * WebSocket through the Neon driver. Edge runtimes get index.edge.ts through the `workerd` and
 * `edge-light` export conditions.
 */
import { createPoolFrom } from './create.js';
import type { PoolOptions } from './options.js';
import type { Pool } from './pool/pool.js';
import type { TransportTable } from './select-transport.js';
import { lazyTransport } from './transports/lazy.js';
import { tcpTransport } from './transports/tcp.js';
import { openSocket } from './transports/tcp-socket.js';

/** The Neon driver (and `ws`: Node 20 has no global WebSocket) is loaded only by a pool that uses it. */
const TRANSPORTS: TransportTable = {
  tcp: tcpTransport(openSocket),
  http: lazyTransport('http', false, async () => {
    const [{ httpTransport }, { nodeFetch }] = await Promise.all([import('./transports/http.js'), import('./transports/node-fetch.js')]);
    return httpTransport((options) => nodeFetch(options.connectTimeoutMs));
  }),
  websocket: lazyTransport('websocket', true, async () => {
    const [{ websocketTransport }, ws] = await Promise.all([import('./transports/websocket.js'), import('ws')]);
    return websocketTransport(ws.default);
  }),
};

export function createPool(options: PoolOptions = {}): Pool {
  return createPoolFrom(TRANSPORTS, options);
}

export * from './public.js';
