import net from 'node:net';

/**
 * A TCP front for PostgreSQL that answers logins the way a database that is resuming or starting
 * up does: it reads the startup message and replies with a FATAL ErrorResponse (57P03 "the
 * database system is starting up", or a platform's wake-up message), then closes. Once the
 * refusals run out, connections are piped to the real server.
 */
export class ResumingFront {
  /** Logins answered with the error so far. */
  refused = 0;
  #remaining = 0;
  #code = '57P03';
  #message = 'the database system is starting up';
  #server: net.Server;
  #sockets = new Set<net.Socket>();
  #upstreamPort: number;

  private constructor(upstreamPort: number) {
    this.#upstreamPort = upstreamPort;
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  static async start(upstreamPort: number): Promise<ResumingFront> {
    const front = new ResumingFront(upstreamPort);
    await new Promise<void>((resolve) => front.#server.listen(0, '127.0.0.1', resolve));
    return front;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Answers the next `times` logins with this error (Infinity: until changed). */
  refuse(times: number, code = '57P03', message = 'the database system is starting up'): void {
    this.#remaining = times;
    this.#code = code;
    this.#message = message;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => {});
    if (this.#remaining <= 0) return this.#pipe(client);
    this.#remaining--;
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 8 && buffered.length >= buffered.readInt32BE(0)) {
        const length = buffered.readInt32BE(0);
        const code = buffered.readInt32BE(4);
        buffered = buffered.subarray(length);
        // SSLRequest / GSSENCRequest: no encryption here, the client goes on in plain text.
        if (code === 80877103 || code === 80877104) {
          client.write('N');
          continue;
        }
        client.off('data', onData);
        this.refused++;
        client.end(errorResponse(this.#code, this.#message));
        return;
      }
    };
    client.on('data', onData);
  }

  #pipe(client: net.Socket): void {
    const upstream = net.connect({ host: '127.0.0.1', port: this.#upstreamPort });
    this.#sockets.add(upstream);
    upstream.on('close', () => this.#sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** A FATAL ErrorResponse message: severity, code, message fields. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

function field(type: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(type), Buffer.from(value), Buffer.from([0])]);
}
