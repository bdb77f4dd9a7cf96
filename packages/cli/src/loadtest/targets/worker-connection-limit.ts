/**
 * Bundled into the Worker the load test runs (not into the sample itself): Cloudflare's limit of 6
 * simultaneous outgoing connections per request, which workerd and miniflare do not enforce.
 *
 * As Cloudflare counts them, a connection holds a slot while it waits for its response headers
 * (fetch), or until it is open (connect(), an outgoing WebSocket). A 7th waits until a slot frees:
 * no error, only latency. Each response carries the request's counts in `x-loadtest-connections`:
 * the most connections it wanted at once and how many of them waited.
 *
 * Limits: a WebSocket over the limit opens at once (counted and reported, not delayed); connections
 * opened after the response (in ctx.waitUntil) are limited but not in the header; startTls() on a
 * socket that had to wait is refused.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const CONNECTION_LIMIT = 6;
export const CONNECTIONS_HEADER = 'x-loadtest-connections';

interface RequestConnections {
  holding: number;
  waiting: (() => void)[];
  peakWanted: number;
  queued: number;
}

/** The parts of workerd's Socket used here. */
interface Socket {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  opened?: Promise<unknown>;
  closed: Promise<void>;
  close(): Promise<void>;
  startTls(options?: unknown): Socket;
}
type Connect = (address: unknown, options?: unknown) => Socket;
interface Handler {
  fetch(request: Request, env: unknown, ctx: unknown): Promise<Response>;
}

const requests = new AsyncLocalStorage<RequestConnections>();

/** A slot, now or when one frees; returns its release (idempotent). */
function acquire(state: RequestConnections, wait = true): Promise<() => void> | (() => void) {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    state.holding--;
    const next = state.waiting.shift();
    if (next) next();
  };
  const wanted = state.holding + state.waiting.length + 1;
  state.peakWanted = Math.max(state.peakWanted, wanted);
  if (state.holding < CONNECTION_LIMIT || !wait) {
    state.holding++;
    return release;
  }
  state.queued++;
  return new Promise((resolve) =>
    state.waiting.push(() => {
      state.holding++;
      resolve(release);
    }),
  );
}

function limitFetch(): void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const state = requests.getStore();
    if (!state) return realFetch(input, init);
    const release = await acquire(state);
    try {
      return await realFetch(input, init);
    } finally {
      release();
    }
  };
}

function limitWebSocket(): void {
  const g = globalThis as unknown as { WebSocket?: new (...args: unknown[]) => { addEventListener(type: string, listener: () => void): void } };
  const Real = g.WebSocket;
  if (!Real) return;
  g.WebSocket = class extends Real {
    constructor(...args: unknown[]) {
      super(...args);
      const state = requests.getStore();
      if (!state) return;
      const release = acquire(state, false) as () => void;
      for (const type of ['open', 'error', 'close']) this.addEventListener(type, release);
    }
  };
}

/** A socket whose streams join the real one's once a slot frees. */
function waitingSocket(slot: Promise<() => void>, open: () => Socket): Socket {
  const incoming = new TransformStream<Uint8Array, Uint8Array>();
  const outgoing = new TransformStream<Uint8Array, Uint8Array>();
  let real: Socket | undefined;
  let closing = false;
  const started = slot.then((release) => {
    if (closing) {
      release();
      throw new Error('socket closed while it waited for a connection slot');
    }
    real = open();
    (real.opened ?? real.closed).then(release, release);
    real.readable.pipeTo(incoming.writable).catch(() => {});
    outgoing.readable.pipeTo(real.writable).catch(() => {});
    return real;
  });
  return {
    readable: incoming.readable,
    writable: outgoing.writable,
    opened: started.then((s) => s.opened),
    closed: started.then((s) => s.closed),
    async close() {
      closing = true;
      if (real) await real.close();
    },
    startTls() {
      throw new Error('startTls() on a socket that waited for a connection slot is not supported by the load test');
    },
  };
}

/** `cloudflare:sockets`' connect(), limited per request. */
export function limitedConnect(realConnect: Connect): Connect {
  return (address, options) => {
    const state = requests.getStore();
    if (!state) return realConnect(address, options);
    const slot = acquire(state);
    if (typeof slot !== 'function') return waitingSocket(slot, () => realConnect(address, options));
    const socket = realConnect(address, options);
    (socket.opened ?? socket.closed).then(slot, slot);
    return socket;
  };
}

/** Patches fetch and WebSocket, and wraps the Worker's fetch handler so each request counts its own. */
export function limitConnections<W extends Handler>(worker: W): W {
  limitFetch();
  limitWebSocket();
  return {
    ...worker,
    fetch(request: Request, env: unknown, ctx: unknown) {
      const state: RequestConnections = { holding: 0, waiting: [], peakWanted: 0, queued: 0 };
      return requests.run(state, async () => {
        const response = await worker.fetch(request, env, ctx);
        const headers = new Headers(response.headers);
        headers.set(CONNECTIONS_HEADER, JSON.stringify({ peakWanted: state.peakWanted, queued: state.queued }));
        return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
      });
    },
  };
}
