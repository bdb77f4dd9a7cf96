import { describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { databaseUrl } from './support/env.js';
import { postSql, rawRequest, spawnGateway } from './gateway-support.js';

// --log-format json: every line the process prints is one JSON object, one per request with
// where its time went, and none holds a password or a connection string.

describe('warmpool-gateway --log-format json', () => {
  it('prints one JSON object per line: time, level, event, request id, route, status, durations, client', async () => {
    const gw = await spawnGateway(['--log-format', 'json']);
    const target = { port: gw.port } as Gateway;
    const ok = await postSql(target, { query: 'select 1 as one', params: [] }, { 'X-Request-Id': 'trace-123' });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-request-id']).toBe('trace-123');
    const failed = await postSql(target, { query: 'select 1/0', params: [] });
    expect(failed.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // An id that is not a plain token is replaced, not logged.
    const odd = await rawRequest(target, { method: 'GET', path: '/nowhere?x=1', headers: { 'X-Request-Id': 'a b"c' } });
    expect(odd.status).toBe(404);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);

    const lines = gw.output().trim().split('\n');
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const e of events) {
      expect(e).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: expect.stringMatching(/^(info|warn|error)$/), event: expect.any(String) });
    }
    expect(events.find((e) => e.event === 'listening')).toMatchObject({ url: gw.url });
    const requests = events.filter((e) => e.event === 'request');
    expect(requests).toEqual([
      {
        time: expect.any(String),
        level: 'info',
        event: 'request',
        requestId: 'trace-123',
        method: 'POST',
        route: '/sql',
        status: 200,
        durationMs: expect.any(Number),
        acquireMs: expect.any(Number),
        upstreamMs: expect.any(Number),
        client: '127.0.0.1',
      },
      expect.objectContaining({ requestId: failed.headers['x-request-id'], route: '/sql', status: 400, code: '22012', upstreamMs: expect.any(Number) }),
      expect.objectContaining({ requestId: odd.headers['x-request-id'], method: 'GET', route: 'other', status: 404 }),
    ]);
    const url = new URL(databaseUrl());
    for (const line of lines) {
      expect(line).not.toContain(url.password);
      expect(line).not.toContain(`${url.username}:`);
    }
  });
});
