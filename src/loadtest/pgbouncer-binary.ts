/** Where Debian's PgBouncer is, and whether it runs: shared by the load test and src/testing. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian installs it in /usr/sbin, which is not on every user's PATH. */
export const PGBOUNCER = process.env.PGBOUNCER_BIN ?? (existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer');

export const MISSING_PGBOUNCER = 'PgBouncer is not installed: apt-get install -y pgbouncer (.ci/run installs it), or set PGBOUNCER_BIN';

let available: boolean | undefined;

/** Runs `pgbouncer --version` once per process. */
export function havePgBouncer(): boolean {
  available ??= spawnSync(PGBOUNCER, ['--version'], { stdio: 'ignore' }).status === 0;
  return available;
}
