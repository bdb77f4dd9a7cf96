import { WarmpoolError } from './errors.js';

/**
 * What sits between the pool and PostgreSQL changes which session features are safe. One profile
 * per pooler, one table: whether named prepared statements work, and whether session timeouts may
 * be sent as startup parameters.
 */
export type PoolerName = 'none' | 'pgbouncer' | 'supavisor' | 'rds-proxy' | 'hyperdrive' | 'neon';

export const POOLERS: readonly PoolerName[] = ['none', 'pgbouncer', 'supavisor', 'rds-proxy', 'hyperdrive', 'neon'];

export interface PoolerProfile {
  /** Default of `prepare`. */
  prepare: boolean;
  /** Whether `idle_session_timeout` and `idle_in_transaction_session_timeout` are sent at connect by default. */
  sessionTimeouts: boolean;
  /** Why, in one line (shown by `warmpool check`). */
  note: string;
}

export const POOLER_PROFILES: Readonly<Record<PoolerName, PoolerProfile>> = {
  none: {
    prepare: false,
    sessionTimeouts: true,
    note: 'direct connection: the server reaps sessions of killed containers',
  },
  pgbouncer: {
    // Named statements need PgBouncer >= 1.21 with max_prepared_statements > 0 (the default
    // since 1.24); older ones, or the setting at 0, fail them in transaction mode.
    prepare: false,
    sessionTimeouts: false,
    note: 'transaction mode: session settings do not outlive a transaction; PgBouncer refuses unknown startup parameters',
  },
  supavisor: {
    prepare: false,
    sessionTimeouts: false,
    note: 'Supavisor in transaction mode does not support named prepared statements; its server connections are shared',
  },
  'rds-proxy': {
    prepare: false,
    sessionTimeouts: false,
    note: 'RDS Proxy multiplexes at transaction boundaries; SET, PREPARE, temp tables and advisory locks pin a session (warned once)',
  },
  hyperdrive: {
    prepare: true,
    sessionTimeouts: false,
    // Hyperdrive's query cache works on named prepared statements.
    note: 'Hyperdrive caches prepared statements; prepare: false turns its caching off',
  },
  neon: {
    prepare: false,
    sessionTimeouts: false,
    note: "Neon's -pooler endpoint is PgBouncer in transaction mode; session settings do not survive its transactions",
  },
};

export interface PoolerHints {
  host: string;
  port: number;
  /** `?pgbouncer=true` (true), `?pgbouncer=false` (false), or absent. */
  pgbouncerParam: boolean | undefined;
  hyperdrive: boolean;
}

/**
 * The pooler a connection goes through, from well-known host names. Only what the name proves:
 * a self-hosted PgBouncer on port 6432 is not assumed (`?pgbouncer=true` or `pooler` says it).
 */
export function detectPooler({ host, port, pgbouncerParam, hyperdrive }: PoolerHints): PoolerName {
  if (hyperdrive) return 'hyperdrive';
  if (pgbouncerParam === true) return 'pgbouncer';
  const name = host.toLowerCase();
  // Supabase's shared pooler: port 6543 is transaction mode, 5432 session mode (a normal session).
  if (name.endsWith('.pooler.supabase.com')) return port === 6543 ? 'supavisor' : 'none';
  // RDS Proxy endpoints: <name>.proxy-<id>.<region>.rds.amazonaws.com (and .com.cn).
  if (name.includes('.rds.amazonaws.com') && /\.proxy-[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com(\.cn)?$/.test(name)) return 'rds-proxy';
  // Neon: the pooled endpoint is the compute's id with -pooler appended.
  if (name.endsWith('.neon.tech') && /^ep-[a-z0-9-]+-pooler\.[a-z0-9.-]+\.neon\.tech$/.test(name)) return 'neon';
  return 'none';
}

export function checkPooler(value: unknown): void {
  if (value !== undefined && !POOLERS.includes(value as PoolerName)) {
    throw new WarmpoolError('INVALID_OPTION', `Option "pooler" must be one of ${POOLERS.join(', ')}; got ${typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value}.`);
  }
}

/**
 * Statements that make RDS Proxy pin the client session to one database connection for the rest
 * of its life. A cheap text check of the statement's start, not a parser: it may miss some and
 * never blocks anything; it only warns.
 */
const PINNING: readonly [RegExp, string][] = [
  [/^\s*set\s+(?!local\b)(session\s+)?[a-z_]/i, 'SET (session setting)'],
  [/^\s*prepare\s/i, 'SQL-level PREPARE'],
  [/^\s*create\s+(global\s+|local\s+)?(temp|temporary)\s+table\b/i, 'temporary table'],
  [/\bpg_(try_)?advisory_(xact_)?lock(_shared)?\s*\(/i, 'advisory lock'],
  [/^\s*listen\s/i, 'LISTEN'],
  [/^\s*declare\s[^;]*\bwith\s+hold\b/i, 'cursor WITH HOLD'],
  [/\bset_config\s*\([^)]*,\s*false\s*\)/i, 'set_config(…, false)'],
];

/** The pinning feature a statement uses, or undefined. */
export function pinningFeature(text: string): string | undefined {
  for (const [pattern, feature] of PINNING) if (pattern.test(text)) return feature;
  return undefined;
}

/** The pooler (given, else detected) and the defaults its profile gives. */
export function poolerDefaults(given: PoolerName | undefined, hints: PoolerHints): PoolerProfile & { pooler: PoolerName } {
  const pooler = given ?? detectPooler(hints);
  return { pooler, ...POOLER_PROFILES[pooler] };
}
