import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import type net from 'node:net';

/**
 * The gateway's side of Postgres authentication for a WebSocket tunnel. Like Neon's proxy, the
 * gateway asks the client for its password in clear (inside the WebSocket, so put TLS in front)
 * and then authenticates to the upstream itself: SCRAM-SHA-256, MD5 or cleartext, whichever the
 * server asks for. So the driver's default `pipelineConnect: 'password'` works, and the
 * client does not run SCRAM's 4096 PBKDF2 rounds in JavaScript (hundreds of ms per connection).
 */

/** Postgres messages from the upstream: type byte, int32 length, body. */
export function readMessage(buf: Buffer, maxLength = 1024 * 1024): { type: string; body: Buffer; rest: Buffer } | undefined {
  if (buf.length < 5) return undefined;
  const length = buf.readInt32BE(1);
  if (length < 4 || length > maxLength) throw new Error('invalid message length');
  if (buf.length < length + 1) return undefined;
  return { type: String.fromCharCode(buf[0]), body: buf.subarray(5, length + 1), rest: buf.subarray(length + 1) };
}

export function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'ascii');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** AuthenticationCleartextPassword and AuthenticationOk, as sent to the client. */
export const ASK_PASSWORD = message('R', Buffer.from([0, 0, 0, 3]));
export const AUTH_OK = message('R', Buffer.from([0, 0, 0, 0]));

/** An ErrorResponse body → its fields by code letter (C = SQLSTATE, M = message…). */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    fields[String.fromCharCode(body[at])] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return fields;
}

export class UpstreamAuthError extends Error {
  /** The server's ErrorResponse message (forwarded when it is not about credentials), if any. */
  readonly errorMessage: Buffer | undefined;
  readonly sqlState: string | undefined;
  constructor(reason: string, errorMessage?: Buffer, sqlState?: string) {
    super(reason);
    this.name = 'UpstreamAuthError';
    this.errorMessage = errorMessage;
    this.sqlState = sqlState;
  }
}

/**
 * Sends the startup message on `socket` and answers the server's authentication requests.
 * Resolves, once AuthenticationOk arrived, to the bytes the server sent after it (ParameterStatus,
 * BackendKeyData, ReadyForQuery…), which belong to the client.
 */
export function authenticateUpstream(socket: net.Socket, startup: Buffer, user: string, password: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0) as Buffer;
    let scram: Scram | undefined;
    let busy = false;
    let done = false;
    const finish = (err: Error | undefined, rest?: Buffer) => {
      if (done) return;
      done = true;
      // Held until the caller listens: bytes after AuthenticationOk must not be dropped.
      socket.pause();
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      if (err) reject(err);
      else resolve(rest!);
    };
    const timer = setTimeout(() => finish(new UpstreamAuthError('authentication timed out')), timeoutMs);
    const onClose = () => finish(new UpstreamAuthError('the upstream closed the connection during authentication'));

    const step = async (): Promise<void> => {
      let read;
      while (!done && (read = readMessage(pending))) {
        pending = read.rest;
        const { type, body } = read;
        if (type === 'E') {
          const fields = errorFields(body);
          return finish(new UpstreamAuthError(fields.M ?? 'authentication failed', message('E', body), fields.C));
        }
        if (type !== 'R') continue; // NoticeResponse, NegotiateProtocolVersion: nothing to answer
        const code = body.readInt32BE(0);
        if (code === 0) return finish(undefined, pending);
        if (code === 3) socket.write(message('p', Buffer.from(`${password}\0`)));
        else if (code === 5) socket.write(message('p', Buffer.from(`${md5Password(user, password, body.subarray(4, 8))}\0`)));
        else if (code === 10) {
          const mechanisms = body.toString('utf8', 4).split('\0');
          if (!mechanisms.includes('SCRAM-SHA-256')) return finish(new UpstreamAuthError('the upstream requires an unsupported SASL mechanism'));
          scram = new Scram(password);
          socket.write(scram.initialResponse());
        } else if (code === 11 && scram) socket.write(await scram.finalResponse(body.toString('utf8', 4)));
        else if (code === 12 && scram) {
          if (!scram.verifyServer(body.toString('utf8', 4))) return finish(new UpstreamAuthError('the upstream server signature did not verify'));
        } else return finish(new UpstreamAuthError(`unsupported authentication request ${code}`));
      }
    };
    const onData = (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (busy || done) return;
      busy = true;
      step()
        .catch((err: Error) => finish(err))
        .finally(() => {
          busy = false;
          if (pending.length >= 5 && readMessage(pending)) onData(Buffer.alloc(0));
        });
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
    socket.write(startup);
  });
}

function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user).digest('hex');
  return `md5${createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex')}`;
}

/** SCRAM-SHA-256 (RFC 5802/7677) without channel binding. */
class Scram {
  readonly #password: string;
  readonly #nonce = randomBytes(18).toString('base64');
  #serverSignature: Buffer | undefined;

  constructor(password: string) {
    this.#password = password;
  }

  initialResponse(): Buffer {
    const first = Buffer.from(`n,,n=*,r=${this.#nonce}`);
    const length = Buffer.alloc(4);
    length.writeInt32BE(first.length);
    return message('p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), length, first]));
  }

  async finalResponse(serverFirst: string): Promise<Buffer> {
    const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
    const iterations = Number(attrs.i);
    if (!attrs.r?.startsWith(this.#nonce) || !attrs.s || !Number.isInteger(iterations) || iterations < 1 || iterations > 1_000_000) {
      throw new UpstreamAuthError('invalid SCRAM server-first-message');
    }
    const salted = await new Promise<Buffer>((resolve, reject) =>
      pbkdf2(this.#password, Buffer.from(attrs.s, 'base64'), iterations, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))),
    );
    const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${attrs.r}`;
    const authMessage = `n=*,r=${this.#nonce},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
    this.#serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return message('p', Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
  }

  verifyServer(serverFinal: string): boolean {
    const v = /(?:^|,)v=([^,]*)/.exec(serverFinal)?.[1];
    if (!v || !this.#serverSignature) return false;
    const got = Buffer.from(v, 'base64');
    return got.length === this.#serverSignature.length && timingSafeEqual(got, this.#serverSignature);
  }
}
