import type net from 'node:net';
import type { RawData, WebSocket } from 'ws';
import type { GatewayConfig } from './options.js';
import { ASK_PASSWORD, AUTH_OK, authenticateUpstream, readMessage, UpstreamAuthError } from './pg-auth.js';
import { fatalError, readStartupPacket, StartupProtocolError, startupMessage } from './pg-startup.js';
import { TunnelIdle } from './tunnel-idle.js';
import { dialUpstream } from './upstream-socket.js';

/**
 * One WebSocket tunnel, from the client's first byte to the close of either side:
 *
 * 1. startup: answer SSLRequest/GSSENCRequest with 'N', forward a CancelRequest, or read the
 *    StartupMessage (its database must be the upstream's; no replication; the gateway's
 *    statement timeout becomes the session default unless the client sets one);
 * 2. password: ask the client for its password (AuthenticationCleartextPassword) and read it;
 * 3. connecting: dial the configured upstream and authenticate as the client's user; a wrong user
 *    and a wrong password get the same FATAL 28P01;
 * 4. piping: AuthenticationOk and what followed it go to the client, then bytes flow both ways
 *    with backpressure. Client bytes sent early (pipelined connect) are held until then.
 *
 * A drain ends the tunnel at its first idle point (no query answer pending, no transaction open;
 * at once if it is not piping yet): the client gets a FATAL 57P01 and a WebSocket close 1001
 * ("going away"), and the upstream a Terminate, so the server ends the session cleanly. Client
 * bytes arriving after that are dropped, never sent: they did not run. `cut` (at the drain's
 * deadline) ends it the same way at once, dropping the upstream socket if a query is running.
 */

/** A WebSocket close code: the endpoint is going away (server shutdown). */
export const GOING_AWAY = 1001;

const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]); // 'X'

export interface Tunnel {
  /** Ends the tunnel now if idle, else at its next idle point. */
  drain(): void;
  /** Ends the tunnel now. */
  cut(): void;
}

/** Pause the upstream socket while the WebSocket has this much unsent. */
const HIGH_WATER = 1024 * 1024;
/** What a client may send before the tunnel is up (pipelined first queries included). */
const MAX_EARLY_BYTES = 1024 * 1024;

