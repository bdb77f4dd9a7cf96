/**
 * `warmpool/http`: the Node build with every transport: TCP through postgres.js, HTTP and
 * WebSocket through the Neon driver, and the fallback from TCP to HTTP when a connect shows that
 * sockets are not available. The same API as `warmpool`, and the same pools: both keep them in one
 * registry on globalThis.
 *
 * The Neon driver is evaluated only by a pool that uses it, and so is `ws`, which only Node 20
 * needs (transports/websocket-constructor.ts); a bundle of this entry contains them.
 */
import { createPoolFrom } from './create.js';
import type { PoolOptions } from './options.js';
import type { Pool } from './pool/pool.js';
import type { TransportTable } from './select-transport.js';
import { withHttpFallback } from './transports/fallback.js';
import { lazyTransport } from './transports/lazy.js';
import { tcpTransport } from './transports/tcp.js';
import { openSocket } from './transports/tcp-socket.js';
import { webSocketConstructor } from './transports/websocket-constructor.js';

const TRANSPORTS: TransportTable = {
  tcp: tcpTransport(openSocket),
  http: lazyTransport('http', false, async () => {
    const [{ httpTransport }, { nodeFetch }] = await Promise.all([import('./transports/http.js'), import('./transports/node-fetch.js')]);
    return httpTransport((options) => nodeFetch(options.connectTimeoutMs));
  }),
  websocket: lazyTransport('websocket', true, async () => {
    const [{ websocketTransport }, webSocket] = await Promise.all([import('./transports/websocket.js'), webSocketConstructor()]);
    return websocketTransport(webSocket);
  }),
  fallback: withHttpFallback,
};

export function createPool(options: PoolOptions = {}): Pool {
  return createPoolFrom(TRANSPORTS, options);
}

export * from './public.js';
