import { WarmpoolError } from '../errors.js';
import type { TransportName } from '../options.js';
import type { Transport, TransportFactory } from './types.js';

/**
 * A transport whose implementation, and driver, is imported on its first connect. `warmpool/http`
 * uses it for HTTP and WebSocket: its bundles contain the Neon driver, but a TCP pool (with the
 * fallback) never evaluates it, and a bundler that splits chunks keeps it out of the entry file.
 */
export function lazyTransport(name: TransportName, interactiveTransactions: boolean, load: () => Promise<TransportFactory>): TransportFactory {
  return (options, containerId, counters) => {
    let loaded: Promise<Transport> | undefined;
    return {
      name,
      interactiveTransactions,
      async connect(limit, refreshPassword) {
        loaded ??= load().then(
          (factory) => factory(options, containerId, counters),
          (err: unknown) => {
            loaded = undefined;
            throw new WarmpoolError('TRANSPORT_UNAVAILABLE', `The ${name} transport could not be loaded (is @neondatabase/serverless installed or bundled?).`, { cause: err, notApplied: true });
          },
        );
        return (await loaded).connect(limit, refreshPassword);
      },
    };
  };
}
