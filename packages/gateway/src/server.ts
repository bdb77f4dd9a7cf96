/**
 * Starts the gateway: an HTTP server answering Neon's `POST /sql`, a WebSocket proxy on `/v2`
 * (and `/v1`), `GET /health` (the process, and whether it is draining) and `GET /ready` (also
 * whether the upstream accepts connections), all in front of one configured upstream. Its
 * shutdown is a drain (drain.ts). Every request is logged once, with its own id.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientConnections, refusalResponse, timedOut, type ClientStats } from './client-connections.js';
import { CredentialCache } from './credentials.js';
import { Drain, type DrainOptions, type DrainReport } from './drain.js';
import { GatewayHttpError } from './http-error.js';
import { hostPort, isWildcardHost, resolveGatewayOptions, type GatewayOptions } from './options.js';
import { requestIdOf, routeOf, since } from './log.js';
import { RequestGuard } from './request-guard.js';
import { sendError, sendJson } from './respond.js';
import { handleSql, type SqlTiming } from './sql-handler.js';
import { UpstreamConnection } from './upstream.js';
import { UpstreamPool, type PoolStats } from './upstream-pool.js';
import { UpstreamProbe } from './upstream-probe.js';
import { WsProxy } from './ws-proxy.js';

export type { DrainOptions, DrainReport } from './drain.js';

export interface Gateway {
  /** `http://127.0.0.1:4444` */
  readonly url: string;
  /** `http://127.0.0.1:4444/sql`: `neonConfig.fetchEndpoint`. */
  readonly fetchEndpoint: string;
  /** `127.0.0.1:4444/v2`: `neonConfig.wsProxy` (the driver appends `?address=host:port`). */
  readonly wsProxy: string;
  readonly port: number;
  /** True from the start of a drain (or close) on: `/health` answers 503. */
  readonly draining: boolean;
  stats(): GatewayStats;
  /**
   * Graceful shutdown: `/health` answers 503 at once; new requests are served for `delayMs`
   * (default `drainDelayMs`, 0), then answered 503 with `Retry-After`; requests in flight and busy
   * WebSocket tunnels get `timeoutMs` (default `drainTimeoutMs`, 25 000) to finish, then are cut;
   * idle tunnels get a close frame 1001 and their upstream sessions a Terminate; then the upstream
   * connections and the listener close. Resolves when all is closed. A second call returns the
   * same drain, its steps moved earlier if the new limits are shorter.
   */
  drain(options?: DrainOptions): Promise<DrainReport>;
  /** A quick drain: `drain({ delayMs: 0, timeoutMs: 2_000, ...options })`. */
  close(options?: DrainOptions): Promise<void>;
}

export interface GatewayStats {
  requests: number;
  active: number;
  connections: PoolStats;
  webSockets: { open: number; opened: number; refused: number };
  clients: ClientStats;
  verifiedCredentials: number;
  draining: boolean;
}

const DRAINING = '{"ok":false,"draining":true}';

