/**
 * How the gateway configures postgres.js for one upstream `/sql` connection. Every connection
 * option is explicit so nothing is taken from PG* variables of the gateway's environment
 * (postgres.js falls back to PGPASSWORD for an empty password otherwise). Values stay the text
 * Postgres sent and parameters go out as the text they came in: postgres.js's type parsers and
 * serializers are replaced by the identity.
 */
import type { Socket } from 'node:net';
import postgres from 'postgres';
import type { UpstreamTarget } from './options.js';

export type Sql = postgres.Sql<Record<string, never>>;

export interface DriverLimits {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** `application_name` of the connection. Default 'warmpool-gateway'. */
  applicationName?: string;
}

/** What the connection decides: the password (asked once), every socket, and its close. */
export interface DriverHooks {
  password: () => string;
  socket: () => Promise<Socket>;
  onclose: () => void;
}

/** OIDs postgres.js has default parsers or serializers for; all mapped to the identity. */
const TEXT_AS_IS = {
  text: {
    to: 25,
    from: [0, 16, 17, 20, 21, 23, 25, 26, 114, 700, 701, 1082, 1114, 1184, 3802],
    serialize: (x: unknown) => x,
    parse: (x: string) => x,
  },
};

/** A postgres.js instance with max 1: the gateway's pool, not the driver, opens and closes connections. */
export function upstreamDriver(target: UpstreamTarget, user: string, limits: DriverLimits, hooks: DriverHooks): Sql {
  return postgres({
    host: target.host,
    port: target.port,
    database: target.database,
    user,
    // A function: never falls back to PGPASSWORD.
    password: hooks.password,
    // The gateway dials (TLS included) and hands over plain protocol.
    ssl: false,
    socket: hooks.socket,
    max: 1,
    prepare: false,
    fetch_types: false,
    idle_timeout: null as unknown as number,
    max_lifetime: null as unknown as number,
    connect_timeout: limits.connectTimeoutMs / 1000,
    keep_alive: 60,
    target_session_attrs: undefined,
    types: TEXT_AS_IS as unknown as Record<string, never>,
    onnotice: () => {},
    onparameter: () => {},
    onclose: hooks.onclose,
    connection: {
      application_name: limits.applicationName ?? 'warmpool-gateway',
      statement_timeout: limits.statementTimeoutMs,
      // A transaction the gateway left open by mistake is ended by the server.
      idle_in_transaction_session_timeout: Math.max(limits.statementTimeoutMs, 60_000),
    } as Record<string, string | number>,
  } as postgres.Options<Record<string, never>>) as unknown as Sql;
}
