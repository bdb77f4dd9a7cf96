/**
 * The database side of a load-test run: DATABASE_URL or a throwaway server, the schema, the
 * server's own counters, and the ledger check afterwards.
 */
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../local-db/embedded-postgres.js';

export interface ThrowawayServer {
  url: string;
  /** A superuser on the throwaway server; DATABASE_URL itself on the user's. */
  adminUrl: string;
  /** The database the strategies use. */
  database: string;
  /** true: the user's DATABASE_URL, whose settings the run reads instead of setting them. */
  external: boolean;
  stop(): Promise<void>;
}

/** DATABASE_URL when given (and `embedded` is false), else a throwaway server with the run's settings. */
export async function openServer(settings: { maxConnections: number; serverIdleTimeoutMs: number }, databaseUrl: string | undefined, embedded: boolean): Promise<ThrowawayServer> {
  if (databaseUrl && !embedded) {
    const url = new URL(databaseUrl);
    const database = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres';
    return { url: databaseUrl, adminUrl: databaseUrl, database, external: true, stop: async () => {} };
  }
  const server = await startEmbeddedPostgres({
    maxConnections: settings.maxConnections,
    settings: { idle_session_timeout: `${settings.serverIdleTimeoutMs}ms` },
    quiet: true,
  });
  return { url: server.url, adminUrl: server.adminUrl, database: 'warmpool', external: false, stop: () => server.stop() };
}

export async function createSchema(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`create table if not exists lt_items (id int primary key, name text not null)`;
    await sql`insert into lt_items select i, 'item ' || i from generate_series(1, 100) i on conflict do nothing`;
    // No unique constraint on write_id: a write that ran twice must show up twice.
    await sql`create table if not exists lt_ledger (write_id text not null, strategy text not null, environment text, at timestamptz not null default clock_timestamp())`;
    await sql`create index if not exists lt_ledger_strategy on lt_ledger (strategy, write_id)`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export async function sessionsOpened(admin: postgres.Sql): Promise<number> {
  const read = async () => {
    await admin`select pg_stat_clear_snapshot()`;
    const [row] = await admin`select sessions::int as n from pg_stat_database where datname = current_database()`;
    return row.n as number;
  };
  // A read of the server's counters: when the sampler's own session was cut, it is read once more
  // on a new one (postgres.js reconnects), rather than failing the whole run.
  return read().catch((err: { code?: string }) => {
    if (err?.code !== 'CONNECTION_CLOSED' && err?.code !== 'ECONNRESET') throw err;
    return read();
  });
}

/** After the containers are killed, their sessions end; any left (a stuck backend) are terminated. */
export async function waitForNoConnections(admin: postgres.Sql, strategy: string): Promise<void> {
  const count = async () => {
    const [row] = await admin`select count(*)::int as n from pg_stat_activity where application_name = ${`lt:${strategy}`} or application_name like ${`lt:${strategy}:%`}`;
    return row.n as number;
  };
  for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  // On the user's server its role may not signal every backend: those are left to end on their own.
  await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${`lt:${strategy}`} or application_name like ${`lt:${strategy}:%`}`.catch(() => undefined);
  for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
}
