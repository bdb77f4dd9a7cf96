import type { Pool } from '../pool/pool.js';
import { poolInternals } from '../pool/pool.js';
import { WarmpoolError } from '../errors.js';

/**
 * Vercel Fluid compute serves many requests per instance and suspends an idle one; a connection
 * left open then dies with it, unclosed. `@vercel/functions`' `attachDatabasePool` keeps the
 * instance alive (waitUntil) for the pool's idle timeout after each release, so idle connections
 * close first. It recognises a pool by `on('release', listener)` and `options.idleTimeoutMillis`;
 * `vercelPool(pool)` gives warmpool's pool that shape:
 *
 *   import { attachDatabasePool } from '@vercel/functions';
 *   attachDatabasePool(vercelPool(db));
 */
export interface VercelPoolView {
  /** How long after a release the pool may still hold an idle connection. */
  readonly options: { readonly idleTimeoutMillis: number };
  /** 'release': a connection went back to the idle list. */
  on(event: 'release', listener: () => void): VercelPoolView;
  readonly pool: Pool;
}

export function vercelPool(pool: Pool): VercelPoolView {
  const { set, options } = poolInternals(pool);
  if (options.idleTimeoutMs === 0) {
    throw new WarmpoolError('INVALID_OPTION', 'vercelPool needs a pool with idleTimeoutMs above 0: with 0 idle connections are never closed, so the instance would be suspended holding them. Pass idleTimeoutMs (e.g. 5000).');
  }
  const view: VercelPoolView = {
    // The pool's idle sweep runs every idleTimeoutMs, so a connection released just after a sweep
    // was scheduled closes at the next one: at most twice idleTimeoutMs after its release.
    options: { idleTimeoutMillis: 2 * options.idleTimeoutMs },
    on(event, listener) {
      if (event !== 'release') throw new WarmpoolError('INVALID_OPTION', `vercelPool emits only 'release', not "${String(event)}".`);
      set.releaseListeners.add(listener);
      return view;
    },
    pool,
  };
  return view;
}
