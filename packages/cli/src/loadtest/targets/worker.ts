/**
 * The sample Worker (functions/worker/) in real workerd through miniflare, bundled as wrangler
 * bundles it, with wrangler.toml's compatibility date and flags. Each invocation is a
 * `POST /orders` whose Idempotency-Key is the write's id; every request builds its own pool and
 * ends it through ctx.waitUntil, so concurrency is the number of clients. Writes are the sample's
 * orders rows (request_id is unique: a request handled twice is answered as a replay, not written
 * twice). Cloudflare's limit of 6 simultaneous outgoing connections per request is enforced around
 * the sample (worker-connection-limit.ts) and counted per request.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { classifyError } from '../metrics.js';
import { nodeConditions } from '../../emulator/conditions.js';
import { loadOptional } from '../../peers.js';
import { importCheckoutModule, requireCheckout } from './checkout.js';
import { type ConnectionLimitStats, type LoadTarget, type TargetResult, type Work, compareLedger, safeJson } from './target.js';
import { CONNECTIONS_HEADER, CONNECTION_LIMIT } from './worker-connection-limit.js';

export interface WorkerTargetOptions {
  name: string;
  /** functions/worker/<entry>.ts: 'index' (HTTP, WebSocket) or 'tcp'. */
  entry: 'index' | 'tcp';
  /** The Worker's vars (DATABASE_URL and the transport's). */
  vars: Record<string, string>;
}

/** compatibility_date and compatibility_flags, from wrangler.toml: what is deployed is what runs here. */
export async function wranglerCompatibility(): Promise<{ compatibilityDate: string; compatibilityFlags: string[] }> {
  const toml = await readFile(path.join(requireCheckout(), 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return { compatibilityDate: date, compatibilityFlags: [...(flags ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]) };
}

const limiterFile = fileURLToPath(new URL(`worker-connection-limit${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/**
 * A Worker's bundle, built as wrangler builds it (esbuild, the `workerd` condition), with
 * Cloudflare's connection limit around it (worker-connection-limit.ts): every `cloudflare:sockets`
 * import gets the limited connect().
 */
export async function bundleWorker(entryFile: string): Promise<string> {
  const { build } = await import('esbuild');
  const limiter: import('esbuild').Plugin = {
    name: 'connection-limit',
    setup(b) {
      b.onResolve({ filter: /^cloudflare:sockets$/ }, (args) => (args.namespace === 'limit' ? { path: args.path, external: true } : { path: 'sockets', namespace: 'limit' }));
      b.onResolve({ filter: /^limit:/ }, (args) => ({ path: args.path.slice('limit:'.length), namespace: 'limit' }));
      b.onLoad({ filter: /.*/, namespace: 'limit' }, (args) => ({
        resolveDir: path.dirname(limiterFile),
        contents:
          args.path === 'sockets'
            ? `import { connect as real } from 'cloudflare:sockets'; import { limitedConnect } from ${JSON.stringify(limiterFile)}; export const connect = limitedConnect(real);`
            : `import { limitConnections } from ${JSON.stringify(limiterFile)}; import worker from ${JSON.stringify(entryFile)}; export default limitConnections(worker);`,
      }));
    },
  };
  const out = await build({
    entryPoints: ['limit:entry'], bundle: true, format: 'esm', write: false, minify: true, logLevel: 'silent', plugins: [limiter],
    platform: 'neutral', conditions: ['workerd', 'worker', 'browser', ...nodeConditions()], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'],
  });
  return out.outputFiles[0].text;
}

/** Adds one response's counts (the x-loadtest-connections header) to a run's. */
export function countConnections(stats: ConnectionLimitStats, headerValue: string | null): void {
  const counts = safeJson(headerValue ?? undefined) as { peakWanted?: number; queued?: number } | undefined;
  if (!counts) return;
  stats.requests++;
  stats.peakWanted = Math.max(stats.peakWanted, counts.peakWanted ?? 0);
  stats.queued += counts.queued ?? 0;
  if ((counts.peakWanted ?? 0) > stats.limit) stats.requestsOverLimit++;
}

export const noConnections = (): ConnectionLimitStats => ({ limit: CONNECTION_LIMIT, requests: 0, requestsOverLimit: 0, queued: 0, peakWanted: 0 });

/** The sample's tables, and 100 items; returns their ids (the work's itemId n is the n-th). */
async function sampleSchema(databaseUrl: string): Promise<number[]> {
  const { createPool } = await import('warmpool');
  const { migrate } = await importCheckoutModule(path.join(requireCheckout(), 'functions', 'schema.ts'));
  const db = createPool({ connectionString: databaseUrl, max: 1, applicationName: 'lt-setup' });
  try {
    await (migrate as (db: unknown) => Promise<void>)(db);
    await db.sql`insert into items (name, price_cents) select 'item ' || i, 100 * i from generate_series(1, 100) i where not exists (select 1 from items)`;
    return (await db.sql<{ id: number }>`select id from items order by id limit 100`).map((r) => r.id);
  } finally {
    await db.end();
  }
}

export async function workerTarget(options: WorkerTargetOptions): Promise<LoadTarget> {
  const { Miniflare } = await loadOptional('miniflare', () => import('miniflare'));
  const itemIds = await sampleSchema(options.vars.DATABASE_URL);
  const entryFile = path.join(requireCheckout(), 'functions', 'worker', `${options.entry}.ts`);
  const mf = new Miniflare({ modules: true, script: await bundleWorker(entryFile), ...(await wranglerCompatibility()), bindings: options.vars });
  await mf.ready;
  const connections = noConnections();
  let inFlight = 0;
  let first = true;
  return {
    coldStarts: 1,
    async invoke(work: Work): Promise<TargetResult> {
      const cold = first;
      first = false;
      inFlight++;
      const sent = performance.now();
      try {
        const res = await mf.dispatchFetch('http://worker.local/orders', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': work.writeId },
          body: JSON.stringify({ itemId: itemIds[(work.itemId - 1) % itemIds.length], quantity: 1 }),
        });
        countConnections(connections, res.headers.get(CONNECTIONS_HEADER));
        const text = await res.text();
        const latencyMs = performance.now() - sent;
        const body = safeJson(text);
        if (res.status === 201 && body?.requestId === work.writeId) return { ok: true, latencyMs, cold };
        const code = typeof body?.code === 'string' ? body.code : undefined;
        const error = { errorType: `HTTP ${res.status}`, errorMessage: String(body?.error ?? text).slice(0, 160), code };
        return { ok: false, latencyMs, cold, kind: classifyError(error), error: `${error.errorType}${code ? ` ${code}` : ''}: ${error.errorMessage}` };
      } catch (err) {
        const error = { errorType: 'FetchError', errorMessage: (err as Error).message };
        return { ok: false, latencyMs: performance.now() - sent, cold, kind: classifyError(error), error: `FetchError: ${error.errorMessage}`.slice(0, 200) };
      } finally {
        inFlight--;
      }
    },
    load: () => ({ containers: 1, busy: inFlight, lingering: 0 }),
    close: () => mf.dispose(),
    connectionLimit: () => ({ ...connections }),
    async verify(admin: postgres.Sql, acknowledged: Set<string>, run: string) {
      const rows = await admin<{ request_id: string; n: number }[]>`select request_id, count(*)::int as n from orders where starts_with(request_id, ${run}) group by request_id`;
      return compareLedger(new Map(rows.map((r) => [r.request_id, r.n])), acknowledged);
    },
  };
}
