import { WarmpoolError } from '../errors.js';
import type { Transport, TransportFactory } from './types.js';

/**
 * TCP that turns into HTTP for good when a connect fails in a way that means "no sockets here"
 * (a sandbox without network permission, a runtime without a socket API), not "the server is
 * down". Said once: a `fallback` event, and `stats().transport` reads 'http' from then on.
 */

/** Error codes (Node, Deno, module loaders) of a socket API that is missing or forbidden. */
const NO_SOCKETS = new Set([
  'EACCES', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EAFNOSUPPORT', 'ERR_ACCESS_DENIED', 'ERR_METHOD_NOT_IMPLEMENTED', 'ERR_NOT_IMPLEMENTED',
  'ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_ESM_URL_SCHEME', 'ERR_UNKNOWN_BUILTIN_MODULE',
]);
const NO_SOCKETS_NAMES = new Set(['PermissionDenied', 'NotCapable', 'NotSupported']);

export function meansNoSockets(err: unknown): boolean {
  for (let e = err as { code?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && NO_SOCKETS.has(e.code)) return true;
    if (typeof e.name === 'string' && NO_SOCKETS_NAMES.has(e.name)) return true;
  }
  return false;
}

export function withHttpFallback(tcpFactory: TransportFactory, httpFactory: TransportFactory): TransportFactory {
  return (options, containerId, counters) => {
    const tcp = tcpFactory(options, containerId, counters);
    let current: Transport = tcp;
    return {
      get name() {
        return current.name;
      },
      get interactiveTransactions() {
        return current.interactiveTransactions;
      },
      async connect(limit, refreshPassword) {
        if (current !== tcp) return current.connect(limit, refreshPassword);
        try {
          return await tcp.connect(limit, refreshPassword);
        } catch (err) {
          if (!meansNoSockets(err) || current !== tcp) throw err;
          current = httpFactory(options, containerId, counters);
          const code = err instanceof WarmpoolError ? ((err.cause as { code?: string } | undefined)?.code ?? err.code) : 'error';
          options.onEvent?.({ type: 'fallback', reason: `TCP sockets are not available here (${code}); using HTTP to ${options.httpEndpoint?.split('?', 1)[0]}` });
          return current.connect(limit, refreshPassword);
        }
      },
    };
  };
}
