import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// A pool made at module scope on Workers outlives the request that opened its sockets; the next
// request would hang on them. Inside real workerd (miniflare), making one with a socket transport
// fails at once with a coded error that names the fix; an HTTP pool (a fetch per query) is fine.

const root = fileURLToPath(new URL('..', import.meta.url));
const workers: Miniflare[] = [];
afterAll(() => Promise.all(workers.map((mf) => mf.dispose())));

async function moduleScopePool(options: Record<string, unknown>): Promise<Record<string, unknown>> {
  const contents = `
    import { createPool } from './src/index.edge.js';
    let outcome;
    try {
      const db = createPool(${JSON.stringify(options)});
      outcome = { made: true, transport: db.stats().transport };
    } catch (e) {
      outcome = { made: false, code: e.code, notApplied: e.notApplied, message: e.message };
    }
    export default { fetch: () => Response.json(outcome) };`;
  const out = await build({
    stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, format: 'esm', write: false, logLevel: 'silent',
    platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'],
  });
  const mf = new Miniflare({ modules: true, script: out.outputFiles[0].text, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] });
  workers.push(mf);
  const res = await mf.dispatchFetch('http://worker.test/');
  return (await res.json()) as Record<string, unknown>;
}

describe('a module-scope pool on Cloudflare Workers', () => {
  it('with WebSocket connections is refused when it is made, naming warmpool/worker', async () => {
    const outcome = await moduleScopePool({ connectionString: 'postgres://app:s3cret-pw@db.example.com/app', transport: 'websocket', wsProxy: 'ws://127.0.0.1:9/v2' });
    expect(outcome).toMatchObject({ made: false, code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
    expect(outcome.message).toContain("'warmpool/worker'");
    expect(outcome.message).not.toContain('s3cret-pw');
  });

  it('over HTTP is allowed: each query is its own fetch, made in the request that runs it', async () => {
    const outcome = await moduleScopePool({ connectionString: 'postgres://app:pw@db.example.com/app', httpEndpoint: 'http://127.0.0.1:9/sql' });
    expect(outcome).toEqual({ made: true, transport: 'http' });
  });
});
