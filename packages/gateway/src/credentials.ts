import { createHmac, randomBytes } from 'node:crypto';

/**
 * Which credentials the upstream server accepted recently. Only a keyed hash (HMAC-SHA-256 under a
 * random key that lives in this process) is kept, never a password. A request whose hash is
 * fresh here may reuse an idle connection opened with the same credentials; any other request
 * opens a new connection, so the server checks its password.
 */

export interface Credential {
  readonly user: string;
  /** Held only while the request is served and until its connection has authenticated. */
  readonly password: string;
  /** HMAC of user and password: pools connections and looks up verification. */
  readonly key: string;
}

export class CredentialCache {
  readonly #secret = randomBytes(32);
  readonly #verified = new Map<string, number>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  credential(user: string, password: string): Credential {
    const mac = createHmac('sha256', this.#secret);
    // Length prefixes: ("ab", "c") and ("a", "bc") must not collide.
    mac.update(`${Buffer.byteLength(user)}:${user}\0${Buffer.byteLength(password)}:${password}`);
    return { user, password, key: mac.digest('base64url') };
  }

  isVerified(key: string): boolean {
    const until = this.#verified.get(key);
    return until !== undefined && until > Date.now();
  }

  /** The server just accepted these credentials on a new connection. */
  markVerified(key: string): void {
    if (this.#ttlMs === 0) return;
    if (this.#verified.size >= 1_000) this.#prune();
    this.#verified.set(key, Date.now() + this.#ttlMs);
  }

  /** Credentials currently trusted. */
  get size(): number {
    const now = Date.now();
    let n = 0;
    for (const until of this.#verified.values()) if (until > now) n++;
    return n;
  }

  #prune(): void {
    const now = Date.now();
    for (const [key, until] of this.#verified) if (until <= now) this.#verified.delete(key);
    // Still full of fresh entries (many distinct valid users): forget the oldest half.
    if (this.#verified.size >= 1_000) {
      let drop = this.#verified.size / 2;
      for (const key of this.#verified.keys()) {
        if (drop-- <= 0) break;
        this.#verified.delete(key);
      }
    }
  }
}
