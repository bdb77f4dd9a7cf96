import type { PasswordSource } from '../options.js';

/**
 * A password function over a token signer: one token per container, reused until shortly before
 * it expires (with jitter, so containers started together do not sign together), and signed anew
 * at once when the server rejected it (`{ refresh: true }` after 28P01). Callers that ask at the
 * same time share one signing. The clock is the wall clock: timers do not run while Lambda is
 * frozen, but Date.now() tells how long the freeze lasted.
 */

export interface TokenCacheOptions {
  /** How long a token is valid after it is signed. */
  lifetimeMs: number;
  /** Sign a new token this long before the old one expires, minus up to half of it as jitter. Default: a fifth of the lifetime. */
  refreshBeforeMs?: number;
  /** Milliseconds since the epoch; the wall clock by default. */
  now?: () => number;
}

/** A refresh asked for within this long of the last signing reuses that token: parallel connects all saw the same rejection. */
const REISSUE_AFTER_MS = 1_000;

export function cachedToken(sign: () => Promise<string>, options: TokenCacheOptions): Extract<PasswordSource, Function> {
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? options.lifetimeMs / 5;
  let token: string | undefined;
  let signedAt = 0;
  let renewAt = 0;
  let pending: Promise<string> | undefined;

  const signNew = (): Promise<string> => {
    pending ??= sign().then(
      (value) => {
        token = value;
        signedAt = now();
        renewAt = signedAt + options.lifetimeMs - refreshBeforeMs - (Math.random() * refreshBeforeMs) / 2;
        pending = undefined;
        return value;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };

  return ({ refresh }) => {
    if (pending) return pending;
    const at = now();
    if (token === undefined || at >= renewAt) return signNew();
    if (refresh && at - signedAt >= REISSUE_AFTER_MS) return signNew();
    return token;
  };
}
