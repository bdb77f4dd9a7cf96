import { GatewayHttpError } from './http-error.js';
import { normalizeHost, type UpstreamTarget } from './options.js';

/**
 * The `Neon-Connection-String` header names the server, database and credentials. The gateway
 * takes only the user and password from it: host, port and database must be the configured
 * upstream's, or the request is refused before anything is dialled. That keeps the gateway from
 * being an open proxy into the network it runs in.
 */

/** URL parameters that would, in libpq, send the connection elsewhere or change who connects. */
const ROUTING_PARAMETERS = new Set(['host', 'hostaddr', 'port', 'dbname', 'database', 'user', 'password', 'passfile', 'service', 'servicefile', 'replication']);

export interface RequestedLogin {
  user: string;
  password: string;
}

export function loginFromConnectionString(header: string | string[] | undefined, upstream: UpstreamTarget): RequestedLogin {
  if (typeof header !== 'string' || header === '') {
    throw new GatewayHttpError(400, 'missing Neon-Connection-String header');
  }
  // Parsed as the Neon driver does: the scheme swapped for http: so URL handles it as a host URL.
  const scheme = /^(postgres|postgresql):\/\//i.exec(header);
  let url: URL;
  try {
    if (!scheme) throw new Error('scheme');
    url = new URL(`http://${header.slice(scheme[0].length)}`);
  } catch {
    throw new GatewayHttpError(400, 'Neon-Connection-String is not a valid postgres:// URL with a single host');
  }
  const user = safeDecode(url.username);
  if (!user) throw new GatewayHttpError(400, 'Neon-Connection-String has no user');

  // No port means the upstream's: the Neon driver's Pool.query over fetch leaves it out.
  const port = url.port ? Number(url.port) : upstream.port;
  const database = safeDecode(url.pathname.slice(1));
  const sameServer = normalizeHost(url.hostname) === upstream.host && port === upstream.port && database === upstream.database;
  const rerouting = [...url.searchParams.keys()].some((k) => ROUTING_PARAMETERS.has(k.toLowerCase()));
  if (!sameServer || rerouting) {
    // The message does not name the upstream, but the status does tell a caller whether its
    // guess of host, port and database was right (403 here, an answer from the server there), and
    // so does the time (no dial here): the upstream's address is not a secret this hides. Users
    // are not told apart: every 28xxx is one 28P01 (sql-handler.ts), and the server runs its
    // authentication exchange for unknown roles too.
    throw new GatewayHttpError(403, 'this gateway connects only to its configured upstream: the connection string names another host, port or database');
  }
  return { user, password: safeDecode(url.password) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new GatewayHttpError(400, 'Neon-Connection-String has an invalid percent-encoding');
  }
}
