import { WarmpoolError } from './errors.js';
import { resolveOptions, type PoolOptions } from './options.js';
import { Pool } from './pool/pool.js';
import { registry, settingsKey } from './pool/registry.js';
import type { Counters } from './pool/stats.js';
import { detectRuntime } from './runtime.js';
import { type Selection, type TransportTable, selectTransport } from './select-transport.js';
import type { ResolvedOptions } from './options.js';
import type { Connection, Statement, Transport } from './transports/types.js';
import { pinningFeature } from './poolers.js';

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
  if (lifetime === 'request') return new Pool(resolved, (counters) => deferred(selection, resolved, counters), () => {});
  const { pools } = registry();
  const key = settingsKey(resolved);
  const existing = pools.get(key);
  if (existing instanceof Pool) return existing;
  if (runtime === 'workerd' && selection.name !== 'http') throw moduleScopeSockets(selection.name);
  // Where sockets may outlive a request, a TCP transport is built now (its first driver with it):
  // a pool made at module scope then does that work in Lambda's init, as raw postgres.js does.
  const pool = new Pool(resolved, (counters) => deferred(selection, resolved, counters, selection.name === 'tcp' && runtime !== 'workerd'), () => {
    if (pools.get(key) === pool) pools.delete(key);
  });
  pools.set(key, pool);
  return pool;
}

/**
 * The transport is built on first use, inside a handler (Workers refuse random values, the
 * container id, at module scope, where pools are usually made), or at once when `now`.
 */
function deferred(selection: Selection, options: ResolvedOptions, counters: Counters, now = false): Transport {
  let built: Transport | undefined;
  const transport = () => (built ??= selection.factory(options, registry().containerId, counters));
  if (now) transport();
  const watch = options.pooler === 'rds-proxy' && options.onEvent ? pinningWatcher(options.onEvent) : undefined;
  return {
    get name() {
      return built?.name ?? selection.name;
    },
    get interactiveTransactions() {
      return transport().interactiveTransactions;
    },
    connect: watch
      ? (limit, refreshPassword) => transport().connect(limit, refreshPassword).then(watch)
      : (limit, refreshPassword) => transport().connect(limit, refreshPassword),
  };
}

/**
 * Behind RDS Proxy, tells `onEvent` once per pool about a statement that pins the session (the
 * proxy then keeps one database connection for this client until it disconnects). The check
 * reads statement text only, and stops after the first hit.
 */
function pinningWatcher(onEvent: NonNullable<ResolvedOptions['onEvent']>): (connection: Connection) => Connection {
  let warned = false;
  const check = (text: string) => {
    if (warned) return;
    const feature = pinningFeature(text);
    if (!feature) return;
    warned = true;
    onEvent({ type: 'pinning', reason: `${feature} pins this RDS Proxy session to one database connection until it closes` });
  };
  return (connection) => {
    // Every argument is passed on: a transport may call its own run with more (tcp.ts: ping's grace).
    const target = connection as unknown as Record<'run' | 'batch', (...args: unknown[]) => Promise<unknown>>;
    const run = target.run.bind(connection);
    const batch = target.batch.bind(connection);
    target.run = (...args) => {
      check((args[0] as Statement).text);
      return run(...args);
    };
    target.batch = (...args) => {
      for (const statement of args[0] as Statement[]) check(statement.text);
      return batch(...args);
    };
    return connection;
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
