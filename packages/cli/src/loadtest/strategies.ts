/**
 * The strategies the load test compares. The Lambda ones are handler modules under strategies/
 * doing the same work (strategies/work.ts); only how they get their database connection differs.
 * The Worker ones run the sample Worker (functions/worker/) unchanged in workerd: one order per
 * request, over HTTP through the gateway or over a TCP connection of its own.
 *
 * A strategy that needs a service first (warmpool-http needs the gateway) gets a `prepare` hook
 * that starts it and returns the variables its containers need. A strategy that cannot run in this
 * build says why in `unavailable`; it is listed in --help and refused when asked for.
 */

import type { FunctionDefinition } from '../emulator/definitions.js';
import { type OptionalPackage, installCommand, isInstalled } from '../peers.js';
import { sampleCheckout } from './targets/checkout.js';
import { MISSING_PGBOUNCER, havePgBouncer, startPgBouncer } from './pgbouncer.js';
import type { FunctionRequest } from './targets/function.js';

export interface StrategyContext {
  /** Application role, database `warmpool`. */
  databaseUrl: string;
  /** Superuser on the throwaway server; DATABASE_URL on the user's. */
  adminUrl: string;
  /** The run's own throwaway server (empty until set up), not the user's DATABASE_URL. */
  embedded: boolean;
  maxConnections: number;
  /** The server's idle_session_timeout, ms (0: off). */
  serverIdleTimeoutMs: number;
  /** Concurrent clients of the run: every one may be waiting on a shared pool at once. */
  clients: number;
  /** esbuild bundles or sources through tsx, as the run's handlers. */
  bundle: boolean;
}

export interface PreparedStrategy {
  /** Variables for the strategy's containers, over DATABASE_URL and the others the run sets. */
  env: Record<string, string>;
  teardown(): Promise<void>;
}

export type StrategyCode =
  /** A Lambda handler string, relative to src/ (or dist/ when built), run in the emulator. */
  | { runtime: 'lambda'; handler: string }
  /** The sample Worker's entry (functions/worker/<entry>.ts), run in workerd; the vars it needs besides DATABASE_URL. */
  | { runtime: 'worker'; entry: 'index' | 'tcp'; vars?: Record<string, string> }
  /** The user's function from serverless.yml or template.yaml, sent the configured request. */
  | { runtime: 'function'; definition: FunctionDefinition; root: string; request: FunctionRequest };

export interface Strategy {
  name: string;
  summary: string;
  code: StrategyCode;
  /**
   * Server connections one container opens at most; the budget is containers × this. A Worker's
   * requests each have their own pool: there, the budget is concurrent requests (clients) × this.
   */
  perContainerCap: number;
  /** Server connections the strategy opens at most whatever the containers (a shared pool); replaces containers × perContainerCap. */
  fixedBudget?: number;
  /** Why it cannot run in this build, if it cannot. */
  unavailable?: string;
  prepare?(context: StrategyContext, strategy: string): Promise<PreparedStrategy>;
}

const dir = 'loadtest/strategies';

/** Upstream connections of the gateway warmpool-http goes through: that strategy's whole budget. */
export const GATEWAY_MAX_CONNECTIONS = 5;

/**
 * Starts a `warmpool gateway` in this process in front of the run's server. Its upstream
 * connections are named `lt:<strategy>:gateway` so the sampler counts them for the strategy.
 * It closes idle upstream connections before the server's idle_session_timeout would, as a gateway
 * deployed in front of such a server would be configured to.
 */
async function prepareGateway(context: StrategyContext, strategy: string): Promise<PreparedStrategy> {
  const { startGateway } = await import('@warmpool/gateway');
  const upstream = new URL(context.databaseUrl);
  const gateway = await startGateway({
    // Host, port and database only: each request brings the credentials of DATABASE_URL.
    upstream: `postgres://${upstream.host}${upstream.pathname}`,
    port: 0,
    maxConnections: GATEWAY_MAX_CONNECTIONS,
    // Sized for the run, as a gateway in front of this many callers would be: each client may have
    // a statement waiting. With the default (100) the rest are refused with 429 and retried.
    maxQueue: Math.max(100, 2 * context.clients),
    applicationName: `lt:${strategy}:gateway`,
    ...(context.serverIdleTimeoutMs > 0 ? { idleTimeoutMs: Math.max(100, Math.floor(context.serverIdleTimeoutMs / 2)) } : {}),
  });
  return { env: { WARMPOOL_HTTP_ENDPOINT: gateway.fetchEndpoint }, teardown: () => gateway.close() };
}

/** Server connections PgBouncer keeps for warmpool-pgbouncer: that strategy's whole budget. */
export const PGBOUNCER_POOL_SIZE = 10;

/**
 * Starts Debian's PgBouncer in transaction mode in front of the run's server, as the `postgres` OS
 * user when run as root. Its server connections are named `lt:<strategy>:pgbouncer`.
 */
