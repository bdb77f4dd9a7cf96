/**
 * TLS by default, in one place: the sslmode a host gets when the user names none, and the hint a
 * connect refused for its TLS setting carries. No host beyond this machine is contacted in plain
 * text unless the user says so (`sslmode=disable`, `ssl: 'disable'` or `PGSSLMODE=disable`).
 *
 * | host | default | why |
 * |---|---|---|
 * | loopback: 127.0.0.0/8, ::1, `localhost`, a unix socket directory | `disable` | nothing leaves the machine |
 * | a Hyperdrive binding | `disable` | a socket inside the Workers runtime; Hyperdrive encrypts to the origin |
 * | Amazon RDS, Aurora, RDS Proxy (`*.<region>.rds.amazonaws.com`) on Lambda | `verify-full` | against Node's roots and the Amazon roots (RDS's among them) Lambda's Node.js runtimes keep in LAMBDA_CA_FILE |
 * | any other host, RDS off Lambda included | `require` | encrypted, never plain text; unverified, as libpq's `require`, since no CA is known (Supabase signs with its own; RDS's roots come with `warmpool/aws`, see rds-ca.ts) |
 *
 * Pure functions without Node imports: options are resolved on every runtime.
 */
import type { SslMode } from '../options.js';

/** True for an address that never leaves this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0:0:0:0:0:0:0:1'
    || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h.startsWith('/');
}

/**
 * The AWS region of an Amazon RDS, Aurora or RDS Proxy endpoint (`name.id.region.rds.amazonaws.com`,
 * `name.proxy-id.region.rds.amazonaws.com`), or undefined for any other host.
 */
export function rdsRegion(host: string): string | undefined {
  return /\.([a-z]{2}(?:-[a-z]+)+-\d)\.rds\.amazonaws\.com\.?$/i.exec(host)?.[1]?.toLowerCase();
}

/**
 * Where Lambda's Node.js runtimes (nodejs20.x and later) keep the Amazon root certificates, RDS's
 * among them, without loading them (NODE_EXTRA_CA_CERTS would, at every cold start).
 */
export const LAMBDA_CA_FILE = '/var/runtime/ca-cert.pem';

/** The sslmode of a host the user gave none for (the table above); `onLambda`: AWS_LAMBDA_FUNCTION_NAME is set. */
export function defaultSslMode(host: string, hyperdrive: boolean, onLambda: boolean): SslMode {
  if (hyperdrive || isLoopback(host)) return 'disable';
  return onLambda && rdsRegion(host) !== undefined ? 'verify-full' : 'require';
}

/** What to set when a server answers SSLRequest with 'N' (it has TLS off). */
export function noTlsHint(host: string): string {
  return `The server at ${host} does not accept TLS connections. Enable TLS on the server; or, if the path to it is private, `
    + `connect in plain text with sslmode=disable in the connection string (or ssl: 'disable').`;
}

/**
 * The hint for a login the server refused for its TLS setting: 28000 "no pg_hba.conf entry …
 * no encryption" (the server requires TLS, as RDS for PostgreSQL 15+ does by default), or
 * "… SSL encryption" (it allows only plain text from this client). Undefined for anything else.
 */
export function pgHbaTlsHint(sqlState: string | undefined, message: string, ssl: SslMode | Record<string, unknown>): string | undefined {
  if (sqlState !== '28000' || !/pg_hba\.conf/.test(message)) return undefined;
  if (/no encryption/i.test(message)) {
    const current = typeof ssl === 'string' ? `sslmode=${ssl}` : 'these TLS options';
    return `The server accepts only TLS connections from this client: connect with sslmode=require (or verify-full with the server's CA) instead of ${current}.`;
  }
  if (/SSL encryption|GSS encryption/i.test(message)) {
    return 'The server accepts only plain-text connections from this client: connect with sslmode=disable, or add a hostssl line for it to pg_hba.conf.';
  }
  return undefined;
}
