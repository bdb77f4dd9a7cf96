import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { pgbouncerVersion, supportsPreparedStatements } from '../packages/cli/src/check/pooler.js';
import { MISSING_PGBOUNCER, type PgBouncer, havePgBouncer, startPgBouncer } from '../packages/cli/src/loadtest/pgbouncer.js';
import { type FaultServer, startFaultServer } from './support/fault-server.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';
import { databaseUrl } from './support/env.js';

// pooler: 'pgbouncer' against Debian's PgBouncer in transaction mode: the profile's defaults must
// work there as they are, and `warmpool check` must say what it can prove about the pooler.

expectNoUnhandledErrors();

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../packages/cli/src/cli.ts');
const TSX = path.resolve(import.meta.dirname, '../node_modules/.bin/tsx');

describe('supportsPreparedStatements', () => {
  it('is true from PgBouncer 1.21', () => {
    expect(['PgBouncer 1.18.0', 'PgBouncer 1.20.1'].map(supportsPreparedStatements)).toEqual([false, false]);
    expect(['PgBouncer 1.21.0', 'PgBouncer 1.24.1', 'PgBouncer 2.0.0'].map(supportsPreparedStatements)).toEqual([true, true, true]);
  });
});

describe('PgBouncer version on a plain PostgreSQL server', () => {
  it('is unknown, and says why', async () => {
    const result = await pgbouncerVersion(resolveOptions({ connectionString: databaseUrl() }));
    expect(result.version).toBeUndefined();
    expect(result.reason).toContain('no PgBouncer admin console here');
  });
});

if (!havePgBouncer()) {
  describe("pooler 'pgbouncer' through PgBouncer", () => {
    it.skip(`skipped: ${MISSING_PGBOUNCER}`, () => {});
  });
} else {
  describe("pooler 'pgbouncer' through PgBouncer (transaction mode)", () => {
    let f: FaultServer;
    let bouncer: PgBouncer;
    let version: string;
    const pools: Pool[] = [];
    beforeAll(async () => {
      f = await startFaultServer();
      const password = decodeURIComponent(new URL(f.server.url).password);
      bouncer = await startPgBouncer({ upstreamPort: f.server.port, database: 'warmpool', user: 'warmpool_app', password, poolMode: 'transaction', poolSize: 2, statsUsers: ['warmpool_app'] });
      const found = await pgbouncerVersion(resolveOptions({ connectionString: bouncer.url }));
      if (!found.version) throw new Error(`no version: ${found.reason}`);
      version = found.version;
    });
    afterAll(async () => {
      await Promise.all(pools.map((p) => p.end()));
      await bouncer?.stop();
      await f?.stop();
    });

    it('reads the version from the admin console', () => {
      expect(version).toMatch(/^PgBouncer \d+\.\d+/);
    });

    it('runs statements, transactions and batches from 6 pools sharing 2 server connections', async () => {
      // Prepared statements only where this PgBouncer can carry them (>= 1.21); else the profile's default, off.
      const prepare = supportsPreparedStatements(version) ? { prepare: true } : {};
      const errors: string[] = [];
      await Promise.all(Array.from({ length: 6 }, async (_, k) => {
        const db = createPool({ connectionString: bouncer.url, pooler: 'pgbouncer', applicationName: `pgb-profile-${k}`, max: 2, ...prepare });
        pools.push(db);
        for (let i = 0; i < 150; i++) {
          try {
            const [row] = await db.sql`select ${i}::int * 2 as v, ${`k${k}`}::text as t`;
            if (row!.v !== i * 2 || row!.t !== `k${k}`) errors.push(`wrong ${JSON.stringify(row)}`);
            if (i % 10 === 0) {
              const n = await db.transaction(async (tx) => (await tx.sql`select ${k}::int as n`)[0]!.n);
              if (n !== k) errors.push(`transaction saw ${n}`);
              const [a, b] = await db.batch([db.sql`select 1 as one`, db.sql`select ${i}::int as i`]);
              if (a[0]!.one !== 1 || b[0]!.i !== i) errors.push('wrong batch');
            }
          } catch (err) {
            errors.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
          }
        }
      }));
      expect(errors).toEqual([]);
      expect(pools[0]!.stats()).toMatchObject({ created: expect.any(Number) });
    });

    it('a PgBouncer its host name does not reveal, refusing the session timeouts, is named in the connect error with the option to pass', async () => {
      const db = createPool({ connectionString: bouncer.url, applicationName: 'pgb-undetected', max: 1 });
      pools.push(db);
      const failure = await db.query('select 1').then(() => undefined, (err: unknown) => err);
      expect(failure).toMatchObject({ code: 'CONNECT_FAILED', message: expect.stringMatching(/unsupported startup parameter.*pooler: 'pgbouncer'/s) });
      expect((failure as Error).message).not.toContain(decodeURIComponent(new URL(bouncer.url).password));
    });

    it('warmpool check reports the pooler profile, the PgBouncer version and the port in between', async () => {
      const { stdout } = await run(TSX, [CLI, 'check', `${bouncer.url}?pgbouncer=true`]);
      expect(stdout).toContain('pooler        pgbouncer: transaction mode');
      expect(stdout).toContain(`pgbouncer     ${version}: `);
      expect(stdout).toContain(`the server listens on port ${f.server.port}, this URL dials ${bouncer.port}`);
      expect(stdout).not.toContain(decodeURIComponent(new URL(bouncer.url).password));
    });
  });
}
