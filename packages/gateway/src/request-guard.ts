import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GatewayHttpError } from './http-error.js';
import { isWildcardHost, normalizeHost, type GatewayConfig } from './options.js';

/**
 * Checks every request passes before anything else happens, /sql and WebSocket alike:
 * - `Host` must be a name the gateway is known by. A page on evil.example whose name an attacker
 *   re-points at 127.0.0.1 (DNS rebinding) sends `Host: evil.example` and is refused.
 * - `Origin`, which browsers add to cross-origin requests, must be allowed explicitly (CORS is off
 *   by default). Server-side clients (Node, Workers, the Neon driver outside a browser) send none.
 * - The bearer token, when one is configured, compared in constant time.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export class RequestGuard {
  readonly #hosts: Set<string> | 'any';
  readonly #origins: Set<string> | 'any';
  readonly #tokenDigest: Buffer | undefined;

  constructor(config: Pick<GatewayConfig, 'host' | 'allowHosts' | 'allowOrigins' | 'token'>) {
    const bind = normalizeHost(config.host);
    this.#hosts = config.allowHosts.includes('*')
      ? 'any'
      : new Set([...LOOPBACK_NAMES, ...(isWildcardHost(bind) ? [] : [bind]), ...config.allowHosts.map(normalizeHost)]);
    this.#origins = config.allowOrigins.includes('*') ? 'any' : new Set(config.allowOrigins.map((o) => o.replace(/\/+$/, '')));
    this.#tokenDigest = config.token === undefined ? undefined : digest(config.token);
  }

  checkHost(req: IncomingMessage): void {
    if (this.#hosts === 'any') return;
    const header = req.headers.host;
    const name = header ? hostName(header) : '';
    if (!this.#hosts.has(name)) {
      throw new GatewayHttpError(403, 'Host not allowed: start the gateway with --allow-host <name> for each name clients use');
    }
  }

  /** The allowed Origin of a browser request, undefined for a request without one; throws if not allowed. */
  checkOrigin(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    if (this.#origins === 'any' || this.#origins.has(origin.toLowerCase())) return origin;
    throw new GatewayHttpError(403, 'Origin not allowed: start the gateway with --allow-origin <origin> to accept browser requests from it');
  }

  /** Response headers that let an allowed browser origin read the answer. */
  corsHeaders(origin: string | undefined): Record<string, string> {
    if (origin === undefined) return {};
    return {
      'Access-Control-Allow-Origin': this.#origins === 'any' ? '*' : origin,
      'Access-Control-Expose-Headers': 'Neon-Batch-Isolation-Level, Neon-Batch-Read-Only, Neon-Batch-Deferrable',
      Vary: 'Origin',
    };
  }

  preflightHeaders(origin: string): Record<string, string> {
    return {
      ...this.corsHeaders(origin),
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers':
        'Authorization, Content-Type, Neon-Connection-String, Neon-Raw-Text-Output, Neon-Array-Mode, Neon-Batch-Isolation-Level, Neon-Batch-Read-Only, Neon-Batch-Deferrable, Neon-Pool-Opt-In',
      'Access-Control-Max-Age': '600',
    };
  }

  /** `token`: from the `Authorization: Bearer` header, or (WebSocket) the URL. */
  checkToken(token: string | undefined): void {
    if (this.#tokenDigest === undefined) return;
    if (token === undefined || !timingSafeEqual(digest(token), this.#tokenDigest)) {
      throw new GatewayHttpError(401, 'missing or invalid bearer token', { 'WWW-Authenticate': 'Bearer' });
    }
  }
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** `Host` header → lower-case name without port or IPv6 brackets. */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
