import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { GatewayHttpError } from './http-error.js';
import { normalizeHost, type GatewayConfig } from './options.js';
import { bearerToken, type RequestGuard } from './request-guard.js';
import { routeOf, since } from './log.js';
import { runTunnel, type Tunnel } from './ws-tunnel.js';

/**
 * The WebSocket→TCP proxy for the Neon driver's WebSocket mode (`neonConfig.wsProxy`). The driver
 * opens `ws://<gateway>/v2?address=<host>:<port>` and speaks the Postgres protocol inside the
 * WebSocket. Every check happens before the upgrade is accepted: Host, Origin, token (header or
 * `?token=`), path, capacity, and `address`, which must be the configured upstream or absent.
 * The gateway dials the configured address, never the requested one. What a tunnel does after
 * the upgrade is in ws-tunnel.ts.
 *
 * Client settings: `neonConfig.useSecureWebSocket = false` when nothing terminates TLS in front
 * of the gateway. The driver's other defaults (pipelineConnect 'password') work as they are.
 */

const PATHS = new Set(['/v1', '/v2']);

export interface WsProxyContext {
  config: GatewayConfig;
  guard: RequestGuard;
  /** A tunnel's socket is gone. */
  onClosed?: () => void;
}

/** Who asked for the upgrade, for the log. */
export interface UpgradeMeta {
  requestId: string;
  client: string | undefined;
  /** `performance.now()` when the request arrived. */
  start: number;
}

export class WsProxy {
  readonly #ctx: WsProxyContext;
  readonly #wss: WebSocketServer;
  /** Every upgraded WebSocket until its socket is gone (closing ones included). */
  readonly #sockets = new Map<WebSocket, Tunnel>();
  #opened = 0;
  #refused = 0;

  constructor(ctx: WsProxyContext) {
    this.#ctx = ctx;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: ctx.config.maxBodyBytes, perMessageDeflate: false });
  }

  stats(): { open: number; opened: number; refused: number } {
    return { open: this.#sockets.size, opened: this.#opened, refused: this.#refused };
  }

  /** `server.on('upgrade')`: every check happens before the handshake is accepted. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, meta: UpgradeMeta, refusal?: GatewayHttpError): void {
    const log = (status: number, code?: string) =>
      this.#ctx.config.logEvent({ level: 'info', event: 'request', requestId: meta.requestId, method: req.method, route: routeOf(req.url), status, durationMs: since(meta.start), client: meta.client, code });
    try {
      if (refusal) throw refusal;
      const { guard, config } = this.#ctx;
      guard.checkHost(req);
      guard.checkOrigin(req);
      const url = new URL(req.url ?? '/', 'http://gateway');
      if (!PATHS.has(url.pathname)) throw new GatewayHttpError(404, 'not found');
      guard.checkToken(bearerToken(req) ?? url.searchParams.get('token') ?? undefined);
      const address = url.searchParams.get('address');
      if (address !== null && !isUpstreamAddress(address, config)) {
        throw new GatewayHttpError(403, 'this gateway connects only to its configured upstream: address names another host or port');
      }
      if (this.#sockets.size >= config.maxWebSockets) throw new GatewayHttpError(503, 'too many WebSocket connections');
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        log(101);
        this.#tunnel(ws, meta, routeOf(req.url));
      });
    } catch (err) {
      this.#refused++;
      const refused = err instanceof GatewayHttpError ? err : new GatewayHttpError(400, 'bad WebSocket request');
      log(refused.status, refused.body.code);
      refuseUpgrade(socket, refused);
    }
  }

  /** Each tunnel ends at its next idle point (at once when idle). */
  drainAll(): void {
    for (const tunnel of this.#sockets.values()) tunnel.drain();
  }

  /** Each tunnel ends now. */
  cutAll(): void {
    for (const tunnel of this.#sockets.values()) tunnel.cut();
  }

  closeAll(): void {
    for (const ws of this.#sockets.keys()) ws.terminate();
  }

  #tunnel(ws: WebSocket, meta: UpgradeMeta, route: string): void {
    this.#opened++;
    const opened = performance.now();
    ws.on('close', (code: number) => {
      this.#sockets.delete(ws);
      this.#ctx.config.logEvent({ level: 'info', event: 'websocket.close', requestId: meta.requestId, route, durationMs: since(opened), closeCode: code, client: meta.client });
      this.#ctx.onClosed?.();
    });
    this.#sockets.set(ws, runTunnel(ws, this.#ctx.config));
  }
}

function isUpstreamAddress(address: string, config: GatewayConfig): boolean {
  const colon = address.lastIndexOf(':');
  const host = normalizeHost(colon > 0 ? address.slice(0, colon) : address);
  const port = colon > 0 ? Number(address.slice(colon + 1)) : config.upstream.port;
  return host === config.upstream.host && port === config.upstream.port;
}

function refuseUpgrade(socket: Duplex, err: GatewayHttpError): void {
  const body = JSON.stringify(err.body);
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[err.status] ?? 'Error';
  const extra = Object.entries(err.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${err.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}
