import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../local-db/embedded-postgres.js';

/**
 * A real PgBouncer (Debian's `pgbouncer` package) in front of a throwaway server, for the load
 * test's warmpool-pgbouncer strategy and the fault tests. When it is missing the strategy says so
 * and tests skip. It refuses to run as root, so as root it runs as the `postgres` OS user, like
 * the embedded server.
 */

/** Debian installs it in /usr/sbin, which is not on every user's PATH. */
export const PGBOUNCER = process.env.PGBOUNCER_BIN ?? (existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer');

export const MISSING_PGBOUNCER = 'PgBouncer is not installed: apt-get install -y pgbouncer (or set PGBOUNCER_BIN to its path)';

let available: boolean | undefined;

/** Runs `pgbouncer --version` once per process. */
export function havePgBouncer(): boolean {
  available ??= spawnSync(PGBOUNCER, ['--version'], { stdio: 'ignore' }).status === 0;
  return available;
}

export interface PgBouncerOptions {
  upstreamPort: number;
  database: string;
  user: string;
  password: string;
  poolMode?: 'session' | 'transaction' | 'statement';
  /** Server connections per user/database pair. */
  poolSize?: number;
  /** application_name of PgBouncer's server connections (a client's own name replaces it while it runs). */
  applicationName?: string;
  /** Client connections PgBouncer accepts (default 500). */
  maxClientConnections?: number;
  /** Startup parameters PgBouncer should accept and drop. */
  ignoreStartupParameters?: string[];
  /** Users allowed read-only SHOW commands on the admin console (database "pgbouncer"). */
  statsUsers?: string[];
}

export interface PgBouncer {
  port: number;
  /** The URL of `user` through PgBouncer. */
  url: string;
  log(): string;
  stop(): Promise<void>;
}

function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error('Running as root, but there is no "postgres" OS user to run PgBouncer as.');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const runAs = postgresUser();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'warmpool-pgbouncer-'));
  const port = await freePort();
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const files = {
    ini: path.join(dir, 'pgbouncer.ini'),
    users: path.join(dir, 'userlist.txt'),
    log: path.join(dir, 'pgbouncer.log'),
    pid: path.join(dir, 'pgbouncer.pid'),
  };
  writeFileSync(files.users, `${quote(options.user)} ${quote(options.password)}\n`, { mode: 0o600 });
  writeFileSync(files.ini, [
    '[databases]',
    `${options.database} = host=127.0.0.1 port=${options.upstreamPort} dbname=${options.database}${options.applicationName ? ` application_name=${options.applicationName}` : ''}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${files.users}`,
    `pool_mode = ${options.poolMode ?? 'transaction'}`,
    `default_pool_size = ${options.poolSize ?? 3}`,
    `max_client_conn = ${options.maxClientConnections ?? 500}`,
    `logfile = ${files.log}`,
    `pidfile = ${files.pid}`,
    ...(options.ignoreStartupParameters?.length ? [`ignore_startup_parameters = ${options.ignoreStartupParameters.join(',')}`] : []),
    ...(options.statsUsers?.length ? [`stats_users = ${options.statsUsers.join(',')}`] : []),
    '',
  ].join('\n'), { mode: 0o600 });
  if (runAs.uid !== undefined) for (const p of [dir, files.ini, files.users]) chownSync(p, runAs.uid, runAs.gid!);

  const child: ChildProcess = spawn(PGBOUNCER, [files.ini], { ...runAs, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  let exited = false;
  child.once('exit', () => (exited = true));
  const log = () => {
    try {
      return readFileSync(files.log, 'utf8');
    } catch {
      return stderr;
    }
  };
  for (let i = 0; !(await accepting(port)); i++) {
    if (exited || i > 100) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`PgBouncer did not start: ${log().trim().split('\n').slice(-5).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `postgres://${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${options.database}`,
    log,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM'); // immediate shutdown
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3_000))]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