export function runTunnel(ws: WebSocket, config: GatewayConfig): Tunnel {
  let phase: 'startup' | 'password' | 'connecting' | 'piping' | 'closed' = 'startup';
  let pending: Buffer = Buffer.alloc(0);
  let upstream: net.Socket | undefined;
  let startup: Buffer | undefined;
  let user = '';
  const session = new TunnelIdle();
  let draining = false;

  let finished = false;
  const close = (code?: number, reason?: string) => {
    if (finished) return;
    finished = true;
    phase = 'closed';
    clearTimeout(timer);
    upstream?.destroy();
    upstream = undefined;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
      ws.close(code, reason);
      // A client that never answers the close frame does not hold the socket for ws's 30 s.
      setTimeout(() => ws.terminate(), 1_000).unref();
    }
  };
  /** Shutdown: the client is told why, the upstream session ends with a Terminate when idle. */
  const goAway = (politely: boolean) => {
    if (finished) return;
    const socket = upstream;
    upstream = undefined;
    if (socket) {
      for (const event of ['data', 'end', 'close', 'error']) socket.removeAllListeners(event);
      socket.on('error', () => {});
      if (politely) {
        socket.end(TERMINATE);
        // A server that does not close after Terminate does not hold the drain.
        setTimeout(() => socket.destroy(), 1_000).unref();
      } else {
        // A statement is running: the server sees the connection drop and rolls back.
        socket.destroy();
      }
    }
    const bye = () => close(GOING_AWAY, 'the gateway is shutting down');
    if (ws.readyState === ws.OPEN) ws.send(fatalError('57P01', 'terminating connection: the gateway is shutting down'), bye);
    else bye();
    phase = 'closed';
  };
  const drainIfIdle = () => {
    if (draining && phase === 'piping' && session.idle) goAway(true);
  };
  /** Answers as a Postgres server would (the driver shows the error), then closes. */
  const refuse = (code: string, text: string) => {
    phase = 'closed';
    clearTimeout(timer);
    ws.send(fatalError(code, text), () => close());
  };
  const timer = setTimeout(() => refuse('08P01', 'the connection was not set up in time'), config.connectTimeoutMs * 2);

  ws.on('close', () => close());
  ws.on('error', () => close());
  ws.on('message', (data: RawData) => {
    const chunk = toBuffer(data);
    if (phase === 'piping') {
      session.clientBytes(chunk);
      if (!upstream!.write(chunk)) ws.pause();
      return;
    }
    if (phase === 'closed') return;
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    if (pending.length > MAX_EARLY_BYTES) return refuse('08P01', 'too much data before the connection was set up');
    try {
      if (phase === 'startup') readStartup();
      if (phase === 'password') readPassword();
    } catch (err) {
      refuse('08P01', err instanceof StartupProtocolError ? err.message : 'invalid startup packet');
    }
  });

  function readStartup(): void {
    let read;
    while (phase === 'startup' && (read = readStartupPacket(pending))) {
      pending = read.rest;
      const { packet } = read;
      if (packet.kind === 'encryption-request') {
        ws.send(Buffer.from('N'));
      } else if (packet.kind === 'cancel') {
        phase = 'connecting';
        dialUpstream(config.upstream, config.connectTimeoutMs).then(
          (socket) => {
            socket.on('error', () => close());
            socket.end(packet.bytes, () => close());
          },
          () => close(),
        );
      } else {
        const { params } = packet;
        user = params.user ?? '';
        if (!user) return refuse('28000', 'no user in the startup message');
        if (params.replication !== undefined && !['false', 'off', 'no', '0'].includes(params.replication)) {
          return refuse('42501', 'replication connections are not allowed through the gateway');
        }
        if ((params.database || user) !== config.upstream.database) {
          return refuse('3D000', 'this gateway connects only to its configured database');
        }
        // The gateway's statement timeout is the session default here too; the client may still SET its own.
        startup = startupMessage(packet.protocol, { statement_timeout: String(config.statementTimeoutMs), ...params });
        phase = 'password';
        ws.send(ASK_PASSWORD);
      }
    }
  }

  function readPassword(): void {
    const read = readMessage(pending, 64 * 1024);
    if (!read) return;
    if (read.type !== 'p') return refuse('08P01', 'expected a password message');
    pending = read.rest;
    const password = read.body.toString('utf8').replace(/\0$/, '');
    phase = 'connecting';
    void connect(password);
  }

  async function connect(password: string): Promise<void> {
    let socket: net.Socket;
    try {
      socket = await dialUpstream(config.upstream, config.connectTimeoutMs);
    } catch {
      config.logEvent({ level: 'warn', event: 'upstream.connect_failed', route: '/v2', message: 'a WebSocket tunnel could not reach the upstream' });
      if (phase === 'connecting') refuse('08001', 'could not connect to the upstream database');
      return;
    }
    if (phase !== 'connecting') return void socket.destroy();
    upstream = socket;
    socket.on('error', () => close());
    socket.on('close', () => close());
    let afterAuth: Buffer;
    try {
      afterAuth = await authenticateUpstream(socket, startup!, user, password, config.connectTimeoutMs);
    } catch (err) {
      if (phase !== 'connecting') return;
      upstream = undefined;
      socket.destroy();
      const e = err instanceof UpstreamAuthError ? err : undefined;
      // Wrong password, unknown user, no pg_hba entry: one answer, so callers cannot tell users apart.
      if (e?.sqlState?.startsWith('28')) return refuse('28P01', 'password authentication failed');
      if (e?.errorMessage) {
        phase = 'closed';
        ws.send(e.errorMessage, () => close());
        return;
      }
      return refuse('08001', 'could not connect to the upstream database');
    }
    if (phase !== 'connecting') return;
    phase = 'piping';
    clearTimeout(timer);
    ws.send(Buffer.concat([AUTH_OK, afterAuth]));
    // What followed AuthenticationOk (ParameterStatus… ReadyForQuery) may end mid-message.
    session.serverBytes(afterAuth);
    if (pending.length) {
      session.clientBytes(pending);
      socket.write(pending);
    }
    pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      session.serverBytes(chunk);
      ws.send(chunk, (err) => {
        if (err) close();
        else if (socket.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) socket.resume();
      });
      if (ws.bufferedAmount > HIGH_WATER) socket.pause();
      drainIfIdle();
    });
    socket.on('drain', () => ws.resume());
    socket.on('end', () => close());
    socket.resume();
    drainIfIdle();
  }

  return {
    drain: () => {
      draining = true;
      if (phase === 'piping') drainIfIdle();
      else goAway(false);
    },
    cut: () => goAway(phase === 'piping' && session.idle),
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