async function preparePgBouncer(context: StrategyContext, strategy: string): Promise<PreparedStrategy> {
  const url = new URL(context.databaseUrl);
  const bouncer = await startPgBouncer({
    upstreamPort: Number(url.port),
    database: url.pathname.slice(1),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    poolMode: 'transaction',
    poolSize: PGBOUNCER_POOL_SIZE,
    maxClientConnections: 2_000,
    applicationName: `lt:${strategy}:pgbouncer`,
  });
  return { env: { PGBOUNCER_URL: bouncer.url }, teardown: () => bouncer.stop() };
}

/** Why a baseline cannot run here: its driver is not installed (an optional dependency of the CLI). */
function needs(...packages: OptionalPackage[]): string | undefined {
  const missing = packages.filter((p) => !isInstalled(p));
  return missing.length ? `needs ${missing.join(' and ')}: ${installCommand(missing.join(' '))}` : undefined;
}

/** The sample Worker is in a checkout of warmpool, not in the published package. */
function workerUnavailable(): string | undefined {
  if (!sampleCheckout()) return 'runs the sample Worker of a warmpool checkout (functions/worker/): run it from a clone of warmpool';
  return needs('miniflare');
}

export const STRATEGIES: Strategy[] = [
  {
    name: 'warmpool-tcp',
    summary: 'warmpool over TCP: module-scope pool, max 1, withPool',
    code: { runtime: 'lambda', handler: `${dir}/warmpool-tcp.handler` },
    perContainerCap: 1,
  },
  {
    name: 'warmpool-http',
    summary: `warmpool over HTTP through \`warmpool gateway\` (one upstream pool, max ${GATEWAY_MAX_CONNECTIONS})`,
    code: { runtime: 'lambda', handler: `${dir}/warmpool-http.handler` },
    perContainerCap: 0,
    fixedBudget: GATEWAY_MAX_CONNECTIONS,
    prepare: prepareGateway,
  },
  {
    name: 'warmpool-pgbouncer',
    summary: `warmpool over TCP through PgBouncer, transaction mode (pool size ${PGBOUNCER_POOL_SIZE}), ?pgbouncer=true`,
    code: { runtime: 'lambda', handler: `${dir}/warmpool-pgbouncer.handler` },
    perContainerCap: 0,
    fixedBudget: PGBOUNCER_POOL_SIZE,
    get unavailable() {
      return havePgBouncer() ? undefined : MISSING_PGBOUNCER;
    },
    prepare: preparePgBouncer,
  },
  {
    name: 'connect-per-invocation',
    summary: 'new pg.Client per invocation, closed at its end',
    code: { runtime: 'lambda', handler: `${dir}/connect-per-invocation.handler` },
    perContainerCap: 1,
    get unavailable() {
      return needs('pg');
    },
  },
  {
    name: 'global-connection',
    summary: 'one pg.Client at module scope, connected once, never checked',
    code: { runtime: 'lambda', handler: `${dir}/global-connection.handler` },
    perContainerCap: 1,
    get unavailable() {
      return needs('pg');
    },
  },
  {
    name: 'pg-pool',
    summary: 'pg.Pool at module scope, default settings (max 10)',
    code: { runtime: 'lambda', handler: `${dir}/pg-pool.handler` },
    perContainerCap: 10,
    get unavailable() {
      return needs('pg');
    },
  },
  {
    name: 'serverless-postgres',
    summary: 'serverless-postgres: connect() and clean() around each invocation',
    code: { runtime: 'lambda', handler: `${dir}/serverless-postgres.handler` },
    perContainerCap: 1,
    get unavailable() {
      return needs('pg', 'serverless-postgres');
    },
  },
  {
    name: 'worker-http',
    summary: `the sample Worker in workerd (miniflare), HTTP through \`warmpool gateway\` (max ${GATEWAY_MAX_CONNECTIONS})`,
    code: { runtime: 'worker', entry: 'index' },
    perContainerCap: 0,
    get unavailable() {
      return workerUnavailable();
    },
    fixedBudget: GATEWAY_MAX_CONNECTIONS,
    prepare: prepareGateway,
  },
  {
    name: 'worker-tcp',
    summary: 'the sample Worker in workerd (miniflare), a TCP connection per request (cloudflare:sockets)',
    code: { runtime: 'worker', entry: 'tcp', vars: { WARMPOOL_TRANSPORT: 'tcp' } },
    perContainerCap: 1,
    get unavailable() {
      return workerUnavailable();
    },
  },
  {
    name: 'postgres-js',
    summary: 'raw postgres.js at module scope, max 1 (the overhead baseline)',
    code: { runtime: 'lambda', handler: `${dir}/postgres-js.handler` },
    perContainerCap: 1,
  },
];

export function strategyNamed(name: string): Strategy | undefined {
  return STRATEGIES.find((s) => s.name === name);
}

export function availableStrategies(): string[] {
  return STRATEGIES.filter((s) => !s.unavailable).map((s) => s.name);
}
