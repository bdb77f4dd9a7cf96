import { WarmpoolError } from './errors.js';
import type { ResolvedOptions, TransportName } from './options.js';
import type { Runtime } from './runtime.js';
import type { TransportFactory } from './transports/types.js';

/**
 * The one table that maps a runtime and the `transport` option to an implementation. Nothing else
 * in the library branches on the runtime. Which implementations exist is up to the entry point:
 * `warmpool` on Node has TCP only, so a Lambda bundle carries neither the Neon driver nor `ws`;
 * `warmpool/http` adds HTTP, WebSocket and the fallback; the edge build (`workerd`, `edge-light`
 * conditions) has no TCP, so its bundles never contain postgres.js or node:net.
 */

export interface TransportTable extends Partial<Record<TransportName, TransportFactory>> {
  /** Turns auto-chosen TCP into HTTP when sockets are not available here (transports/fallback.ts), in builds with both. */
  fallback?: (tcp: TransportFactory, http: TransportFactory) => TransportFactory;
}

/** What 'auto' picks: TCP where sockets work and may be kept, HTTP where they do not. */
const AUTO: Record<Runtime, TransportName> = {
  lambda: 'tcp',
  node: 'tcp',
  bun: 'tcp',
  deno: 'tcp',
  // A socket must not outlive its request there; TCP only through Hyperdrive (below) or when asked.
  workerd: 'http',
  'edge-light': 'http',
  other: 'http',
};

/** Where the transports a build lacks are: TCP on Workers, HTTP and WebSocket on Node. */
const WHERE: Record<TransportName, string> = {
  tcp: 'Edge builds have no TCP: import withPool from warmpool/worker/tcp (Cloudflare Workers, per request), or use the http transport.',
  http: "It is an opt-in on Node, so that TCP bundles carry no Neon driver: import { createPool } from 'warmpool/http'.",
  websocket: "It is an opt-in on Node, so that TCP bundles carry no Neon driver or ws: import { createPool } from 'warmpool/http'.",
};

export interface Selection {
  name: TransportName;
  factory: TransportFactory;
}

export function selectTransport(options: ResolvedOptions, runtime: Runtime, table: TransportTable): Selection {
  const auto = options.transport === 'auto';
  const name: TransportName = options.transport !== 'auto' ? options.transport : runtime === 'workerd' && options.hyperdrive ? 'tcp' : AUTO[runtime];
  const factory = table[name];
  if (!factory) {
    const why = auto ? `Runtime "${runtime}" needs the ${name} transport` : `The ${name} transport was asked for`;
    throw new WarmpoolError('TRANSPORT_UNAVAILABLE', `${why}, which this build of warmpool does not include. ${WHERE[name]}`);
  }
  // Checked here, when the pool is created, also for transports whose module is loaded later.
  if (name === 'http' && options.httpEndpoint === undefined) {
    throw new WarmpoolError('TRANSPORT_UNAVAILABLE', `${auto ? `Runtime "${runtime}" has no TCP sockets to keep, so the http transport is used, and it` : 'The http transport'} needs an endpoint: set httpEndpoint (or WARMPOOL_HTTP_ENDPOINT) to a warmpool gateway's /sql URL${auto && runtime === 'workerd' ? ', or pass a Hyperdrive binding for TCP' : ''}. It is not derived from the host ${options.host}, since every request carries the password.`);
  }
  if (name === 'websocket' && options.wsProxy === undefined) {
    throw new WarmpoolError('TRANSPORT_UNAVAILABLE', `The websocket transport needs a proxy: set wsProxy (or WARMPOOL_WS_PROXY) to a warmpool gateway's ws(s)://…/v2 URL. It is not derived from the host ${options.host}.`);
  }
  // Auto-chosen TCP falls back to HTTP when a connect shows that sockets are not available here.
  if (auto && name === 'tcp' && options.httpEndpoint !== undefined) {
    if (table.http && table.fallback) return { name, factory: table.fallback(factory, table.http) };
    // An endpoint the user set asks for the fallback; one derived from a Neon host does not.
    if (options.httpEndpointSet) {
      throw new WarmpoolError('TRANSPORT_UNAVAILABLE', `httpEndpoint (or WARMPOOL_HTTP_ENDPOINT) is set for the fallback from TCP to HTTP, which this build of warmpool does not include. ${WHERE.http} Or unset it to stay on TCP.`);
    }
  }
  return { name, factory };
}
