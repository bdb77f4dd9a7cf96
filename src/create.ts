import { resolveOptions, type PoolOptions } from './options.js';
import { Pool } from './pool/pool.js';
import { registry, settingsKey } from './pool/registry.js';
import { detectRuntime } from './runtime.js';
import { type TransportTable, selectTransport } from './select-transport.js';

/**
 * Makes pools from an entry point's transport table (index.ts: Node's, TCP only; index.http.ts:
 * Node's with HTTP and WebSocket; index.edge.ts: the edge one). A 'container' pool lives on
 * globalThis, one per settings, reused by warm invocations; a 'request' pool belongs to its caller
 * alone, who ends it (Workers: a socket must not outlive the request that opened it, and nothing
 * may be shared across requests).
 */
export function createPoolFrom(table: TransportTable, options: PoolOptions = {}, lifetime: 'container' | 'request' = 'container'): Pool {
  const resolved = resolveOptions(options);
  const { pools, containerId } = registry();
  // Selected before the registry is read, so that an entry without the transport says so even
  // when another entry (they share the registry) already made that pool.
  const { factory } = selectTransport(resolved, detectRuntime(), table);
  if (lifetime === 'request') return new Pool(resolved, factory(resolved, containerId), () => {});
  const key = settingsKey(resolved);
  const existing = pools.get(key);
  if (existing instanceof Pool) return existing;
  const transport = factory(resolved, containerId);
  const pool = new Pool(resolved, transport, () => {
    if (pools.get(key) === pool) pools.delete(key);
  });
  pools.set(key, pool);
  return pool;
}
