/**
 * Cloudflare Workers adapter (`warmpool/worker`). An I/O object created in one request cannot be
 * used by another, so a module-scope pool of sockets breaks there. `withPool(options, handler)`
 * gives each request its own pool and ends it through `ctx.waitUntil` after the response; the
 * transports are HTTP (default on Workers) and WebSocket, and the bundle carries neither
 * postgres.js nor node:net. For TCP (Hyperdrive, or `transport: 'tcp'`) import the same API from
 * `warmpool/worker/tcp`.
 *
 * ```ts
 * import { withPool } from 'warmpool/worker';
 * export default {
 *   fetch: withPool((env) => ({ connectionString: env.DATABASE_URL, httpEndpoint: env.WARMPOOL_HTTP_ENDPOINT }),
 *     async (request, db) => Response.json(await db.sql`select now()`)),
 * };
 * ```
 */
import { EDGE_TRANSPORTS } from '../transports/edge.js';
import { workerAdapter } from './adapter.js';

export const { withPool, createRequestPool } = workerAdapter(EDGE_TRANSPORTS);
export type { FetchHandler, WorkerContext, WorkerHandler, WorkerPoolOptions } from './adapter.js';
export * from '../public.js';
