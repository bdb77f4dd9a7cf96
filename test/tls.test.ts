import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedContainer } from './support/emulated-container.js';
import { createPool } from '../src/index.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { describeOutcome, ledgerContainer, pidOf } from './support/container.js';
import { type AdminSql, adminClient, terminateBackend, uniqueName } from './support/db.js';

// TLS against a server whose certificate is signed by a throwaway CA (made with the openssl CLI).
// The server also listens on an address of this machine beyond loopback, when it has one, where
// it accepts only TLS (as RDS with rds.force_ssl): the default for such a host must find it.

/** An IPv4 address of this machine that is not loopback: warmpool treats it as a remote host. */
const remoteAddress = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
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
  writeFileSync(path.join(certs, 'san.ext'), `subjectAltName=DNS:localhost,IP:127.0.0.1${remoteAddress ? `,IP:${remoteAddress}` : ''}\n`);
  execFileSync('openssl', ['x509', '-req', '-in', path.join(certs, 'server.csr'), '-CA', path.join(certs, 'test-ca.crt'), '-CAkey', path.join(certs, 'test-ca.key'), '-CAcreateserial', '-days', '2', '-extfile', path.join(certs, 'san.ext'), '-out', path.join(certs, 'server.crt')], { stdio: 'ignore' });
  caPem = readFileSync(path.join(certs, 'test-ca.crt'), 'utf8');
  otherCaPem = readFileSync(path.join(certs, 'other-ca.crt'), 'utf8');

  server = await startEmbeddedPostgres({ quiet: true, settings: remoteAddress ? { listen_addresses: `127.0.0.1,${remoteAddress}` } : {} });
  // The server reads its key as its own OS user, which must own it with mode 0600.
  const owner = statSync(server.dataDir);
  for (const file of ['server.key', 'server.crt']) {
    const target = path.join(server.dataDir, file);
    writeFileSync(target, readFileSync(path.join(certs, file)), { mode: 0o600 });
    chownSync(target, owner.uid, owner.gid);
  }
  // No line for the remote address but this one: a plain-text login from it has no pg_hba entry.
  if (remoteAddress) appendFileSync(path.join(server.dataDir, 'pg_hba.conf'), `\nhostssl all all ${remoteAddress}/32 scram-sha-256\n`);
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

/**
 * A front for the server that records the first bytes of each connection: a TLS record (0x16) is
 * a direct TLS start, the SSLRequest code the classic one. `old`: behave as a server before
 * PostgreSQL 17 does with a TLS hello, hang up.
 */
