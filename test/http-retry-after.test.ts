import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type PoolEvent } from '../src/index.http.js';
import { retryAfterMs } from '../src/transports/http.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// A busy HTTP endpoint answers 429 or 503 with Retry-After: nothing ran, and warmpool/http waits
// that long (capped) before sending again, inside the deadline. A front answers the first requests
// busy, then passes requests to a real gateway.

let gw: Gateway;
let front: http.Server;
let busyAnswers: { status: number; retryAfter: string }[] = [];
const arrivals: number[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  const upstream = new URL(gw.fetchEndpoint);
  front = http.createServer((req, res) => {
    arrivals.push(Date.now());
    const busy = busyAnswers.shift();
    if (busy) {
      req.resume();
      res.writeHead(busy.status, { 'content-type': 'application/json', 'retry-after': busy.retryAfter });
      res.end(JSON.stringify({ message: 'busy, try again' }));
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => front?.close(() => resolve()));
  await gw?.close();
});

describe('Retry-After', () => {
  it('is read as seconds or an HTTP date, capped, and 0 when missing or unreadable', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(undefined)).toBe(0);
    expect(retryAfterMs('soon')).toBe(0);
    expect(retryAfterMs('3600')).toBe(5000);
    const inAboutOne = retryAfterMs(new Date(Date.now() + 3000).toUTCString());
    expect(inAboutOne).toBeGreaterThan(0);
    expect(inAboutOne).toBeLessThanOrEqual(3000);
  });

  for (const status of [429, 503]) {
    it(`is waited for after a ${status}, and the statement then runs once`, async () => {
      arrivals.length = 0;
      busyAnswers = [{ status, retryAfter: '1' }];
      const events: PoolEvent[] = [];
      const { port } = front.address() as AddressInfo;
      const db = createPool({ connectionString: databaseUrl(), transport: 'http', httpEndpoint: `http://127.0.0.1:${port}/sql`, onEvent: (e) => events.push(e) });
      try {
        expect(await db.sql`select ${7}::int as n`).toEqual([{ n: 7 }]);
        expect(arrivals).toHaveLength(2);
        // Not sooner than the endpoint asked (the backoff alone is at most a few hundred ms).
        expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(1000);
        expect(events.filter((e) => e.type === 'connect-retry')).toMatchObject([{ delayMs: 1000 }]);
      } finally {
        await db.end();
      }
    });
  }

  it('is not waited for past the deadline: the error says nothing ran', async () => {
    busyAnswers = [{ status: 429, retryAfter: '5' }];
    const { port } = front.address() as AddressInfo;
    const db = createPool({ connectionString: databaseUrl(), transport: 'http', httpEndpoint: `http://127.0.0.1:${port}/sql`, queryTimeoutMs: 1500 });
    try {
      await expect(db.sql`select 1`).rejects.toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
    } finally {
      busyAnswers = [];
      await db.end();
    }
  });
});
