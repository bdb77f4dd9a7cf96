/**
 * The sample Worker (functions/worker/) in real workerd through miniflare, bundled as wrangler
 * bundles it, with wrangler.toml's compatibility date and flags. Each invocation is a
 * `POST /orders` whose Idempotency-Key is the write's id; every request builds its own pool and
 * ends it through ctx.waitUntil, so concurrency is the number of clients. Writes are the sample's
 * orders rows (request_id is unique: a request handled twice is answered as a replay, not written
 * twice).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { classifyError } from '../metrics.js';
import { type LoadTarget, type TargetResult, type Work, compareLedger, safeJson } from './target.js';

export interface WorkerTargetOptions {
  name: string;
  /** functions/worker/<entry>.ts: 'index' (HTTP, WebSocket) or 'tcp'. */
  entry: 'index' | 'tcp';
  /** The Worker's vars (DATABASE_URL and the transport's). */
  vars: Record<string, string>;
}

const checkout = new URL('../../../', import.meta.url);

/** compatibility_date and compatibility_flags, from wrangler.toml: what is deployed is what runs here. */
export async function wranglerCompatibility(): Promise<{ compatibilityDate: string; compatibilityFlags: string[] }> {
  const toml = await readFile(new URL('wrangler.toml', checkout), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return { compatibilityDate: date, compatibilityFlags: [...(flags ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]) };
}

/** The sample's bundle, built as wrangler builds it (esbuild, the `workerd` condition). */
async function bundleSample(entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [fileURLToPath(new URL(`functions/worker/${entry}.ts`, checkout))], bundle: true, format: 'esm', write: false, minify: true, logLevel: 'silent',
    platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'],
  });
  return out.outputFiles[0].text;
}

/** The sample's tables, and 100 items; returns their ids (the work's itemId n is the n-th). */
async function sampleSchema(databaseUrl: string): Promise<number[]> {
  const { createPool } = await import('../../index.js');
  const { migrate } = await import(fileURLToPath(new URL('functions/schema.ts', checkout)));
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
  const { Miniflare } = await import('miniflare');
  const itemIds = await sampleSchema(options.vars.DATABASE_URL);
  const mf = new Miniflare({ modules: true, script: await bundleSample(options.entry), ...(await wranglerCompatibility()), bindings: options.vars });
  await mf.ready;
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
    async verify(admin: postgres.Sql, acknowledged: Set<string>) {
      const rows = await admin<{ request_id: string; n: number }[]>`select request_id, count(*)::int as n from orders where request_id like ${`${options.name}:%`} group by request_id`;
      return compareLedger(new Map(rows.map((r) => [r.request_id, r.n])), acknowledged);
    },
  };
}
