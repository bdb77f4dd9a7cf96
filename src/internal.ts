/**
 * `warmpool/internal`: the few library internals that warmpool's own tools (`@warmpool/cli`,
 * `@warmpool/gateway`) build on: option resolution, the password lookup, secret redaction, the
 * quiet cancel and the runtime's worker thread count. Not a public API: it may change in any release, together with those packages.
 */
export { resolveOptions, type ResolvedOptions } from './options.js';
export { passwordFor } from './transports/common.js';
export { redactSecrets } from './errors.js';
export { cancelQuietly, type CancellableQuery } from './transports/postgres-cancel.js';
export { workerThreads } from './worker-threads.js';
