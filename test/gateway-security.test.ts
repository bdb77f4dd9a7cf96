import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { neonVia, postSql, rawRequest, startTestGateway, tcpTrap, waitFor, withUrl } from './gateway-support.js';

// The gateway is reachable by anyone who can reach its port, so it must not be an open proxy, must
// let the real server check every password, and must not be callable from a browser page.

const TOKEN = 'test-token-0123456789abcdef';
let admin: AdminSql;
let gw: Gateway;
const logLines: string[] = [];
const gateways: Gateway[] = [];

async function gateway(options: Parameters<typeof startTestGateway>[0]): Promise<Gateway> {
  const g = await startTestGateway({ log: (line) => logLines.push(line), ...options });
  gateways.push(g);
  return g;
}

beforeAll(async () => {
  admin = adminClient(adminUrl());
  gw = await gateway({});
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await admin.end();
});

describe('gateway authentication', () => {
  it('gives a wrong password and an unknown user the same status and message', async () => {
    const wrongPassword = withUrl(databaseUrl(), (u) => (u.password = 'not-the-password'));
    const unknownUser = withUrl(databaseUrl(), (u) => (u.username = uniqueName('nobody')));
    const a = await postSql(gw, { query: 'select 1', params: [] }, {}, wrongPassword);
    const b = await postSql(gw, { query: 'select 1', params: [] }, {}, unknownUser);
    expect(a.status).toBe(400);
    expect([b.status, b.body]).toEqual([a.status, a.body]);
    expect(a.json()).toEqual({ message: 'password authentication failed', code: '28P01', severity: 'FATAL' });
    expect(await neonVia(gw, wrongPassword)`select 1`.catch((e) => e)).toMatchObject({ name: 'NeonDbError', code: '28P01' });
  });

  it('checks the password on the server even while a connection of that user is idle', async () => {
    expect(await neonVia(gw)`select 1 as ok`).toEqual([{ ok: 1 }]);
    // The connection goes back to the pool just after the response (its session is reset first).
    await waitFor(() => gw.stats().connections.idle > 0, 2_000, 'an idle connection');
    const wrong = withUrl(databaseUrl(), (u) => (u.password = u.password.slice(0, -1)));
    expect(await neonVia(gw, wrong)`select 1`.catch((e) => e)).toMatchObject({ code: '28P01' });
    const empty = withUrl(databaseUrl(), (u) => (u.password = ''));
    expect(await neonVia(gw, empty)`select 1`.catch((e) => e)).toMatchObject({ code: '28P01' });
  });

  it('trusts an accepted password only for --credential-ttl-ms: a changed password is refused after it', async () => {
    const role = uniqueName('gw_rotate');
    await admin.unsafe(`create role ${role} login password 'first-password'`);
    try {
      const g = await gateway({ credentialTtlMs: 300 });
      const as = (password: string) => withUrl(databaseUrl(), (u) => ((u.username = role), (u.password = password)));
      expect(await neonVia(g, as('first-password'))`select current_user as u`).toEqual([{ u: role }]);
      await admin.unsafe(`alter role ${role} password 'second-password'`);
      await new Promise((r) => setTimeout(r, 350));
      expect(await neonVia(g, as('first-password'))`select 1`.catch((e) => e)).toMatchObject({ code: '28P01' });
      expect(await neonVia(g, as('second-password'))`select current_user as u`).toEqual([{ u: role }]);
      expect(g.stats().verifiedCredentials).toBe(1); // keyed hashes only, never the passwords
    } finally {
      await admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where usename = '${role}'`);
      await admin.unsafe(`drop role if exists ${role}`);
    }
  });

  it('requires the bearer token when one is configured', async () => {
    const g = await gateway({ token: TOKEN });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`]) {
      const res = await postSql(g, { query: 'select 1', params: [] }, authorization ? { Authorization: authorization } : {});
      expect([res.status, res.json().message, res.headers['www-authenticate']]).toEqual([401, 'missing or invalid bearer token', 'Bearer']);
    }
    expect(String(await neonVia(g)`select 1`.catch((e) => e))).toContain('HTTP status 401');
    expect(await neonVia(g, databaseUrl(), { authToken: TOKEN })`select 1 as ok`).toEqual([{ ok: 1 }]);
    // The token adds to the password check; it does not replace it.
    const wrong = withUrl(databaseUrl(), (u) => (u.password = 'nope'));
    expect(await neonVia(g, wrong, { authToken: TOKEN })`select 1`.catch((e) => e)).toMatchObject({ code: '28P01' });
  });
});

