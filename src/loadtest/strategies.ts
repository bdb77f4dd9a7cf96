/**
 * The strategies the load test compares. Each is a handler module under strategies/ doing the same
 * work (strategies/work.ts); only how it gets its database connection differs.
 *
 * A strategy that needs a service first (warmpool-http needs the gateway) gets a `prepare` hook
 * that starts it and returns the variables its containers need. A strategy that cannot run in this
 * build says why in `unavailable`; it is listed in --help and refused when asked for.
 */

export interface StrategyContext {
  /** Application role, database `warmpool`. */
  databaseUrl: string;
  /** Superuser. */
  adminUrl: string;
  maxConnections: number;
  /** The server's idle_session_timeout, ms (0: off). */
  serverIdleTimeoutMs: number;
}

export interface PreparedStrategy {
  /** Variables for the strategy's containers, over DATABASE_URL and the others the run sets. */
  env: Record<string, string>;
  teardown(): Promise<void>;
}

export interface Strategy {
  name: string;
  summary: string;
  /** Lambda handler string, relative to src/ (or dist/ when built). */
  handler: string;
  /** Server connections one container opens at most; the budget is containers × this. */
  perContainerCap: number;
  /** Server connections the strategy opens at most whatever the containers (a shared pool); replaces containers × perContainerCap. */
  fixedBudget?: number;
  /** Why it cannot run in this build, if it cannot. */
  unavailable?: string;
  prepare?(context: StrategyContext): Promise<PreparedStrategy>;
}

const dir = 'loadtest/strategies';

/** Upstream connections of the gateway warmpool-http goes through: that strategy's whole budget. */
export const GATEWAY_MAX_CONNECTIONS = 5;

/**
 * Starts a `warmpool gateway` in this process in front of the run's server. Its upstream
 * connections are named `lt:warmpool-http:gateway` so the sampler counts them for warmpool-http.
 * It closes idle upstream connections before the server's idle_session_timeout would, as a gateway
 * deployed in front of such a server would be configured to.
 */
async function prepareGateway(context: StrategyContext): Promise<PreparedStrategy> {
  const { startGateway } = await import('../gateway/server.js');
  const upstream = new URL(context.databaseUrl);
  const gateway = await startGateway({
    // Host, port and database only: each request brings the credentials of DATABASE_URL.
    upstream: `postgres://${upstream.host}${upstream.pathname}`,
    port: 0,
    maxConnections: GATEWAY_MAX_CONNECTIONS,
    applicationName: 'lt:warmpool-http:gateway',
    ...(context.serverIdleTimeoutMs > 0 ? { idleTimeoutMs: Math.max(100, Math.floor(context.serverIdleTimeoutMs / 2)) } : {}),
  });
  return { env: { WARMPOOL_HTTP_ENDPOINT: gateway.fetchEndpoint }, teardown: () => gateway.close() };
}

export const STRATEGIES: Strategy[] = [
  {
    name: 'warmpool-tcp',
    summary: 'warmpool over TCP: module-scope pool, max 1, withPool',
    handler: `${dir}/warmpool-tcp.handler`,
    perContainerCap: 1,
  },
  {
    name: 'warmpool-http',
    summary: `warmpool over HTTP through \`warmpool gateway\` (one upstream pool, max ${GATEWAY_MAX_CONNECTIONS})`,
    handler: `${dir}/warmpool-http.handler`,
    perContainerCap: 0,
    fixedBudget: GATEWAY_MAX_CONNECTIONS,
    prepare: prepareGateway,
  },
  {
    name: 'connect-per-invocation',
    summary: 'new pg.Client per invocation, closed at its end',
    handler: `${dir}/connect-per-invocation.handler`,
    perContainerCap: 1,
  },
  {
    name: 'global-connection',
    summary: 'one pg.Client at module scope, connected once, never checked',
    handler: `${dir}/global-connection.handler`,
    perContainerCap: 1,
  },
  {
    name: 'pg-pool',
    summary: 'pg.Pool at module scope, default settings (max 10)',
    handler: `${dir}/pg-pool.handler`,
    perContainerCap: 10,
  },
  {
    name: 'serverless-postgres',
    summary: 'serverless-postgres: connect() and clean() around each invocation',
    handler: `${dir}/serverless-postgres.handler`,
    perContainerCap: 1,
  },
  {
    name: 'postgres-js',
    summary: 'raw postgres.js at module scope, max 1 (the overhead baseline)',
    handler: `${dir}/postgres-js.handler`,
    perContainerCap: 1,
  },
];

export function strategyNamed(name: string): Strategy | undefined {
  return STRATEGIES.find((s) => s.name === name);
}

export const AVAILABLE_STRATEGIES = STRATEGIES.filter((s) => !s.unavailable).map((s) => s.name);
