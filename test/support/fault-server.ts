import type { EmulatedContainer } from './emulated-container.js';
import { type EmbeddedServer, type StartOptions, startEmbeddedPostgres } from '../../packages/cli/src/local-db/embedded-postgres.js';
import { ledgerContainer } from './container.js';
import { type AdminSql, adminClient } from './db.js';
import { FaultProxy, type ProxyOptions } from './fault-proxy.js';
import { LEDGER_DDL } from './ledger.js';
import { passwordOf, registerSecret } from './secret-watch.js';

/**
 * A dedicated PostgreSQL for fault scenarios (they restart it, change its settings, fill its
 * connection slots), with the ledger table, a superuser client, and cleanup of every proxy and
 * container a test started.
 */
export interface FaultServer {
  server: EmbeddedServer;
  /** Superuser client on the app database. */
  admin: AdminSql;
  proxy(options?: Omit<ProxyOptions, 'upstreamPort'>): Promise<FaultProxy>;
  container(url: string, options?: Record<string, unknown>): Promise<EmulatedContainer>;
  /** Kills containers and closes proxies started so far. */
  cleanup(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultServer(options: StartOptions = {}): Promise<FaultServer> {
  const server = await startEmbeddedPostgres({ quiet: true, ...options });
  registerSecret(passwordOf(server.url));
  registerSecret(passwordOf(server.adminUrl));
  const admin = adminClient(server.adminUrl);
  const app = adminClient(server.url);
  await app.unsafe(LEDGER_DDL);
  await app.end();
  const proxies: FaultProxy[] = [];
  const containers: EmulatedContainer[] = [];
  const cleanup = async () => {
    for (const c of containers.splice(0)) c.kill();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  };
  return {
    server,
    admin,
    async proxy(proxyOptions = {}) {
      const proxy = await FaultProxy.start({ upstreamPort: server.port, ...proxyOptions });
      proxies.push(proxy);
      return proxy;
    },
    async container(url, containerOptions = {}) {
      const container = await ledgerContainer(url, containerOptions);
      containers.push(container);
      return container;
    },
    cleanup,
    async stop() {
      await cleanup();
      await admin.end({ timeout: 1 });
      await server.stop();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true or `ms` pass; resolves to whether it became true. */
export async function eventually(probe: () => Promise<boolean>, ms: number, everyMs = 50): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= until) return false;
    await sleep(everyMs);
  }
}

/** Backends of the app user whose application_name starts with `prefix`, with their state. */
export async function backends(admin: AdminSql, prefix: string): Promise<{ pid: number; state: string | null; query: string }[]> {
  return admin`select pid, state, query from pg_stat_activity where application_name like ${prefix + '%'}`;
}
