/**
 * A password function over a token signer: one token per container, reused until shortly before
 * it expires (with jitter, so containers started together do not sign together), and signed anew
 * at once when the server rejected it (`{ refresh: true }`). A token expires after its lifetime
 * or with the credentials that signed it, whichever comes first. Callers that ask at the same
 * time share one signing; one that gives up waiting (its `signal` aborted: the pool's
 * connectTimeoutMs) drops it, so a signing that never finishes cannot hold later callers. The
 * clock is the wall clock: timers do not run while Lambda is frozen, but Date.now() tells how long
 * the freeze lasted.
 */
import type { PasswordSource } from '../options.js';

export interface SignedToken {
  token: string;
  /** When the credentials that signed it expire (milliseconds since the epoch), if they do. */
  expiresAt?: number;
}

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

export function cachedToken(sign: () => Promise<SignedToken>, options: TokenCacheOptions): Extract<PasswordSource, Function> {
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? options.lifetimeMs / 5;
  let token: string | undefined;
  let signedAt = 0;
  let renewAt = 0;
  let pending: Promise<string> | undefined;

  const signNew = (): Promise<string> => {
    const signing: Promise<string> = sign().then(
      (signed) => {
        // A signing given up on answers its own callers only; a later one may already be under way.
        if (pending !== signing) return signed.token;
        pending = undefined;
        token = signed.token;
        signedAt = now();
        const lifetimeMs = Math.max(0, Math.min(options.lifetimeMs, (signed.expiresAt ?? Infinity) - signedAt));
        const beforeMs = Math.min(refreshBeforeMs, lifetimeMs / 5);
        renewAt = signedAt + lifetimeMs - beforeMs - (Math.random() * beforeMs) / 2;
        return signed.token;
      },
      (err: unknown) => {
        if (pending === signing) pending = undefined;
        throw err;
      },
    );
    return (pending = signing);
  };

  return ({ refresh, signal }) => {
    let signing = pending;
    if (!signing) {
      const at = now();
      if (token !== undefined && at < renewAt && !(refresh && at - signedAt >= REISSUE_AFTER_MS)) return token;
      signing = signNew();
    }
    signal?.addEventListener('abort', () => {
      if (pending === signing) pending = undefined;
    }, { once: true });
    return signing;
  };
}
