// TLS for bench/rtt.ts: the embedded server starts without it, and turning it on takes a
// self-signed certificate and a reload. A server given by DATABASE_URL is used as it is.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { EmbeddedServer } from '../../packages/cli/src/local-db/embedded-postgres.js';

/** Turns TLS on; resolves to why it could not, or undefined once the server offers it. */
export async function enableTls(server: EmbeddedServer | undefined, url: string): Promise<string | undefined> {
  if (server) {
    const made = makeCertificate(server.dataDir);
    if (made) return made;
    const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin`alter system set ssl = on`;
      await admin`select pg_reload_conf()`;
    } finally {
      await admin.end({ timeout: 1 });
    }
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // The reload is asynchronous: wait until the setting shows.
    for (let i = 0; i < 50; i++) {
      const [row] = await sql`select setting from pg_settings where name = 'ssl'`;
      if (row.setting === 'on') return undefined;
      if (!server) return 'the server at DATABASE_URL has ssl = off';
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return 'ssl = on did not take effect after a reload';
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** server.crt and server.key in the data directory, owned by the server's OS user (it refuses a key others can read). */
function makeCertificate(dataDir: string): string | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'warmpool-rtt-tls-'));
  try {
    const key = path.join(dir, 'server.key');
    const crt = path.join(dir, 'server.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', crt], { stdio: 'ignore' });
    const owner = statSync(dataDir);
    for (const file of [key, crt]) {
      const target = path.join(dataDir, path.basename(file));
      writeFileSync(target, readFileSync(file), { mode: 0o600 });
      chownSync(target, owner.uid, owner.gid);
    }
    return undefined;
  } catch (err) {
    return `no certificate: openssl failed (${(err as Error).message.split('\n')[0]})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
