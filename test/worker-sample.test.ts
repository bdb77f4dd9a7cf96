import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route } from '../functions/worker/app.js';
import { migrate } from '../functions/schema.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { adminClient, countConnections, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { startTestGateway, waitFor } from './gateway-support.js';
import { freePort } from '../packages/cli/src/local-db/embedded-postgres.js';

// The sample Worker (functions/worker/) inside real workerd (miniflare), bundled as wrangler does
// (esbuild, `workerd` condition), against the test database: over HTTP through the gateway, over
// TCP through cloudflare:sockets (directly, and through a Hyperdrive binding), and over WebSocket.
// Every request has its own pool, ended through ctx.waitUntil: the server's connection count
// returns to what it was.

const root = fileURLToPath(new URL('..', import.meta.url));
let gw: Gateway;
let admin: AdminSql;
let db: Pool;
let items: { id: number }[];
const workers: Miniflare[] = [];

/** The sample imports 'warmpool/worker' by name: here, the package's sources (`warmpool-source`). */
async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [`${root}functions/worker/${entry}.ts`], bundle: true, format: 'esm', write: false, minify: true, logLevel: 'silent',
    platform: 'neutral', conditions: ['workerd', 'worker', 'browser', 'warmpool-source'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'],
  });
  return out.outputFiles[0].text;
}

/** A workerd isolate running `script` with the sample's vars; PGAPPNAME tags its server connections. */
async function startWorker(script: string, vars: Record<string, string>, extra: Record<string, unknown> = {}): Promise<Miniflare> {
  const mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'], bindings: { DATABASE_URL: databaseUrl(), ...vars }, ...extra });
  await mf.ready;
  workers.push(mf);
  return mf;
}

async function call(mf: Miniflare, path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }) {
  const res = await mf.dispatchFetch(`http://worker.test${path}`, {
    method: init?.method, headers: { 'content-type': 'application/json', ...init?.headers }, body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as Record<string, unknown> };
}

/** 200 requests one after another, then 20 at once; every one must succeed. */
async function sequentialThenConcurrent(mf: Miniflare): Promise<void> {
  const id = items[0].id;
  for (let i = 0; i < 200; i++) {
    const res = await call(mf, `/items/${id}`);
    if (res.status !== 200) throw new Error(`request ${i}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => call(mf, i % 2 ? `/items/${id}` : '/health').then((r) => r.status)));
  expect(statuses).toEqual(Array(20).fill(200));
}

beforeAll(async () => {
  gw = await startTestGateway();
  admin = adminClient(adminUrl());
  db = createPool({ connectionString: databaseUrl(), applicationName: 'worker-setup' });
  await migrate(db);
  items = await db.sql<{ id: number }>`insert into items (name, price_cents) values ('worker-a', 150), ('worker-b', 2500) returning id`;
});

afterAll(async () => {
  await Promise.all(workers.map((mf) => mf.dispose()));
  await db?.end();
  await gw?.close();
  await admin?.end();
});

describe('the sample Worker in workerd over HTTP (the gateway)', () => {
  let mf: Miniflare;
  const app = uniqueName('wk_http');
  beforeAll(async () => {
    mf = await startWorker(await bundle('index'), { WARMPOOL_HTTP_ENDPOINT: gw.fetchEndpoint, PGAPPNAME: app });
  });

  it('reports runtime workerd and the http transport, from inside the isolate', async () => {
    const health = await call(mf, '/health');
    expect(health).toMatchObject({ status: 200, body: { ok: true, runtime: 'workerd', transport: 'http', stats: { transport: 'http', max: 1 } } });
  });

  it('serves 200 sequential and 20 concurrent requests, holding no server connection of its own', async () => {
    await sequentialThenConcurrent(mf);
    expect(await countConnections(admin, app)).toBe(0);
    expect(gw.stats().connections.open).toBeLessThanOrEqual(10);
  });

  it('gives the same answers as a Node process with transport http', async () => {
    const node = createPool({ connectionString: databaseUrl(), transport: 'http', httpEndpoint: gw.fetchEndpoint, applicationName: 'worker-node' });
    const viaNode = async (path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }) => {
      const res = await route(new Request(`http://node.test${path}`, { method: init?.method, headers: { 'content-type': 'application/json', ...init?.headers }, body: init?.body === undefined ? undefined : JSON.stringify(init.body) }), node);
      return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as Record<string, unknown> };
    };
    const key = uniqueName('order');
    const created = await call(mf, '/orders', { method: 'POST', body: { itemId: items[1].id, quantity: 2 }, headers: { 'idempotency-key': key } });
    expect(created).toMatchObject({ status: 201, replayed: null, body: { itemId: items[1].id, quantity: 2, requestId: key } });
    const requests: [string, { method?: string; body?: unknown; headers?: Record<string, string> }?][] = [
      [`/items/${items[0].id}`], [`/items/${items[1].id}`], ['/items/2147483647'], ['/items/abc'], ['/nope'],
      ['/orders', { method: 'POST', body: { itemId: items[1].id, quantity: 2 }, headers: { 'idempotency-key': key } }],
      ['/orders', { method: 'POST', body: { itemId: items[1].id, quantity: 3 }, headers: { 'idempotency-key': key } }],
      ['/orders', { method: 'POST', body: { itemId: 2147483647, quantity: 1 }, headers: { 'idempotency-key': uniqueName('missing') } }],
      ['/orders', { method: 'POST', body: { itemId: 'x' } }],
    ];
    try {
      for (const [path, init] of requests) {
        const [worker, local] = await Promise.all([call(mf, path, init), viaNode(path, init)]);
        expect(worker, path).toStrictEqual(local);
      }
      expect((await viaNode('/items/' + items[0].id)).body).toStrictEqual({ id: items[0].id, name: 'worker-a', priceCents: 150, createdAt: expect.any(String) });
      const [workerHealth, nodeHealth] = await Promise.all([call(mf, '/health'), viaNode('/health')]);
      expect([workerHealth.body.runtime, nodeHealth.body.runtime, workerHealth.body.transport, nodeHealth.body.transport]).toEqual(['workerd', 'node', 'http', 'http']);
    } finally {
      await node.end();
    }
  });
});

