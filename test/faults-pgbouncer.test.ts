import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { resolveOptions } from '../src/options.js';
import { type FaultServer, startFaultServer } from './support/fault-server.js';
import { seededRandom } from './support/fault-proxy.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';
import { MISSING_PGBOUNCER, type PgBouncer, havePgBouncer, startPgBouncer } from '../packages/cli/src/loadtest/pgbouncer.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// Through a real PgBouncer in transaction mode: server connections are shared between clients
// transaction by transaction, so nothing may depend on session state — prepared statements, or
// session settings sent as startup parameters.

expectNoUnhandledErrors();

const SEED = Number(process.env.FAULT_SEED ?? 6);
const available = havePgBouncer();

describe('options for a transaction pooler', () => {
  it('do not send idle_session_timeout behind a pooler said or seen, unless asked to', () => {
    const url = 'postgres://app:pw@pooler.example.com:6432/db';
    // A host name proves no pooler: the session timeouts are sent (a PgBouncer refuses them, and the error says what to pass).
    expect(resolveOptions({ connectionString: url })).toMatchObject({ prepare: false, serverIdleSessionTimeoutMs: 300_000 });
    expect(resolveOptions({ connectionString: `${url}?pgbouncer=true` })).toMatchObject({ prepare: false, serverIdleSessionTimeoutMs: 0 });
    expect(resolveOptions({ connectionString: url, pooler: 'pgbouncer' })).toMatchObject({ serverIdleSessionTimeoutMs: 0 });
    expect(resolveOptions({ connectionString: `${url}?pgbouncer=true`, serverIdleSessionTimeoutMs: 60_000 })).toMatchObject({ serverIdleSessionTimeoutMs: 60_000 });
  });
});

