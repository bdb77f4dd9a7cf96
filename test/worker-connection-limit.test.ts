import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker, countConnections, noConnections, wranglerCompatibility } from '../packages/cli/src/loadtest/targets/worker.js';
import { CONNECTIONS_HEADER } from '../packages/cli/src/loadtest/targets/worker-connection-limit.js';

// Cloudflare lets a request have 6 outgoing connections waiting for their response headers; a 7th
// waits for a free slot. workerd does not enforce it: the load test's Worker bundle does, and
// reports the request. The upstream answers only when 6 requests are held, or when the last of a
// request's fetches arrives, so it sees the 7th only after the first 6 have their headers.

let server: http.Server;
let target: string;
let held: http.ServerResponse[] = [];
let received = 0;
let expected = 0;
let inFlight = 0;
let maxInFlight = 0;

function releaseHeld() {
  for (const res of held) res.end('ok');
  held = [];
}

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    received++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('finish', () => inFlight--);
    held.push(res);
    if (held.length === 6 || received === expected) releaseHeld();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function runWorker(n: number) {
  const { Miniflare } = await import('miniflare');
  const entry = fileURLToPath(new URL('./support/worker-seven-fetches.ts', import.meta.url));
  const mf = new Miniflare({ modules: true, script: await bundleWorker(entry), ...(await wranglerCompatibility()), bindings: { TARGET: target } });
  try {
    received = 0;
    maxInFlight = 0;
    expected = n;
    const res = await mf.dispatchFetch(`http://worker.local/?n=${n}`);
    const stats = noConnections();
    countConnections(stats, res.headers.get(CONNECTIONS_HEADER));
    return { body: (await res.json()) as { statuses: number[] }, stats, maxInFlight };
  } finally {
    await mf.dispose();
  }
}

describe("the Worker target's connection limit", () => {
  it('queues the 7th of 7 simultaneous fetches until one has its headers, and reports the request', async () => {
    const { body, stats, maxInFlight: seen } = await runWorker(7);
    expect(body.statuses).toEqual(Array(7).fill(200));
    expect(seen).toBe(6);
    expect(stats).toEqual({ limit: 6, requests: 1, requestsOverLimit: 1, queued: 1, peakWanted: 7 });
  }, 60_000);

  it('lets 6 through at once and reports nothing', async () => {
    const { body, stats, maxInFlight: seen } = await runWorker(6);
    expect(body.statuses).toEqual(Array(6).fill(200));
    expect(seen).toBe(6);
    expect(stats).toEqual({ limit: 6, requests: 1, requestsOverLimit: 0, queued: 0, peakWanted: 6 });
  }, 60_000);
});