describe('gateway never dials a host taken from the request (SSRF)', () => {
  it('refuses connection strings naming another host, port or database, and dials nothing', async () => {
    const trap = await tcpTrap();
    try {
      const openedBefore = gw.stats().connections.opened;
      const pgPort = new URL(databaseUrl()).port;
      const attempts = [
        withUrl(databaseUrl(), (u) => (u.port = String(trap.port))),
        withUrl(databaseUrl(), (u) => (u.hostname = 'localhost')), // the same server under another name
        withUrl(databaseUrl(), (u) => ((u.hostname = '169.254.169.254'), (u.port = ''))),
        withUrl(databaseUrl(), (u) => (u.hostname = '10.0.0.1')),
        withUrl(databaseUrl(), (u) => (u.pathname = '/postgres')),
        withUrl(databaseUrl(), (u) => u.searchParams.set('host', '127.0.0.1')),
        withUrl(databaseUrl(), (u) => u.searchParams.set('port', String(trap.port))),
        withUrl(databaseUrl(), (u) => u.searchParams.set('dbname', 'postgres')),
        databaseUrl().replace(`:${pgPort}/`, `:${pgPort},127.0.0.1:${trap.port}/`), // multi-host
      ];
      for (const cs of attempts) {
        const res = await postSql(gw, { query: 'select 1', params: [] }, {}, cs);
        expect([400, 403], cs.replace(/:[^:@/]*@/, ':***@')).toContain(res.status);
      }
      const viaDriver = await neonVia(gw, attempts[0])`select 1`.catch((e: Error) => e);
      expect(String(viaDriver)).toContain('HTTP status 403');
      expect(trap.connections()).toBe(0);
      expect(gw.stats().connections.opened).toBe(openedBefore);
    } finally {
      await trap.close();
    }
  });

  it('refuses a request without a usable connection string', async () => {
    expect((await rawRequest(gw, { headers: {}, body: '{"query":"select 1"}' })).status).toBe(400);
    expect((await postSql(gw, { query: 'select 1' }, {}, 'mysql://u:p@127.0.0.1/x')).status).toBe(400);
    expect((await postSql(gw, { query: 'select 1' }, {}, withUrl(databaseUrl(), (u) => (u.username = '')))).status).toBe(400);
  });
});

describe('gateway refuses browsers and foreign Host names by default', () => {
  it('refuses a Host header it is not known by (DNS rebinding)', async () => {
    // No connection string: past the Host check the request is a 400, before it a 403.
    const status = async (g: Gateway, host: string) => (await rawRequest(g, { path: '/sql', headers: { Host: host }, body: '{}' })).status;
    expect(await status(gw, 'evil.example')).toBe(403);
    expect(await status(gw, `localhost:${gw.port}`)).toBe(400);
    const named = await gateway({ allowHosts: ['db-gateway.internal'] });
    expect(await status(named, 'db-gateway.internal:443')).toBe(400);
    expect(await status(named, 'other.internal')).toBe(403);
    // Health probes come with the pod's or target's address as Host, and get their answer.
    expect((await rawRequest(gw, { method: 'GET', path: '/health', headers: { Host: '10.1.2.3:4444' } })).status).toBe(200);
  });

  it('refuses requests carrying an Origin and sends no CORS headers unless --allow-origin is given', async () => {
    const plain = await postSql(gw, { query: 'select 1', params: [] });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    const browser = await postSql(gw, { query: 'select 1', params: [] }, { Origin: 'https://evil.example' });
    expect(browser.status).toBe(403);
    expect(browser.headers['access-control-allow-origin']).toBeUndefined();

    const cors = await gateway({ allowOrigins: ['https://app.example'] });
    const ok = await postSql(cors, { query: 'select 1', params: [] }, { Origin: 'https://app.example' });
    expect([ok.status, ok.headers['access-control-allow-origin']]).toEqual([200, 'https://app.example']);
    const preflight = await rawRequest(cors, { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('Neon-Connection-String');
    expect((await postSql(cors, { query: 'select 1', params: [] }, { Origin: 'https://evil.example' })).status).toBe(403);
  });

  it('binds 127.0.0.1 by default', async () => {
    const { startGateway } = await import('../packages/gateway/src/index.js');
    const g = await startGateway({ upstream: 'postgres://127.0.0.1:1/x', port: 0 });
    gateways.push(g);
    expect(g.url).toBe(`http://127.0.0.1:${g.port}`);
  });
});

describe('gateway logs', () => {
  it('never contain credentials, queries or parameters', async () => {
    const secretParam = uniqueName('param_secret');
    const secretQuery = uniqueName('query_secret');
    await neonVia(gw)`select ${secretParam}::text as ${neonVia(gw).unsafe(secretQuery)}`;
    await neonVia(gw, withUrl(databaseUrl(), (u) => (u.password = 'wrong-secret-password')))`select 1`.catch(() => {});
    const password = new URL(databaseUrl()).password;
    for (const line of logLines) {
      for (const secret of [password, 'wrong-secret-password', secretParam, secretQuery]) expect(line).not.toContain(secret);
    }
  });
});