if (!available) {
  describe('through PgBouncer (transaction mode)', () => {
    it.skip(`skipped: ${MISSING_PGBOUNCER}`, () => {});
  });
} else {
  describe('through PgBouncer (transaction mode)', () => {
    let f: FaultServer;
    let bouncer: PgBouncer;
    let password: string;
    const pools: Pool[] = [];
    beforeAll(async () => {
      f = await startFaultServer();
      password = decodeURIComponent(new URL(f.server.url).password);
      bouncer = await startPgBouncer({ upstreamPort: f.server.port, database: 'warmpool', user: 'warmpool_app', password, poolMode: 'transaction', poolSize: 3 });
    });
    afterAll(async () => {
      await Promise.all(pools.map((p) => p.end()));
      await bouncer?.stop();
      await f?.stop();
    });

    it('runs 10 000 statements from 10 containers with ?pgbouncer=true: 0 errors, 0 wrong results, ledger exact', async () => {
      const history = new History('pgbouncer 10k');
      const errors: string[] = [];
      let statements = 0;
      const perPool = 1_000;
      await Promise.all(Array.from({ length: 10 }, async (_, k) => {
        const db = createPool({ connectionString: `${bouncer.url}?pgbouncer=true`, applicationName: `pgb-${k}` });
        pools.push(db);
        const random = seededRandom(SEED + k);
        for (let i = 0; i < perPool; i++) {
          const pick = random();
          try {
            if (pick < 0.5) {
              const [row] = await db.sql`select ${i}::int + ${k}::int as v, ${`k${k}-i${i}`}::text as t`;
              if (row.v !== i + k || row.t !== `k${k}-i${i}`) errors.push(`wrong result ${JSON.stringify(row)} for k${k} i${i}`);
            } else if (pick < 0.7) {
              const id = history.nextId();
              await history.run(id, () => db.sql`insert into ledger (run_id) values (${id})`);
            } else if (pick < 0.85) {
              const id = history.nextId();
              await history.run(id, () => db.transaction(async (tx) => {
                await tx.sql`insert into ledger (run_id) values (${id})`;
                const [row] = await tx.sql`select count(*)::int as n from ledger where run_id = ${id}`;
                if (row.n !== 1) errors.push(`transaction ${id} sees ${row.n} rows`);
              }));
            } else {
              const id = history.nextId();
              await history.run(id, () => db.batch([db.sql`insert into ledger (run_id) values (${id})`, db.sql`select ${id}::text as id`]));
            }
          } catch (err) {
            const e = err as { code?: string; message?: string };
            errors.push(`${e.code}: ${e.message}`);
          }
          statements++;
        }
      }));
      expect(errors).toEqual([]);
      expect(history.notOk()).toEqual([]);
      expect(statements).toBe(10_000);
      const check = await checkLedger(f.admin, history);
      expect(check.violations).toEqual([]);
      const peak = Math.max(...pools.map((p) => p.stats().open));
      reportScenario({ ...rowFrom('PgBouncer transaction mode, 10 k statements', check, peak, 1, `${check.invocations} of them ledger writes; 0 prepared-statement errors`), invocations: statements, ok: statements - errors.length });
    });

    it("runs each invocation's concurrent statements through it: results in order, an error isolated, ledger exact", async () => {
      const history = new History('pgbouncer concurrent');
      const wrong: string[] = [];
      await Promise.all(Array.from({ length: 6 }, async (_, k) => {
        const db = createPool({ connectionString: `${bouncer.url}?pgbouncer=true`, applicationName: `pgb-conc-${k}`, max: 1 });
        pools.push(db);
        const handler = withPool(db, async (i: number) => {
          const id = history.nextId();
          const [read, write, boom, last] = await Promise.allSettled([
            db.sql`select ${i}::int + ${k}::int as v`,
            history.run(id, () => db.sql`insert into ledger (run_id) values (${id})`),
            i % 5 === 0 ? db.sql`select 1 / (${i}::int - ${i}::int) as boom` : db.sql`select 0 as boom`,
            db.sql`select ${`k${k}-i${i}`}::text as t`,
          ]);
          if (read.status !== 'fulfilled' || read.value[0].v !== i + k) wrong.push(`read ${k}/${i}: ${JSON.stringify(read)}`);
          if (write.status !== 'fulfilled') wrong.push(`write ${k}/${i}: ${JSON.stringify(write)}`);
          if (i % 5 === 0 ? boom.status !== 'rejected' || (boom.reason as { code?: string }).code !== '22012' : boom.status !== 'fulfilled') wrong.push(`boom ${k}/${i}: ${JSON.stringify(boom)}`);
          if (last.status !== 'fulfilled' || last.value[0].t !== `k${k}-i${i}`) wrong.push(`last ${k}/${i}: ${JSON.stringify(last)}`);
        });
        for (let i = 0; i < 100; i++) await handler(i, { getRemainingTimeInMillis: () => 30_000 });
      }));
      expect(wrong).toEqual([]);
      expect(history.notOk()).toEqual([]);
      const check = await checkLedger(f.admin, history);
      expect(check.violations).toEqual([]);
    });

    it('fails fast and clearly when idle_session_timeout is sent to a pooler that rejects it', async () => {
      const db = createPool({ connectionString: `${bouncer.url}?pgbouncer=true`, applicationName: 'pgb-explicit', serverIdleSessionTimeoutMs: 60_000, maxConnectAttempts: 4 });
      pools.push(db);
      const error = await db.sql`select 1`.then(() => null, (e) => e);
      // PgBouncer answers 08P01, which it also uses for transient refusals, so it is retried, but
      // only maxConnectAttempts times; the error names the parameter and keeps the SQLSTATE.
      expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '08P01', notApplied: true });
      expect(error.message).toMatch(/unsupported startup parameter: idle_session_timeout/);
      expect(db.stats()).toMatchObject({ connectFailures: 4, connectRetries: 3 });
    });

    it('accepts it when PgBouncer is told to ignore it (ignore_startup_parameters)', async () => {
      const tolerant = await startPgBouncer({ upstreamPort: f.server.port, database: 'warmpool', user: 'warmpool_app', password, ignoreStartupParameters: ['idle_session_timeout', 'idle_in_transaction_session_timeout'] });
      try {
        const db = createPool({ connectionString: `${tolerant.url}?pgbouncer=true`, applicationName: 'pgb-ignore', serverIdleSessionTimeoutMs: 60_000 });
        expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
        await db.end();
      } finally {
        await tolerant.stop();
      }
    });
  });
}
