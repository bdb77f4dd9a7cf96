/**
 * `warmpool gateway`: a Neon-compatible HTTP (`POST /sql`) and WebSocket (`/v2`) endpoint in front
 * of one configured PostgreSQL server, so the unchanged `@neondatabase/serverless` driver (and
 * warmpool's HTTP and WebSocket transports) can reach RDS or any Postgres from runtimes without
 * TCP sockets. Node only: it is a server, not a transport.
 *
 * ```ts
 * const gw = await startGateway({ upstream: 'postgres://127.0.0.1:5432/app', port: 0 });
 * neonConfig.fetchEndpoint = gw.fetchEndpoint;
 * const sql = neon('postgres://app_user:secret@127.0.0.1:5432/app');
 * ```
 */
export { startGateway, type Gateway, type GatewayStats } from './server.js';
export { GATEWAY_DEFAULTS, type GatewayOptions } from './options.js';
