import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../packages/gateway/src/index.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../packages/cli/src/local-db/embedded-postgres.js';
import { adminClient } from './support/db.js';
import { neonVia, postSql, useWebSocketsVia, upstreamOf } from './gateway-support.js';

// An upstream reached over TLS (sslmode in the upstream URL): the gateway encrypts for its
// clients, on /sql (postgres.js) and in WebSocket tunnels (its own SSLRequest + TLS handshake).

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
const certs = mkdtempSync(path.join(os.tmpdir(), 'warmpool-gw-tls-'));
let server: EmbeddedServer;
const gateways: Gateway[] = [];

async function gatewayTo(sslmode: string): Promise<Gateway> {
  const gw = await startGateway({ upstream: `${upstreamOf(server.url)}?sslmode=${sslmode}`, port: 0, connectTimeoutMs: 2_000 });
  gateways.push(gw);
  return gw;
}

beforeAll(async () => {
  if (!haveOpenssl) return;
  const key = path.join(certs, 'server.key');
  const crt = path.join(certs, 'server.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-keyout', key, '-out', crt], { stdio: 'ignore' });
  server = await startEmbeddedPostgres({ quiet: true });
  const owner = statSync(server.dataDir);
  for (const file of ['server.key', 'server.crt']) {
    const target = path.join(server.dataDir, file);
    writeFileSync(target, readFileSync(path.join(certs, file)), { mode: 0o600 });
    chownSync(target, owner.uid, owner.gid);
  }
  const admin = adminClient(server.adminUrl);
  await admin`alter system set ssl = on`;
  await admin`select pg_reload_conf()`;
  await admin.end();
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await server?.stop();
  rmSync(certs, { recursive: true, force: true });
});

const TLS_IN_USE = 'select ssl from pg_stat_ssl where pid = pg_backend_pid()';

describe.skipIf(!haveOpenssl)('gateway to a TLS upstream', () => {
  it('encrypts /sql and WebSocket connections with sslmode=require', async () => {
    const gw = await gatewayTo('require');
    expect(await neonVia(gw, server.url).query(TLS_IN_USE)).toEqual([{ ssl: true }]);
    useWebSocketsVia(gw);
    const client = new Client(server.url);
    await client.connect();
    expect((await client.query(TLS_IN_USE)).rows).toEqual([{ ssl: true }]);
    await client.end();
  });

  it('refuses a certificate it cannot verify with sslmode=verify-full', async () => {
    const gw = await gatewayTo('verify-full');
    const res = await postSql(gw, { query: 'select 1', params: [] }, {}, server.url);
    expect([res.status, res.json().code]).toEqual([503, '08001']);
    useWebSocketsVia(gw);
    const client = new Client(server.url);
    client.neonConfig.pipelineConnect = false;
    client.on('error', () => {});
    expect(await client.connect().catch((e) => e)).toMatchObject({ code: '08001' });
  });
});
