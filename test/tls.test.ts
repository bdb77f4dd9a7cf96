import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedContainer } from './support/emulated-container.js';
import { createPool } from '../src/index.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { describeOutcome, ledgerContainer, pidOf } from './support/container.js';
import { type AdminSql, adminClient, terminateBackend, uniqueName } from './support/db.js';

// TLS against a server whose certificate is signed by a throwaway CA (made with the openssl CLI).

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
const certs = mkdtempSync(path.join(os.tmpdir(), 'warmpool-tls-'));
let server: EmbeddedServer;
let admin: AdminSql;
let caPem: string;
let otherCaPem: string;

function makeCa(name: string): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', path.join(certs, `${name}.key`), '-out', path.join(certs, `${name}.crt`)], { stdio: 'ignore' });
}

beforeAll(async () => {
  if (!haveOpenssl) return;
  makeCa('test-ca');
  makeCa('other-ca');
  const serverKey = path.join(certs, 'server.key');
  execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', serverKey, '-out', path.join(certs, 'server.csr')], { stdio: 'ignore' });
  writeFileSync(path.join(certs, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  execFileSync('openssl', ['x509', '-req', '-in', path.join(certs, 'server.csr'), '-CA', path.join(certs, 'test-ca.crt'), '-CAkey', path.join(certs, 'test-ca.key'), '-CAcreateserial', '-days', '2', '-extfile', path.join(certs, 'san.ext'), '-out', path.join(certs, 'server.crt')], { stdio: 'ignore' });
  caPem = readFileSync(path.join(certs, 'test-ca.crt'), 'utf8');
  otherCaPem = readFileSync(path.join(certs, 'other-ca.crt'), 'utf8');

  server = await startEmbeddedPostgres({ quiet: true });
  // The server reads its key as its own OS user, which must own it with mode 0600.
  const owner = statSync(server.dataDir);
  for (const file of ['server.key', 'server.crt']) {
    const target = path.join(server.dataDir, file);
    writeFileSync(target, readFileSync(path.join(certs, file)), { mode: 0o600 });
    chownSync(target, owner.uid, owner.gid);
  }
  admin = adminClient(server.adminUrl);
  await admin`alter system set ssl = on`;
  await admin`select pg_reload_conf()`;
  const app = adminClient(server.url);
  await app`create table ledger (id bigserial, run_id text not null)`;
  await app.end();
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
  rmSync(certs, { recursive: true, force: true });
});

async function usesTls(options: Record<string, unknown>): Promise<boolean> {
  const db = createPool({ connectionString: server.url, maxConnectAttempts: 1, ...options });
  try {
    const [row] = await db.sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
    return row.ssl as boolean;
  } finally {
    await db.end();
  }
}

describe.skipIf(!haveOpenssl)('TLS', () => {
  it('sslmode=require encrypts', async () => {
    expect(await usesTls({ ssl: 'require' })).toBe(true);
  });

  it('sslmode=disable does not', async () => {
    expect(await usesTls({ ssl: 'disable' })).toBe(false);
  });

  it('verifies the chain and host name against a given CA', async () => {
    expect(await usesTls({ ssl: { ca: caPem } })).toBe(true);
  });

  it('rejects a certificate from another CA', async () => {
    const error = await usesTls({ ssl: { ca: otherCaPem } }).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
  });

  it('rejects an unknown CA with verify-full (system roots)', async () => {
    const error = await usesTls({ ssl: 'verify-full' }).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('passes Node TLS options through (a CA, no host name check)', async () => {
    const url = new URL(server.url);
    url.hostname = '127.0.0.1';
    const db = createPool({ connectionString: url.toString(), ssl: { ca: caPem, servername: 'not-the-host', checkServerIdentity: () => undefined } });
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    await db.end();
  });

  it('sees a backend terminated during a freeze, through TLS', async () => {
    let container: EmulatedContainer | undefined;
    try {
      container = await ledgerContainer(server.url, { ssl: 'require', validateAfterIdleMs: 3_600_000 });
      const runId = uniqueName('tls');
      const first = await container.invoke({ op: 'insert', runId });
      expect(describeOutcome(first)).toBe('ok');
      await terminateBackend(admin, pidOf(first));
      const second = await container.invoke({ op: 'insert', runId });
      expect(describeOutcome(second)).toBe('ok');
      const [row] = await admin`select count(*)::int as n from ledger where run_id = ${runId}`;
      expect(row.n).toBe(2);
    } finally {
      container?.kill();
    }
  });
});
