import { createPoolFrom } from '../create.js';
import type { PoolOptions } from '../options.js';
import type { Pool } from '../pool/pool.js';
import type { TransportTable } from '../select-transport.js';

/** The part of a Workers `ExecutionContext` warmpool uses. */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** Options, or a function of the Worker's `env` returning them (bindings and vars live there). */
export type WorkerPoolOptions<Env> = PoolOptions | ((env: Env) => PoolOptions);

export type WorkerHandler<Env> = (request: Request, db: Pool, env: Env, ctx: WorkerContext) => Response | Promise<Response>;

export type FetchHandler<Env> = (request: Request, env: Env, ctx: WorkerContext) => Promise<Response>;

export interface WorkerAdapter {
  /**
   * Wraps a fetch handler: every request gets its own pool, and the pool is ended through
   * `ctx.waitUntil` once the response is ready, so no socket outlives its request and nothing is
   * shared between requests.
   */
  withPool<Env>(options: WorkerPoolOptions<Env>, handler: WorkerHandler<Env>): FetchHandler<Env>;
  /** A pool for one request, not kept anywhere; end it yourself: `ctx.waitUntil(db.end())`. */
  createRequestPool(options: PoolOptions): Pool;
}

export function workerAdapter(table: TransportTable): WorkerAdapter {
  const createRequestPool = (options: PoolOptions) => createPoolFrom(table, options, 'request');
  return {
    createRequestPool,
    withPool: (options, handler) => async (request, env, ctx) => {
      const db = createRequestPool(typeof options === 'function' ? options(env) : options);
      try {
        return await handler(request, db, env, ctx);
      } finally {
        ctx.waitUntil(db.end());
      }
    },
  };
}
