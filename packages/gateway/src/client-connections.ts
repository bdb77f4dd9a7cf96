/**
 * The cap on client connections (TCP sockets to the gateway), in total and per remote address.
 *
 * A socket counts from its accept until it is closed or let go. At a cap, room is made by letting
 * go of the oldest socket that holds no request the gateway has fully received: first one that
 * has not started a request (half-open, or its request is still on the way), or whose request
 * body has been arriving for longer than SLOW_BODY_MS; then an idle keep-alive one. Only when
 * every counted socket has a received request in progress (or carries a WebSocket tunnel) is the
 * new one refused. So neither half-open sockets nor requests that trickle their body can lock
 * legitimate clients out, while requests already received are never cut to make room. The
 * per-address cap applies the same rule to the sockets of one address, so a flood from one
 * address only ever evicts its own sockets.
 *
 * A socket let go or refused is never simply reset: its request (already sent, or arriving within
 * LINGER_MS) is answered 429 (its address is at its cap) or 503 (the gateway is), with
 * `Retry-After` and `Connection: close`, so a client knows the request was not run. A burst from
 * one address (a fleet behind one NAT) thus sees 429s, never resets. A request whose body is
 * trickling is answered the same way at once, then cut.
 *
 * A socket that has not started a request within the headers timeout of its accept is closed
 * too: Node's own headers timeout runs only from a request's first byte, so a silent one would stay.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

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
  /** Sockets let go to make room for a new one. */
  evicted: number;
  /** New sockets refused because every counted one was busy. */
  refused: number;
}

/** Why a socket is not served: the status and message its request gets. */
export interface Refusal {
  status: 429 | 503;
  message: string;
}

interface Tracked {
  address: string;
  /** Requests in progress (pipelined ones included); a tunnel counts as one for good. */
  active: number;
  /** When the request in progress started, while its body is still arriving. */
  receivingSince: number | undefined;
  /** At least one request was answered: an idle keep-alive socket rather than a half-open one. */
  served: boolean;
  firstRequest: NodeJS.Timeout | undefined;
}

/** A request body still arriving this long after its headers may be evicted at a cap. */
export const SLOW_BODY_MS = 2_000;

/** How long a socket let go or refused may stay open for its request to arrive and be answered. */
const LINGER_MS = 1_000;

const TIMEOUT_BODY = '{"message":"the request was not received in time"}';
const REQUEST_TIMEOUT = `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${TIMEOUT_BODY.length}\r\n\r\n${TIMEOUT_BODY}`;

/** Answers 408 (as Node's default handler does) and closes: the request did not arrive in time. */
export function timedOut(socket: Duplex): void {
  if (socket.writable) socket.write(REQUEST_TIMEOUT);
  socket.destroy();
}

/** The raw answer to a refused socket outside an HTTP response (an upgrade, a trickling body). */
export function refusalResponse(refusal: Refusal): string {
  const body = JSON.stringify({ message: refusal.message });
  const reason = refusal.status === 429 ? 'Too Many Requests' : 'Service Unavailable';
  return `HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nRetry-After: 1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export class ClientConnections {
  readonly #limits: ClientLimits;
  /** In accept order: the first match is the oldest. */
  readonly #sockets = new Map<Socket, Tracked>();
  readonly #perAddress = new Map<string, number>();
  readonly #refusals = new WeakMap<Socket, Refusal>();
  #evicted = 0;
  #refused = 0;

  constructor(limits: ClientLimits) {
    this.#limits = limits;
  }

  /** `server.on('connection')`: counts the socket, making room or refusing it at a cap. */
  admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const perAddress: Refusal = {
      status: 429,
      message: `too many connections from this address (max is ${this.#limits.maxClientConnectionsPerAddress}, all busy); retry shortly`,
    };
    if ((this.#perAddress.get(address) ?? 0) >= this.#limits.maxClientConnectionsPerAddress && !this.#evict((t) => t.address === address, perAddress)) {
      return this.#refuse(socket, perAddress);
    }
    const total: Refusal = { status: 503, message: `too many client connections (max is ${this.#limits.maxClientConnections}, all busy); retry shortly` };
    if (this.#sockets.size >= this.#limits.maxClientConnections && !this.#evict(() => true, total)) {
      return this.#refuse(socket, total);
    }
    const firstRequest = setTimeout(() => timedOut(socket), this.#limits.firstRequestTimeoutMs).unref();
    this.#sockets.set(socket, { address, active: 0, receivingSince: undefined, served: false, firstRequest });
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    socket.once('close', () => this.#forget(socket));
  }

  /** Set for a socket refused or let go: its requests get this answer, then it closes. */
  refusal(socket: Socket): Refusal | undefined {
    return this.#refusals.get(socket);
  }

  /** A request's headers arrived; its body may still be on the way. */
  requestStarted(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (!t) return;
    t.active++;
    t.receivingSince = Date.now();
    clearTimeout(t.firstRequest);
  }

  /** The whole request is in: from now on it is never evicted. */
  bodyReceived(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (t) t.receivingSince = undefined;
  }

  requestEnded(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (!t) return;
    t.active = Math.max(0, t.active - 1);
    t.receivingSince = undefined;
    t.served = true;
  }

  /** The socket now carries a WebSocket tunnel (capped by maxWebSockets): never evicted. */
  upgraded(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (!t) return;
    t.active = Number.POSITIVE_INFINITY;
    t.receivingSince = undefined;
    clearTimeout(t.firstRequest);
  }

  stats(): ClientStats {
    let busy = 0;
    for (const t of this.#sockets.values()) if (t.active > 0) busy++;
    return { open: this.#sockets.size, busy, evicted: this.#evicted, refused: this.#refused };
  }

  /** Lets go of the oldest matching socket that holds no received request; false if there is none. */
  #evict(matches: (t: Tracked) => boolean, refusal: Refusal): boolean {
    const slowSince = Date.now() - SLOW_BODY_MS;
    let idle: Socket | undefined;
    for (const [socket, t] of this.#sockets) {
      if (!matches(t)) continue;
      if (t.active === 0 && !t.served) return this.#letGo(socket, refusal);
      if (t.active === 1 && t.receivingSince !== undefined && t.receivingSince < slowSince) return this.#letGo(socket, refusal, true);
      if (t.active === 0) idle ??= socket;
    }
    return idle ? this.#letGo(idle, refusal) : false;
  }

  /** Stops counting `socket`; a trickling request is answered now, any other on arrival. */
  #letGo(socket: Socket, refusal: Refusal, trickling = false): true {
    this.#forget(socket);
    this.#evicted++;
    if (trickling) {
      socket.on('error', () => {});
      if (socket.writable) socket.write(refusalResponse(refusal));
      socket.destroySoon();
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    } else {
      this.#linger(socket, refusal);
    }
    return true;
  }

  #refuse(socket: Socket, refusal: Refusal): void {
    this.#refused++;
    this.#linger(socket, refusal);
  }

  /** The socket's request, if it comes within LINGER_MS, gets `refusal`; then it closes. */
  #linger(socket: Socket, refusal: Refusal): void {
    this.#refusals.set(socket, refusal);
    socket.on('error', () => {});
    // A request that came is answered at once, and Node closes the socket after the answer.
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
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
}