async function tlsFront(old: boolean): Promise<{ url: string; starts: string[]; close: () => Promise<void> }> {
  const starts: string[] = [];
  const sockets = new Set<net.Socket>();
  const front = net.createServer((client) => {
    sockets.add(client);
    client.once('data', (first) => {
      const direct = first[0] === 0x16;
      starts.push(direct ? 'direct' : 'sslrequest');
      if (direct && old) return client.destroy();
      const upstream = net.connect(Number(new URL(server.url).port), '127.0.0.1', () => {
        upstream.write(first);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const url = new URL(server.url);
  url.hostname = 'localhost';
  url.port = String((front.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    starts,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      front.close(() => resolve());
    }),
  };
}

describe.skipIf(!haveOpenssl)('sslNegotiation direct', () => {
  it('starts TLS at once, without SSLRequest, and verifies the server as usual', async () => {
    const front = await tlsFront(false);
    const db = createPool({ connectionString: `${front.url}?sslnegotiation=direct`, ssl: { ca: caPem }, maxConnectAttempts: 1 });
    try {
      const [row] = await db.sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
      expect(row.ssl).toBe(true);
      expect(front.starts).toEqual(['direct']);
    } finally {
      await db.end();
      await front.close();
    }
  });

  it('falls back to SSLRequest on the same connect where the server hangs up on a TLS hello, and asks that way from then on', async () => {
    const front = await tlsFront(true);
    const options = { connectionString: front.url, ssl: { ca: caPem }, sslNegotiation: 'direct' as const, maxConnectAttempts: 1 };
    const first = createPool({ ...options, applicationName: 'direct-fallback-1' });
    const second = createPool({ ...options, applicationName: 'direct-fallback-2' });
    try {
      expect(await first.sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`).toEqual([{ ssl: true }]);
      expect(await second.sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`).toEqual([{ ssl: true }]);
      expect(front.starts).toEqual(['direct', 'sslrequest', 'sslrequest']);
      expect(first.stats()).toMatchObject({ connectFailures: 0, connectRetries: 0 });
    } finally {
      await Promise.all([first.end(), second.end()]);
      await front.close();
    }
  });

  it('still refuses a certificate it cannot verify, without falling back', async () => {
    const front = await tlsFront(false);
    const db = createPool({ connectionString: front.url, ssl: { ca: otherCaPem }, sslNegotiation: 'direct', maxConnectAttempts: 1 });
    try {
      await expect(db.sql`select 1`).rejects.toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
      expect(front.starts).toEqual(['direct']);
    } finally {
      await db.end();
      await front.close();
    }
  });

  it('needs TLS for sure: with ssl disable or prefer it is refused, naming the fix', () => {
    expect(() => createPool({ connectionString: server.url, ssl: 'prefer', sslNegotiation: 'direct' })).toThrow(/needs TLS for sure: use ssl 'require'/);
    expect(() => createPool({ connectionString: `${server.url}?sslnegotiation=sometimes` })).toThrow(/sslnegotiation must be one of postgres, direct/);
  });
});

/** The server's URL with the host replaced. */
function urlAt(host: string): string {
  const url = new URL(server.url);
  url.hostname = host;
  return url.toString();
}

describe.skipIf(!haveOpenssl || !remoteAddress)('TLS by default, against a server that accepts only TLS from a remote address', () => {
  it('a first connect with default options succeeds, encrypted', async () => {
    const db = createPool({ connectionString: urlAt(remoteAddress!), maxConnectAttempts: 1 });
    try {
      const [row] = await db.sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
      expect(row.ssl).toBe(true);
    } finally {
      await db.end();
    }
  });

  it('verify-full passes with the server\'s CA for the address', async () => {
    const db = createPool({ connectionString: urlAt(remoteAddress!), ssl: { ca: caPem }, maxConnectAttempts: 1 });
    try {
      expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    } finally {
      await db.end();
    }
  });

  it('sslmode=disable is refused by the server, and the error names the sslmode to use', async () => {
    const db = createPool({ connectionString: `${urlAt(remoteAddress!)}?sslmode=disable`, maxConnectAttempts: 1 });
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    await db.end();
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28000', notApplied: true });
    expect(error.message).toMatch(/no encryption/);
    expect(error.message).toContain('connect with sslmode=require');
    expect(error.message).toContain('instead of sslmode=disable');
  });
});

describe.skipIf(!remoteAddress)('a remote server without TLS', () => {
  /** A server that answers SSLRequest with 'N' (TLS off) and records every byte it receives. */
  async function noTlsServer(): Promise<{ port: number; received: Promise<Buffer>; close(): void }> {
    let settle!: (bytes: Buffer) => void;
    const received = new Promise<Buffer>((resolve) => (settle = resolve));
    const srv = net.createServer((socket) => {
      const chunks: Buffer[] = [];
      let answered = false;
      socket.on('data', (chunk) => {
        chunks.push(chunk);
        if (!answered && Buffer.concat(chunks).length >= 8) {
          answered = true;
          socket.write('N');
        }
      });
      socket.on('close', () => settle(Buffer.concat(chunks)));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => srv.listen(0, remoteAddress, resolve));
    return { port: (srv.address() as net.AddressInfo).port, received, close: () => srv.close() };
  }

  it('is never sent the startup message in plain text; the error names sslmode=disable', async () => {
    const front = await noTlsServer();
    try {
      const db = createPool({ connectionString: `postgres://ledger_user:s3cret-pass@${remoteAddress}:${front.port}/shop`, maxConnectAttempts: 1, connectTimeoutMs: 5_000 });
      const error = await db.sql`select 1`.then(() => null, (e) => e);
      await db.end();
      expect(error).toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
      expect(error.message).toContain('does not accept TLS');
      expect(error.message).toContain('sslmode=disable');
      const bytes = await front.received;
      // Only the SSLRequest: no user name, no database name.
      expect([...bytes]).toEqual([0, 0, 0, 8, 4, 210, 22, 47]);
    } finally {
      front.close();
    }
  });
});
