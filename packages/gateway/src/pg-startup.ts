/**
 * The first packets of a Postgres session, which the WebSocket proxy reads before it dials: an
 * SSLRequest or GSSENCRequest (answered 'N' here: the WebSocket is the transport, and TLS to the
 * upstream is the gateway's business), a CancelRequest, or the StartupMessage naming user and
 * database. Everything after the StartupMessage is piped without being looked at.
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** PostgreSQL's own limit (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP_LENGTH = 10_000;

export type StartupPacket =
  | { kind: 'encryption-request' }
  | { kind: 'cancel'; bytes: Buffer }
  | { kind: 'startup'; protocol: number; params: Record<string, string> };

export class StartupProtocolError extends Error {}

/** The first complete packet of `buf` and what follows it; undefined while incomplete. */
export function readStartupPacket(buf: Buffer): { packet: StartupPacket; rest: Buffer } | undefined {
  if (buf.length < 8) return undefined;
  const length = buf.readInt32BE(0);
  if (length < 8 || length > MAX_STARTUP_LENGTH) throw new StartupProtocolError('invalid startup packet length');
  if (buf.length < length) return undefined;
  const bytes = buf.subarray(0, length);
  const rest = buf.subarray(length);
  const code = buf.readInt32BE(4);
  if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
    if (length !== 8) throw new StartupProtocolError('invalid encryption request');
    return { packet: { kind: 'encryption-request' }, rest };
  }
  if (code === CANCEL_REQUEST) {
    if (length !== 16) throw new StartupProtocolError('invalid cancel request');
    return { packet: { kind: 'cancel', bytes: Buffer.from(bytes) }, rest };
  }
  if (code >>> 16 !== 3) throw new StartupProtocolError('unsupported frontend protocol');
  const fields = bytes.toString('utf8', 8, length).split('\0');
  // key, value, key, value, …, '' (terminator), '' (after the last NUL)
  if (fields.length < 2 || fields[fields.length - 1] !== '' || fields[fields.length - 2] !== '' || fields.length % 2 !== 0) {
    throw new StartupProtocolError('malformed startup message');
  }
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length - 2; i += 2) params[fields[i]] = fields[i + 1];
  return { packet: { kind: 'startup', protocol: code, params }, rest };
}

/** A StartupMessage with these parameters. */
export function startupMessage(protocol: number, params: Record<string, string>): Buffer {
  const body = Buffer.from(`${Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('')}\0`, 'utf8');
  const header = Buffer.alloc(8);
  header.writeInt32BE(body.length + 8, 0);
  header.writeInt32BE(protocol, 4);
  return Buffer.concat([header, body]);
}

/** A FATAL ErrorResponse, which a Postgres client shows as the server's error. */
export function fatalError(code: string, message: string): Buffer {
  const body = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0, 'ascii');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
