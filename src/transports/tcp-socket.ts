import net from 'node:net';
import tls from 'node:tls';
import type { ResolvedOptions, SslMode } from '../options.js';

/**
 * Opens the socket the TCP transport hands to postgres.js, TLS included, so that the transport
 * holds the socket that carries plain protocol bytes: it can see a server's FATAL on an idle
 * connection the moment it is read, even under TLS.
 */

/** SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);

export function openSocket(options: ResolvedOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host: options.host, port: options.port });
    raw.setNoDelay(true);
    const timer = setTimeout(() => fail(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })), options.connectTimeoutMs);
    let current: net.Socket = raw;
    current.on('error', fail);

    raw.once('connect', async () => {
      try {
        const socket = options.ssl === 'disable' ? raw : await negotiateTls(raw, options);
        if (socket !== raw) {
          raw.removeListener('error', fail);
          current = socket;
          current.on('error', fail);
        }
        clearTimeout(timer);
        current.removeListener('error', fail);
        resolve(current);
      } catch (err) {
        fail(err as Error);
      }
    });

    function fail(err: Error) {
      clearTimeout(timer);
      current.destroy();
      raw.destroy();
      reject(err);
    }
  });
}

async function negotiateTls(raw: net.Socket, options: ResolvedOptions): Promise<net.Socket> {
  raw.write(SSL_REQUEST);
  const answer = await new Promise<number>((resolve) => raw.once('data', (chunk: Buffer) => resolve(chunk[0])));
  if (answer !== 0x53 /* 'S' */) {
    if (options.ssl === 'prefer') return raw;
    throw Object.assign(new Error('the server does not accept TLS connections (sslmode requires TLS)'), { code: 'TLS_REFUSED' });
  }
  const secure = tls.connect({ socket: raw, ...tlsOptions(options.ssl, options.host) });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

function tlsOptions(ssl: SslMode | Record<string, unknown>, host: string): tls.ConnectionOptions {
  const servername = net.isIP(host) ? undefined : host;
  if (typeof ssl === 'object') return { servername, ...ssl };
  switch (ssl) {
    case 'verify-full':
      return { servername, rejectUnauthorized: true };
    case 'verify-ca':
      // The chain must verify; the host name is not compared.
      return { servername, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    default:
      // 'require' and 'prefer' encrypt without verifying, as libpq does.
      return { servername, rejectUnauthorized: false };
  }
}
