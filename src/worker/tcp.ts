/**
 * `warmpool/worker/tcp`: the `warmpool/worker` API with TCP added, for a Hyperdrive binding
 * (`hyperdrive: env.HYPERDRIVE`, picked by 'auto') or `transport: 'tcp'`. postgres.js's Workers
 * build opens the socket through `cloudflare:sockets`, once per request, and the pool closes it
 * through `ctx.waitUntil`. Bundle it with the `workerd` condition (wrangler does).
 */
import { EDGE_TRANSPORTS } from '../transports/edge.js';
import { withHttpFallback } from '../transports/fallback.js';
import { tcpTransport } from '../transports/tcp.js';
import { workerAdapter } from './adapter.js';

export const { withPool, createRequestPool } = workerAdapter({ ...EDGE_TRANSPORTS, tcp: tcpTransport(), fallback: withHttpFallback });
export type { FetchHandler, WorkerContext, WorkerHandler, WorkerPoolOptions } from './adapter.js';
export * from '../public.js';