describe('the sample Worker in workerd over TCP (cloudflare:sockets)', () => {
  it('opens one connection per request and closes it after the response (direct, transport tcp)', async () => {
    const app = uniqueName('wk_tcp');
    const before = await countConnections(admin, app);
    const mf = await startWorker(await bundle('tcp'), { WARMPOOL_TRANSPORT: 'tcp', PGAPPNAME: app });
    const health = await call(mf, '/health');
    expect(health.body).toMatchObject({ ok: true, runtime: 'workerd', transport: 'tcp', stats: { created: 1 } });
    let peak = 0;
    const sampler = setInterval(() => void countConnections(admin, app).then((n) => (peak = Math.max(peak, n))), 20);
    try {
      await sequentialThenConcurrent(mf);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(20);
    await waitFor(async () => (await countConnections(admin, app)) === before, 5_000, 'every request connection to close');
  });

  it('answers 503 with the transient code, and nothing of the connection string, when the database is unreachable', async () => {
    const url = new URL(databaseUrl());
    url.port = String(await freePort());
    url.password = 'sekret-pw-1234';
    const mf = await startWorker(await bundle('tcp'), { WARMPOOL_TRANSPORT: 'tcp', DATABASE_URL: url.toString() });
    const res = await mf.dispatchFetch('http://worker.test/items/1');
    const text = await res.text();
    expect({ status: res.status, retryAfter: res.headers.get('retry-after'), body: JSON.parse(text) }).toEqual({
      status: 503, retryAfter: '1', body: { error: 'service temporarily unavailable', code: 'CONNECT_FAILED' },
    });
    expect(text).not.toContain('sekret');
  });

  it('picks TCP by itself through a Hyperdrive binding', async () => {
    const app = uniqueName('wk_hd');
    const mf = await startWorker(await bundle('tcp'), { PGAPPNAME: app }, { hyperdrives: { HYPERDRIVE: databaseUrl() } });
    const health = await call(mf, '/health');
    expect(health.body).toMatchObject({ ok: true, runtime: 'workerd', transport: 'tcp' });
    const item = await call(mf, `/items/${items[0].id}`);
    expect(item).toMatchObject({ status: 200, body: { id: items[0].id, name: 'worker-a', priceCents: 150 } });
  });

  it('gives the same answers over TCP as over HTTP', async () => {
    const [tcp, http] = await Promise.all([
      startWorker(await bundle('tcp'), { WARMPOOL_TRANSPORT: 'tcp', PGAPPNAME: uniqueName('wk_cmp') }),
      startWorker(await bundle('index'), { WARMPOOL_HTTP_ENDPOINT: gw.fetchEndpoint }),
    ]);
    for (const path of [`/items/${items[0].id}`, `/items/${items[1].id}`, '/items/2147483647']) {
      expect(await call(tcp, path), path).toStrictEqual(await call(http, path));
    }
  });
});

describe('the sample Worker in workerd over WebSocket (the gateway)', () => {
  it('runs requests on per-request WebSocket connections that close afterwards', async () => {
    const app = uniqueName('wk_ws');
    const mf = await startWorker(await bundle('index'), { WARMPOOL_TRANSPORT: 'websocket', WARMPOOL_WS_PROXY: `ws://${gw.wsProxy}`, PGAPPNAME: app });
    expect((await call(mf, '/health')).body).toMatchObject({ runtime: 'workerd', transport: 'websocket' });
    const statuses = await Promise.all(Array.from({ length: 10 }, () => call(mf, `/items/${items[0].id}`).then((r) => r.status)));
    expect(statuses).toEqual(Array(10).fill(200));
    await waitFor(async () => gw.stats().webSockets.open === 0 && (await countConnections(admin, app)) === 0, 5_000, 'the WebSockets to close');
  });
});
