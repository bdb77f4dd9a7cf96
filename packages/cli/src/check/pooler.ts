import postgres from 'postgres';
import { POOLER_PROFILES, type PoolerName } from 'warmpool';
import { type ResolvedOptions, passwordFor, redactSecrets } from 'warmpool/internal';

/**
 * What `warmpool check` can tell about a pooler. A pooler is invisible on a normal session, so
 * this reports what can be proven: the profile the host name or URL selects, a server port that
 * differs from the one dialled (something in between), and PgBouncer's version, which PgBouncer
 * gives only on its admin console (database "pgbouncer", to users in admin_users or stats_users).
 */

export interface PoolerReport {
  pooler: PoolerName;
  note: string;
  /** "PgBouncer 1.24.1", when its admin console answered SHOW VERSION. */
  pgbouncerVersion?: string;
  /** Why the version is not known. */
  pgbouncerUnknown?: string;
}

/** SHOW VERSION on PgBouncer's admin console, with the pool's own credentials. */
export async function pgbouncerVersion(options: ResolvedOptions): Promise<{ version?: string; reason?: string }> {
  const password = await passwordFor(options);
  const sql = postgres({
    host: options.host,
    port: options.port,
    user: options.user,
    password,
    database: 'pgbouncer',
    ssl: options.ssl === 'disable' ? false : (options.ssl as 'require'),
    max: 1,
    prepare: false,
    fetch_types: false,
    connect_timeout: Math.ceil(options.connectTimeoutMs / 1000),
    onnotice: () => {},
  });
  try {
    // The console speaks the simple protocol only: no parameters, so postgres.js uses it.
    const rows = await sql.unsafe('SHOW VERSION');
    const version = rows[0] && Object.values(rows[0])[0];
    return typeof version === 'string' ? { version } : { reason: 'the admin console answered SHOW VERSION without a version' };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const message = redactSecrets(e.message ?? String(err), password ? [password] : []);
    if (e.code === '3D000') return { reason: 'no PgBouncer admin console here (a PostgreSQL server, or a pooler without one, answered: database "pgbouncer" does not exist)' };
    return { reason: `the admin console refused (${message}); PgBouncer answers SHOW VERSION only to users in admin_users or stats_users` };
  } finally {
    await sql.end({ timeout: 0 });
  }
}

export async function poolerReport(options: ResolvedOptions): Promise<PoolerReport> {
  const report: PoolerReport = { pooler: options.pooler, note: POOLER_PROFILES[options.pooler].note };
  // Hosted poolers (Supavisor, RDS Proxy, Neon, Hyperdrive) have no PgBouncer console to ask.
  if (options.pooler !== 'none' && options.pooler !== 'pgbouncer') return report;
  const { version, reason } = await pgbouncerVersion(options);
  if (version) report.pgbouncerVersion = version;
  else report.pgbouncerUnknown = reason;
  return report;
}

/** PgBouncer >= 1.21 can carry protocol-level prepared statements (with max_prepared_statements > 0). */
export function supportsPreparedStatements(version: string): boolean {
  const match = /(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 1 || (major === 1 && minor >= 21);
}
