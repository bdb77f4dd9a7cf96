import { WarmpoolError } from './errors.js';
import { resolveOptions, type PoolOptions } from './options.js';
import { Pool } from './pool/pool.js';
import { registry, settingsKey } from './pool/registry.js';
import { detectRuntime } from './runtime.js';
import { type Selection, type TransportTable, selectTransport } from './select-transport.js';
import type { ResolvedOptions } from './options.js';
import type { Transport } from './transports/types.js';

/**
 * Makes pools from an entry point's transport table (index.ts: Node's, TCP only; index.http.ts:
 * Node's with HTTP and WebSocket; index.edge.ts: the edge one). A 'container' pool lives on
 * globalThis, one per settings, reused by warm invocations; a 'request' pool belongs to its caller
 * alone, who ends it (Workers: a socket must not outlive the request that opened it, and nothing
 * may be shared across requests).
 */
export function createPoolFrom(table: TransportTable, options: PoolOptions = {}, lifetime: 'container' | 'request' = 'container'): Pool {
  const resolved = resolveOptions(options);
  const runtime = detectRuntime();
  // Selected before the registry is read, so that an entry without the transport says so even
  // when another entry (they share the registry) already made that pool.
  const selection = selectTransport(resolved, runtime, table);
  if (lifetime === 'request') return new Pool(resolved, deferred(selection, resolved), () => {});
  const { pools } = registry();
  const key = settingsKey(resolved);
  const existing = pools.get(key);
  if (existing instanceof Pool) return existing;
  if (runtime === 'workerd' && selection.name !== 'http') throw moduleScopeSockets(selection.name);
  const pool = new Pool(resolved, deferred(selection, resolved), () => {
    if (pools.get(key) === pool) pools.delete(key);
  });
  pools.set(key, pool);
  return pool;
}

/**
 * The transport is built on first use, inside a handler: Workers refuse random values (the
 * container id) at module scope, where pools are usually made.
 */
function deferred(selection: Selection, options: ResolvedOptions): Transport {
  let built: Transport | undefined;
  const transport = () => (built ??= selection.factory(options, registry().containerId));
  return {
    get name() {
      return built?.name ?? selection.name;
    },
    get interactiveTransactions() {
      return transport().interactiveTransactions;
    },
    connect: (signal, refreshPassword) => transport().connect(signal, refreshPassword),
  };
}

/**
 * Workers bind every socket to the request that opened it: a pool kept across requests would
 * hang on the second one. Said when the pool is made, not at that hang.
 */
function moduleScopeSockets(transport: string): WarmpoolError {
  return new WarmpoolError(
    'NOT_SUPPORTED_ON_TRANSPORT',
    `On Cloudflare Workers a ${transport} connection belongs to the request that opened it, so a pool kept across requests would hang on the next one. ` +
      "Give each request its own pool: withPool or createRequestPool from 'warmpool/worker' (or 'warmpool/worker/tcp'), or use the http transport.",
    { notApplied: true },
  );
}
