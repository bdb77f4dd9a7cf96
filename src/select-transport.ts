import { WarmpoolError } from './errors.js';
import type { ResolvedOptions, TransportName } from './options.js';
import type { Runtime } from './runtime.js';
import { createTcpTransport } from './transports/tcp.js';
import type { TransportFactory } from './transports/types.js';

/**
 * The one table that maps a runtime and the `transport` option to an implementation. Nothing else
 * in the library branches on the runtime.
 */

const AUTO: Record<Runtime, TransportName | undefined> = {
  lambda: 'tcp',
  node: 'tcp',
  bun: 'tcp',
  deno: 'tcp',
  workerd: undefined,
  'edge-light': undefined,
  other: undefined,
};

const FACTORIES: Partial<Record<TransportName, TransportFactory>> = {
  tcp: createTcpTransport,
};

export function selectTransport(options: ResolvedOptions, runtime: Runtime): TransportFactory {
  const name = options.transport === 'auto' ? AUTO[runtime] : options.transport;
  const factory = name && FACTORIES[name];
  if (!factory) {
    throw new WarmpoolError(
      'TRANSPORT_UNAVAILABLE',
      name
        ? `The ${name} transport is not available in this build.`
        : `No transport can be chosen automatically on runtime "${runtime}"; pass transport explicitly.`,
    );
  }
  return factory;
}
