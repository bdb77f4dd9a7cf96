/**
 * The user's own function (from serverless.yml or template.yaml) in the emulator, sent the same
 * HTTP API request every invocation. Its reserved concurrency is the run's container count; its
 * database connections carry application_name `lt:<function>:<container>` through PGAPPNAME, which
 * postgres.js, pg and warmpool read (a handler that sets its own name is not counted), so the
 * sessions of recycled containers can be told from live ones. It keeps no ledger, so writes are
 * not checked.
 */
import type postgres from 'postgres';
import type { FunctionDefinition } from '../../emulator/definitions.js';
import { LambdaEmulator } from '../../emulator/emulator.js';
import { httpEvent } from '../../emulator/events.js';
import { classifyError } from '../metrics.js';
import { type LoadTarget, type TargetResult, containerTag, trackRecycled } from './target.js';

export interface FunctionRequest {
  method: string;
  /** Path with its query string, e.g. `/items/1?full=1`. */
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface FunctionTargetOptions {
  name: string;
  code: { definition: FunctionDefinition; root: string; request: FunctionRequest };
  /** Over the function's own environment: DATABASE_URL and what the config left to AWS. */
  environment: Record<string, string>;
  containers: number;
  idleTtlMs: number;
  recycleProbability: number;
  serverIdleTimeoutMs: number;
  bundle: boolean;
}

/** The route of the function the request matches (API Gateway fills routeKey and pathParameters from it). */
function routeFor(definition: FunctionDefinition, request: FunctionRequest): { routeKey: string; pathParameters?: Record<string, string> } {
  const pathOnly = request.path.split('?')[0];
  for (const route of definition.routes ?? []) {
    const [method, pattern] = route.split(' ');
    if (method !== '*' && method !== request.method) continue;
    const names: string[] = [];
    const regex = new RegExp(`^${pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}+]+)\+?\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
    const match = regex.exec(pathOnly);
    if (match) return { routeKey: route, ...(names.length ? { pathParameters: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])])) } : {}) };
  }
  return { routeKey: `${request.method} ${pathOnly}` };
}

export async function functionTarget(options: FunctionTargetOptions): Promise<LoadTarget> {
  const { name, code } = options;
  const emulator = await LambdaEmulator.create({
    functions: [{ ...code.definition, name, reservedConcurrency: options.containers, environment: { ...code.definition.environment, ...options.environment } }],
    environmentVariables: (id) => ({ PGAPPNAME: `lt:${name}:${containerTag(id)}` }),
    root: code.root,
    bundle: options.bundle,
    onLimit: 'queue',
    idleTtlMs: options.idleTtlMs,
    recycleProbability: options.recycleProbability,
    lingerMs: options.serverIdleTimeoutMs > 0 ? options.serverIdleTimeoutMs + 1_000 : 30_000,
    initTimeoutMs: 30_000,
    stdio: 'ignore',
  });
  const recycled = trackRecycled(emulator);
  const route = routeFor(code.definition, code.request);
  const [pathOnly, query] = code.request.path.split('?');
  return {
    get coldStarts() {
      return emulator.coldStarts;
    },
    async invoke(): Promise<TargetResult> {
      const event = httpEvent({ ...route, method: code.request.method, path: pathOnly, ...(query ? { rawQueryString: query } : {}), ...(code.request.body !== undefined ? { body: code.request.body } : {}), headers: code.request.headers });
      const result = await emulator.invoke(name, event);
      const base = { latencyMs: result.latencyMs, cold: result.cold };
      if (!result.ok) {
        const e = result.error!;
        return { ...base, ok: false, kind: classifyError(e), error: `${e.errorType}${e.code && e.code !== e.errorType ? ` ${e.code}` : ''}: ${e.errorMessage}`.slice(0, 200) };
      }
      // A payload without statusCode is a 200 to API Gateway (payload format 2.0).
      const status = (result.payload as { statusCode?: number } | null)?.statusCode ?? 200;
      if (status < 400) return { ...base, ok: true };
      return { ...base, ok: false, kind: 'other', error: `status ${status}: ${String((result.payload as { body?: unknown }).body).slice(0, 160)}` };
    },
    load() {
      const stats = emulator.stats();
      const fn = stats.functions[name] ?? { environments: 0, busy: 0 };
      return { containers: fn.environments, busy: fn.busy, lingering: stats.lingering };
    },
    close: () => emulator.close(),
    verify: async (_admin: postgres.Sql) => null,
    recycled,
  };
}
