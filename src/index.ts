/**
 * warmpool: PostgreSQL for serverless code. `createPool` gives one pool per container (kept on
 * globalThis across warm invocations), a hard cap on connections, validation after a freeze and
 * retries only where a write cannot run twice.
 *
 * This is the Node build (Node, Lambda, Bun, Deno) with TCP only, through postgres.js, so that a
 * bundled handler carries neither the Neon driver nor `ws`. HTTP, WebSocket and the fallback from
 * TCP to HTTP are in `warmpool/http` (index.http.ts), which exports the same API. Edge runtimes
 * get index.edge.ts through the `workerd` and `edge-light` export conditions.
 */
import { createPoolFrom } from './create.js';
import type { PoolOptions } from './options.js';
import type { Pool } from './pool/pool.js';
import type { TransportTable } from './select-transport.js';
import { tcpTransport } from './transports/tcp.js';
import { openSocket } from './transports/tcp-socket.js';

const TRANSPORTS: TransportTable = { tcp: tcpTransport(openSocket) };

export function createPool(options: PoolOptions = {}): Pool {
  return createPoolFrom(TRANSPORTS, options);
}

export * from './public.js';
