/**
 * Opens the socket the TCP transport hands to postgres.js, TLS included, so that the transport
 * holds the socket that carries plain protocol bytes: it can see a server's FATAL on an idle
 * connection the moment it is read, even under TLS. Which sslmode a host gets, and the hints of a
 * refusal, are src/tls/defaults.ts; on Lambda an Amazon RDS host's verifying modes trust the
 * runtime's Amazon roots (LAMBDA_CA_FILE, read only for such a host) besides Node's.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ResolvedOptions, SslMode } from '../options.js';
import { readFile } from 'node:fs/promises';
import { LAMBDA_CA_FILE, noTlsHint, rdsRegion } from '../tls/defaults.js';

/** SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);

/** Servers (host:port) that did not take a direct TLS start: asked with SSLRequest from then on. */
const noDirectTls = new Set<string>();

export async function openSocket(options: ResolvedOptions): Promise<net.Socket> {
  const where = `${options.host}:${options.port}`;
  if (options.sslNegotiation !== 'direct' || options.ssl === 'disable' || noDirectTls.has(where)) return openWith(options, negotiateTls);
  const startedAt = Date.now();
  try {
    return await openWith(options, directTls);
  } catch (err) {
    if (!refusedDirect(err)) throw err;
    // An older server (or a pooler) read the TLS hello as a startup packet and hung up.
    noDirectTls.add(where);
    return openWith({ ...options, connectTimeoutMs: Math.max(1, options.connectTimeoutMs - (Date.now() - startedAt)) }, negotiateTls);
  }
}

/** Connects, then `secure` turns the plain socket into the one the driver gets, within connectTimeoutMs. */
function openWith(options: ResolvedOptions, secure: (raw: net.Socket, options: ResolvedOptions) => Promise<net.Socket>): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host: options.host, port: options.port });
    raw.setNoDelay(true);
    const timer = setTimeout(() => fail(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })), options.connectTimeoutMs);
    let current: net.Socket = raw;
    current.on('error', fail);

    raw.once('connect', async () => {
      try {
        const socket = options.ssl === 'disable' ? raw : await secure(raw, options);
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

/** TLS from the first byte, ALPN `postgresql` (PostgreSQL 17's direct SSL), no SSLRequest. */
async function directTls(raw: net.Socket, options: ResolvedOptions): Promise<net.Socket> {
  const secure = tls.connect({ socket: raw, ALPNProtocols: ['postgresql'], ...(await tlsOptions(options.ssl, options.host)) });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

/**
 * A server that does not speak direct TLS closes the connection during the handshake (it reads
 * the hello as a startup packet of an impossible length), or answers in plain text. A certificate
 * the client refuses is not that: it fails the same way either way.
 */
function refusedDirect(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || e.code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return true;
  return typeof e.message === 'string' && e.message.includes('socket disconnected before secure TLS connection was established');
}

async function negotiateTls(raw: net.Socket, options: ResolvedOptions): Promise<net.Socket> {
  raw.write(SSL_REQUEST);
  const answer = await new Promise<number>((resolve) => raw.once('data', (chunk: Buffer) => resolve(chunk[0])));
  if (answer !== 0x53 /* 'S' */) {
    if (options.ssl === 'prefer') return raw;
    throw Object.assign(new Error(noTlsHint(options.host)), { code: 'TLS_REFUSED' });
  }
  const secure = tls.connect({ socket: raw, ...(await tlsOptions(options.ssl, options.host)) });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

/** Node's roots and, where Lambda's runtime keeps them, Amazon's: read once per process. */
let rdsTrust: Promise<string[] | undefined> | undefined;

function amazonTrust(): Promise<string[] | undefined> {
  return (rdsTrust ??= readFile(LAMBDA_CA_FILE, 'utf8').then((pem) => [...tls.rootCertificates, pem], () => undefined));
}

export async function tlsOptions(ssl: SslMode | Record<string, unknown>, host: string): Promise<tls.ConnectionOptions> {
  const servername = net.isIP(host) ? undefined : host;
  if (typeof ssl === 'object') return { servername, ...ssl };
  const verifying = ssl === 'verify-full' || ssl === 'verify-ca';
  const ca = verifying && rdsRegion(host) !== undefined ? await amazonTrust() : undefined;
  switch (ssl) {
    case 'verify-full':
      return { servername, rejectUnauthorized: true, ca };
    case 'verify-ca':
      // The chain must verify; the host name is not compared.
      return { servername, rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
    default:
      // 'require' and 'prefer' encrypt without verifying, as libpq does.
      return { servername, rejectUnauthorized: false };
  }
}
