/**
 * The sample Worker over TCP: with a Hyperdrive binding ('auto' picks TCP), or
 * `WARMPOOL_TRANSPORT=tcp` to dial the database directly through `cloudflare:sockets`. One
 * connection per request, closed through ctx.waitUntil. Use it as wrangler.toml's `main`.
 */
import { withPool } from 'warmpool/worker/tcp';
import { createWorker } from './app.js';

export default createWorker(withPool);
