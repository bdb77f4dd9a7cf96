/**
 * warmpool for edge runtimes (the `workerd` and `edge-light` export conditions): HTTP and
 * WebSocket through the Neon driver, and no TCP, so a bundle never contains postgres.js or
 * node:net. On Cloudflare Workers use `warmpool/worker`, which gives every request its own pool.
 */
import { createPoolFrom } from './create.js';
import type { PoolOptions } from './options.js';
import type { Pool } from './pool/pool.js';
import { EDGE_TRANSPORTS } from './transports/edge.js';

export function createPool(options: PoolOptions = {}): Pool {
  return createPoolFrom(EDGE_TRANSPORTS, options);
}

export * from './public.js';