/** Answered to new requests once a drain refuses them: nothing ran, so a client may retry elsewhere. */
function shuttingDown(): GatewayHttpError {
  return new GatewayHttpError(503, { message: 'the gateway is shutting down; retry', code: '57P03' }, { 'Retry-After': '1', Connection: 'close' });
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
  const ws = new WsProxy({ config, guard, onClosed: () => drain.changed() });
  const probe = new UpstreamProbe(config.upstream, config.readyTimeoutMs);
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
      const start = performance.now();
      const requestId = requestIdOf(req.headers['x-request-id'], randomUUID);
      res.setHeader('X-Request-Id', requestId);
      const timing: SqlTiming = {};
      res.on('finish', () =>
        config.logEvent({
          level: res.statusCode >= 500 ? 'warn' : 'info',
          event: 'request',
          requestId,
          method: req.method,
          route: routeOf(req.url),
          status: res.statusCode,
          durationMs: since(start),
          ...timing,
          client: req.socket.remoteAddress,
        }),
      );
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
        drain.changed();
      });
      // Draining: every answer asks the client to reconnect, through the load balancer, elsewhere.
      if (drain.phase !== 'serving') res.setHeader('Connection', 'close');
      route(req, res, timing).catch(() => sendError(res, new GatewayHttpError(500, 'internal gateway error')));
    },
  );
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => clients.admit(socket));
  server.on('upgrade', (req, socket, head) => {
    const refusal = clients.refusal(req.socket);
    if (refusal) return void socket.end(refusalResponse(refusal));
    clients.upgraded(req.socket);
    const meta = { requestId: requestIdOf(req.headers['x-request-id'], randomUUID), client: req.socket.remoteAddress, start: performance.now() };
    ws.handleUpgrade(req, socket, head, meta, drain.phase === 'serving' || drain.phase === 'draining' ? undefined : shuttingDown());
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Past --headers-timeout-ms or --request-timeout-ms: say so (as Node's default handler does), then close.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') timedOut(socket);
    else socket.destroy();
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse, timing: SqlTiming): Promise<void> {
    let cors: Record<string, string> = {};
    try {
      const path = (req.url ?? '/').split('?', 1)[0];
      // Probes (kubelet, load balancers) send their own Host (the pod or target IP) and no token;
      // these answers hold nothing a request could misuse, and carry no CORS headers.
      if ((path === '/health' || path === '/ready') && req.method === 'GET') return await health(path, res);
      if (drain.phase === 'refusing' || drain.phase === 'closed') throw shuttingDown();
      guard.checkHost(req);
      const origin = guard.checkOrigin(req);
      cors = guard.corsHeaders(origin);
      if (path === '/sql') {
        if (req.method === 'POST') return await handleSql({ config, guard, credentials, pool }, req, res, cors, timing);
        if (req.method === 'OPTIONS' && origin !== undefined) {
          res.writeHead(204, guard.preflightHeaders(origin)).end();
          return;
        }
        throw new GatewayHttpError(405, 'use POST', { Allow: 'POST' });
      }
      throw new GatewayHttpError(404, 'not found');
    } catch (err) {
      if (!(err instanceof GatewayHttpError)) throw err;
      // A refused request's body is never read: close the connection rather than drain it.
      sendError(res, err, { ...cors, ...(req.complete ? {} : { Connection: 'close' }) });
    }
  }

  /** `/health`: the process is up and not draining. `/ready`: and the upstream accepts connections. */
  async function health(path: string, res: http.ServerResponse): Promise<void> {
    if (drain.phase !== 'serving') return sendJson(res, 503, DRAINING);
    if (path === '/health') return sendJson(res, 200, '{"ok":true}');
    const { ok, ...upstream } = await probe.check();
    if (drain.phase !== 'serving') return sendJson(res, 503, DRAINING);
    sendJson(res, ok ? 200 : 503, JSON.stringify({ ok, upstream: { ok, ...upstream } }));
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
  const drain = new Drain({
    activeRequests: () => active,
    openWebSockets: () => ws.stats().open,
    refuse: () => {
      server.closeIdleConnections();
      ws.drainAll();
    },
    cut: () => {
      ws.cutAll();
      // After the 503s of requests still queued for a connection are written.
      void pool.close();
      setImmediate(() => server.closeAllConnections());
    },
    finish: async () => {
      await pool.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    onPhase: (phase, detail) => {
      const message = {
        serving: '',
        draining: 'draining: /health answers 503',
        refusing: 'draining: new requests are refused; waiting for requests in flight',
        closed: 'drained: upstream connections and listener closed',
      }[phase];
      config.logEvent({ level: 'info', event: `drain.${phase}`, message, ...detail });
    },
  });

  return {
    url,
    fetchEndpoint: `${url}/sql`,
    wsProxy: `${hostPort(reachable, port)}/v2`,
    port,
    get draining() {
      return drain.phase !== 'serving';
    },
    stats: () => ({
      requests,
      active,
      connections: pool.stats(),
      webSockets: ws.stats(),
      clients: clients.stats(),
      verifiedCredentials: credentials.size,
      draining: drain.phase !== 'serving',
    }),
    drain: (options = {}) => drain.start(options.delayMs ?? config.drainDelayMs, options.timeoutMs ?? config.drainTimeoutMs),
    close: (options = {}) => drain.start(options.delayMs ?? 0, options.timeoutMs ?? 2_000).then(() => {}),
  };
}
