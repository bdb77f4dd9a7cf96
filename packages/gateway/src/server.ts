/**
 * Starts the gateway: an HTTP server answering Neon's `POST /sql`, a WebSocket proxy on `/v2`
 * (and `/v1`), and `GET /health`, all in front of one configured upstream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientConnections, refusalResponse, timedOut, type ClientStats } from './client-connections.js';
import { CredentialCache } from './credentials.js';
import { GatewayHttpError } from './http-error.js';
import { hostPort, isWildcardHost, resolveGatewayOptions, type GatewayOptions } from './options.js';
import { RequestGuard } from './request-guard.js';
import { sendError, sendJson } from './respond.js';
import { handleSql } from './sql-handler.js';
import { UpstreamConnection } from './upstream.js';
import { UpstreamPool, type PoolStats } from './upstream-pool.js';
import { WsProxy } from './ws-proxy.js';

export interface Gateway {
  /** `http://127.0.0.1:4444` */
  readonly url: string;
  /** `http://127.0.0.1:4444/sql`: `neonConfig.fetchEndpoint`. */
  readonly fetchEndpoint: string;
  /** `127.0.0.1:4444/v2`: `neonConfig.wsProxy` (the driver appends `?address=host:port`). */
  readonly wsProxy: string;
  readonly port: number;
  stats(): GatewayStats;
  /** Stops listening, fails waiting requests, closes tunnels and upstream connections. */
  close(): Promise<void>;
}

export interface GatewayStats {
  requests: number;
  active: number;
  connections: PoolStats;
  webSockets: { open: number; opened: number; refused: number };
  clients: ClientStats;
  verifiedCredentials: number;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const config = resolveGatewayOptions(options);
  const guard = new RequestGuard(config);
  const credentials = new CredentialCache(config.credentialTtlMs);
  const limits = {
    connectTimeoutMs: config.connectTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    applicationName: config.applicationName,
  };
  const pool = new UpstreamPool((credential) => UpstreamConnection.open(config.upstream, credential, limits), credentials, config);
  const ws = new WsProxy({ config, guard });
  const headersTimeoutMs = Math.min(config.headersTimeoutMs, config.requestTimeoutMs);
  const clients = new ClientConnections({ ...config, firstRequestTimeoutMs: headersTimeoutMs });
  let requests = 0;
  let active = 0;

  const server = http.createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      // Node checks both timeouts on this sweep (default every 30 s): every second, so they hold to about the second.
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      const refusal = clients.refusal(req.socket);
      // Refused at accept or let go to make room: told so, so the client knows nothing ran.
      if (refusal) return sendError(res, new GatewayHttpError(refusal.status, refusal.message, { 'Retry-After': '1', Connection: 'close' }));
      requests++;
      active++;
      clients.requestStarted(req.socket);
      if (req.complete) clients.bodyReceived(req.socket);
      else req.once('end', () => clients.bodyReceived(req.socket));
      // A client that goes away mid-body makes req emit 'error'; how that is handled is decided below.
      req.on('error', () => {});
      res.on('close', () => {
        active--;
        clients.requestEnded(req.socket);
      });
      route(req, res).catch(() => sendError(res, new GatewayHttpError(500, 'internal gateway error')));
    },
  );
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => clients.admit(socket));
  server.on('upgrade', (req, socket, head) => {
    const refusal = clients.refusal(req.socket);
    if (refusal) return void socket.end(refusalResponse(refusal));
    clients.upgraded(req.socket);
    ws.handleUpgrade(req, socket, head);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Past --headers-timeout-ms or --request-timeout-ms: say so (as Node's default handler does), then close.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') timedOut(socket);
    else socket.destroy();
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let cors: Record<string, string> = {};
    try {
      guard.checkHost(req);
      const origin = guard.checkOrigin(req);
      cors = guard.corsHeaders(origin);
      const path = (req.url ?? '/').split('?', 1)[0];
      if (path === '/sql') {
        if (req.method === 'POST') return await handleSql({ config, guard, credentials, pool }, req, res, cors);
        if (req.method === 'OPTIONS' && origin !== undefined) {
          res.writeHead(204, guard.preflightHeaders(origin)).end();
          return;
        }
        throw new GatewayHttpError(405, 'use POST', { Allow: 'POST' });
      }
      if (path === '/health' && req.method === 'GET') return sendJson(res, 200, '{"ok":true}', cors);
      throw new GatewayHttpError(404, 'not found');
    } catch (err) {
      if (!(err instanceof GatewayHttpError)) throw err;
      // A refused request's body is never read: close the connection rather than drain it.
      sendError(res, err, { ...cors, ...(req.complete ? {} : { Connection: 'close' }) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const reachable = isWildcardHost(config.host) ? '127.0.0.1' : config.host;
  const url = `http://${hostPort(reachable, port)}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    fetchEndpoint: `${url}/sql`,
    wsProxy: `${hostPort(reachable, port)}/v2`,
    port,
    stats: () => ({ requests, active, connections: pool.stats(), webSockets: ws.stats(), clients: clients.stats(), verifiedCredentials: credentials.size }),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        pool.close();
        ws.closeAll();
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running get a moment to answer, then their sockets are cut.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      })),
  };
}
