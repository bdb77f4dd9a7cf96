import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.js';
import { startTestGateway } from './gateway-support.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';

// Keys on Workers: inside workerd (miniflare), bundled as wrangler bundles, a keyed batch over
// HTTP and over WebSocket, and a keyed transaction over WebSocket, through the gateway: the first
// request applies, a repeat runs nothing (ALREADY_APPLIED, or the stored result). A transaction
// without a key commits there too.

const table = uniqueName('idem_worker');
let gw: Gateway;
let db: Pool;
const workers: Miniflare[] = [];

async function worker(transport: 'http' | 'websocket'): Promise<Miniflare> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./support/worker-keyed.ts', import.meta.url))], bundle: true, format: 'esm', write: false, logLevel: 'silent',
    platform: 'neutral', conditions: ['workerd', 'worker', 'browser', 'warmpool-source'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'],
  });
  const mf = new Miniflare({
    modules: true, script: out.outputFiles[0]!.text, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'],
    bindings: { DATABASE_URL: databaseUrl(), TRANSPORT: transport, HTTP_ENDPOINT: gw.fetchEndpoint, WS_PROXY: `ws://${gw.wsProxy}`, TABLE: table },
  });
  await mf.ready;
  workers.push(mf);
  return mf;
}

async function call(mf: Miniflare, path: string): Promise<Record<string, unknown>> {
  return (await (await mf.dispatchFetch(`http://worker.test${path}`)).json()) as Record<string, unknown>;
}

const rowsOf = async (k: string) => (await db.query<{ n: number }>(`select count(*)::int as n from ${table} where k = $1`, [k]))[0]!.n;

beforeAll(async () => {
  gw = await startTestGateway();
  db = createPool({ connectionString: databaseUrl(), applicationName: 'idem-worker-setup' });
  await db.query(`create table ${table} (id serial primary key, k text not null)`);
});
afterAll(async () => {
  await Promise.all(workers.map((mf) => mf.dispose()));
  await db?.query(`drop table if exists ${table}`);
  await db?.end();
  await gw?.close();
});

describe('keys inside workerd', () => {
  for (const transport of ['http', 'websocket'] as const) {
    it(`a keyed batch over ${transport}: applied once, the repeat fails with ALREADY_APPLIED`, async () => {
      const mf = await worker(transport);
      const key = uniqueName('k');
      expect(await call(mf, `/batch?key=${key}`)).toEqual({ ok: true, runtime: 'workerd', inserted: 1 });
      expect(await call(mf, `/batch?key=${key}`)).toMatchObject({ ok: false, code: 'ALREADY_APPLIED', notApplied: true });
      expect(await rowsOf(key)).toBe(1);
    }, 60_000);
  }

  it('a keyed transaction over WebSocket: the repeat returns the stored result', async () => {
    const mf = await worker('websocket');
    const key = uniqueName('k');
    const first = await call(mf, `/transaction?key=${key}`);
    expect(first).toMatchObject({ ok: true, runtime: 'workerd', result: { id: expect.any(Number) } });
    expect(await call(mf, `/transaction?key=${key}`)).toEqual(first);
    expect(await rowsOf(key)).toBe(1);
  }, 60_000);

  it('a transaction without a key over WebSocket commits (nodejs_compat\'s AsyncLocalStorage has no disable())', async () => {
    const mf = await worker('websocket');
    const key = uniqueName('k');
    expect(await call(mf, `/plain-transaction?key=${key}`)).toMatchObject({ ok: true, runtime: 'workerd', result: { id: expect.any(Number) } });
    expect(await call(mf, `/plain-transaction?key=${key}`)).toMatchObject({ ok: true });
    expect(await rowsOf(key)).toBe(2);
  }, 60_000);
});
