import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * The cap on client connections (TCP sockets to the gateway), in total and per remote address.
 *
 * A socket counts from its accept to its close. At a cap, room is made by closing the oldest
 * socket that has no request in progress: first one that never completed a request (half-open,
 * or sending its headers slowly), then an idle keep-alive one. Only when every counted socket has
 * a request in progress (or carries a WebSocket tunnel) is the new one answered 503 and closed.
 * So sockets that send half a request line cannot lock legitimate clients out, while requests
 * already being served are never cut to make room. The per-address cap applies the same rule to
 * the sockets of one address, so a flood from one address only ever evicts its own sockets.
 *
 * A socket that has not started a request within the headers timeout of its accept is closed
 * too: Node's own headers timeout runs only from a request's first byte, so a silent one would stay.
 */

export interface ClientLimits {
  maxClientConnections: number;
  maxClientConnectionsPerAddress: number;
  /** A socket with no request started this long after its accept is closed. */
  firstRequestTimeoutMs: number;
}

export interface ClientStats {
  open: number;
  /** Sockets with a request in progress or a tunnel. */
  busy: number;
  /** Sockets closed to make room for a new one. */
  evicted: number;
  /** New sockets answered 503 because every counted one was busy. */
  refused: number;
}

interface Tracked {
  address: string;
  /** Requests in progress (pipelined ones included); a tunnel counts as one for good. */
  active: number;
  /** At least one request was answered: an idle keep-alive socket rather than a half-open one. */
  served: boolean;
  firstRequest: NodeJS.Timeout | undefined;
}

const TIMEOUT_BODY = '{"message":"the request was not received in time"}';
const REQUEST_TIMEOUT = `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${TIMEOUT_BODY.length}\r\n\r\n${TIMEOUT_BODY}`;

/** Answers 408 (as Node's default handler does) and closes: the request did not arrive in time. */
export function timedOut(socket: Duplex): void {
  if (socket.writable) socket.write(REQUEST_TIMEOUT);
  socket.destroy();
}

/** How long a refused socket may stay open to read the 503 before it is destroyed. */
const REFUSED_LINGER_MS = 1_000;

export class ClientConnections {
  readonly #limits: ClientLimits;
  /** In accept order: the first match is the oldest. */
  readonly #sockets = new Map<Socket, Tracked>();
  readonly #perAddress = new Map<string, number>();
  readonly #refusedSockets = new WeakSet<Socket>();
  #evicted = 0;
  #refused = 0;

  constructor(limits: ClientLimits) {
    this.#limits = limits;
  }

  /** `server.on('connection')`: counts the socket, making room or refusing it at a cap. */
  admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (fromAddress >= this.#limits.maxClientConnectionsPerAddress && !this.#evict((t) => t.address === address)) {
      return this.#refuse(socket, `too many connections from this address (max is ${this.#limits.maxClientConnectionsPerAddress}, all busy); retry shortly`);
    }
    if (this.#sockets.size >= this.#limits.maxClientConnections && !this.#evict(() => true)) {
      return this.#refuse(socket, `too many client connections (max is ${this.#limits.maxClientConnections}, all busy); retry shortly`);
    }
    const firstRequest = setTimeout(() => timedOut(socket), this.#limits.firstRequestTimeoutMs).unref();
    this.#sockets.set(socket, { address, active: 0, served: false, firstRequest });
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    socket.once('close', () => this.#forget(socket));
  }

  /** A socket refused at accept: its requests are not served (it closes after the 503). */
  isRefused(socket: Socket): boolean {
    return this.#refusedSockets.has(socket);
  }

  requestStarted(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (!t) return;
    t.active++;
    clearTimeout(t.firstRequest);
  }

  requestEnded(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (!t) return;
    t.active = Math.max(0, t.active - 1);
    t.served = true;
  }

  /** The socket now carries a WebSocket tunnel (capped by maxWebSockets): never evicted. */
  upgraded(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (!t) return;
    t.active = Number.POSITIVE_INFINITY;
    clearTimeout(t.firstRequest);
  }

  stats(): ClientStats {
    let busy = 0;
    for (const t of this.#sockets.values()) if (t.active > 0) busy++;
    return { open: this.#sockets.size, busy, evicted: this.#evicted, refused: this.#refused };
  }

  /** Closes the oldest matching socket without a request in progress; false if there is none. */
  #evict(matches: (t: Tracked) => boolean): boolean {
    let idle: Socket | undefined;
    for (const [socket, t] of this.#sockets) {
      if (t.active > 0 || !matches(t)) continue;
      if (!t.served) return this.#close(socket);
      idle ??= socket;
    }
    return idle ? this.#close(idle) : false;
  }

  #close(socket: Socket): true {
    this.#forget(socket);
    this.#evicted++;
    socket.destroy();
    return true;
  }

  #forget(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (!t) return;
    clearTimeout(t.firstRequest);
    this.#sockets.delete(socket);
    const n = (this.#perAddress.get(t.address) ?? 1) - 1;
    if (n > 0) this.#perAddress.set(t.address, n);
    else this.#perAddress.delete(t.address);
  }

  #refuse(socket: Socket, message: string): void {
    this.#refused++;
    this.#refusedSockets.add(socket);
    const body = JSON.stringify({ message });
    socket.on('error', () => {});
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: application/json\r\nRetry-After: 1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  }
}
