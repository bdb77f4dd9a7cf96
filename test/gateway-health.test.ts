import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway, GatewayOptions } from '../packages/gateway/src/index.js';
import { databaseUrl } from './support/env.js';
import { rawRequest, startTestGateway, tcpTrap } from './gateway-support.js';

// GET /health says the process is up (and not draining); GET /ready also says whether the
// upstream accepts connections, and which step failed when it does not, without credentials.

const gateways: Gateway[] = [];
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
});

async function gateway(options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const g = await startTestGateway(options);
  gateways.push(g);
  return g;
}

async function ready(g: Gateway): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await rawRequest(g, { method: 'GET', path: '/ready', headers: { Host: '10.0.0.7:4444' } });
  return { status: res.status, body: res.json(), text: res.body };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('gateway health endpoints', () => {
  it('/ready is 200 when the upstream accepts connections', async () => {
    const g = await gateway();
    const { status, body } = await ready(g);
    expect(status).toBe(200);
    expect(body).toEqual({ ok: true, upstream: { ok: true, ms: expect.any(Number) } });
  });

  it('/ready is 503 with step "connect" when nothing listens on the upstream port, /health stays 200', async () => {
    const port = await closedPort();
    const g = await gateway({ upstream: `postgres://127.0.0.1:${port}/app` });
    const { status, body, text } = await ready(g);
    expect(status).toBe(503);
    expect(body).toMatchObject({ ok: false, upstream: { ok: false, step: 'connect', code: 'ECONNREFUSED' } });
    expect(text).not.toContain(String(port));
    expect((await rawRequest(g, { method: 'GET', path: '/health' })).status).toBe(200);
  });

  it('/ready is 503 with step "startup" when the upstream port is not a Postgres server', async () => {
    const trap = await tcpTrap();
    try {
      const g = await gateway({ upstream: `postgres://127.0.0.1:${trap.port}/app` });
      expect(await ready(g)).toMatchObject({ status: 503, body: { ok: false, upstream: { ok: false, step: 'startup', code: 'CONNECTION_LOST' } } });
      expect(trap.connections()).toBe(1);
    } finally {
      await trap.close();
    }
  });

  it('/ready is 503 with step "tls" when TLS is required and the server has none', async () => {
    const u = new URL(databaseUrl());
    const g = await gateway({ upstream: `postgres://${u.host}${u.pathname}?sslmode=require` });
    expect(await ready(g)).toMatchObject({ status: 503, body: { ok: false, upstream: { ok: false, step: 'tls' } } });
  });

  it('/ready dials the upstream at most once per second, however many probes come', async () => {
    const trap = await tcpTrap();
    try {
      const g = await gateway({ upstream: `postgres://127.0.0.1:${trap.port}/app` });
      await Promise.all(Array.from({ length: 20 }, () => ready(g)));
      expect(trap.connections()).toBe(1);
    } finally {
      await trap.close();
    }
  });
});
