import { fileURLToPath } from 'node:url';
import { type Generated, Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WarmpoolDialect } from '../src/adapters/kysely/index.js';
import { EmulatedContainer } from './support/emulated-container.js';
import { WarmpoolError, createPool, type Pool } from '../src/index.js';
import { pidOf } from './support/container.js';
import { terminateBackend } from './support/db.js';
import { type FaultServer, eventually, sleep, startFaultServer } from './support/fault-server.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';

// warmpool's guarantees through Kysely: a read or write after a freeze in which the backend was
// killed succeeds (the container is a child process stopped with SIGSTOP between invocations);
// a write whose connection is lost mid-statement is sent once and rejects with OUTCOME_UNKNOWN
// (Kysely passes driver errors on unwrapped); a transaction lost before COMMIT is notApplied. The
// write ledger checks every outcome against the rows the server holds.

interface Ledger {
  ledger: { id: Generated<number>; run_id: string };
}

let f: FaultServer;
const pools: Pool[] = [];
beforeAll(async () => {
  f = await startFaultServer();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await f.cleanup();
});
afterAll(() => f?.stop());

function kyselyOn(url: string, applicationName: string): Kysely<Ledger> {
  const pool = createPool({ connectionString: url, applicationName });
  pools.push(pool);
  return new Kysely<Ledger>({ dialect: new WarmpoolDialect({ pool }) });
}

/** Checks that Kysely let warmpool's error through as it is. */
async function throughKysely(work: () => PromiseLike<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    expect(err).toBeInstanceOf(WarmpoolError);
    throw err;
  }
}

describe('Kysely in a frozen container', () => {
  it('reads and writes after every freeze in which the backend was terminated', async () => {
    const proxy = await f.proxy();
    const container = await EmulatedContainer.start({
      module: fileURLToPath(new URL('./support/kysely-ledger-handler.ts', import.meta.url)),
      functionName: 'kysely-ledger',
      env: { DATABASE_URL: proxy.urlFor(f.server.url), WARMPOOL_TEST_OPTIONS: JSON.stringify({ applicationName: 'ky-fz-kill' }) },
    });
    try {
      const history = new History('kysely freeze + kill');
      const ops = ['insert', 'select', 'tx-insert', 'select', 'insert'] as const;
      for (const [round, op] of ops.entries()) {
        const opId = history.nextId();
        const outcome = await container.invoke({ op, runId: opId }, 10_000);
        history.outcome(opId, outcome, op === 'select' ? 'read' : 'write');
        if (round < ops.length - 1 && outcome.ok) {
          // Frozen: the server kills the backend and the proxy passes the FATAL on before the thaw.
          await terminateBackend(f.admin, pidOf(outcome));
          await eventually(async () => proxy.counters.upstreamOpen === 0, 2_000);
          await sleep(50);
        }
      }
      const stats = (await container.invoke({ op: 'stats' })).result as Record<string, number>;
      const check = await checkLedger(f.admin, history);
      expect(history.notOk()).toEqual([]);
      expect(check.violations).toEqual([]);
      expect(stats).toMatchObject({ outcomeUnknown: 0, created: ops.length });
      expect(proxy.peakFor('ky-fz-kill')).toBe(1);
      reportScenario(rowFrom('kysely: freeze + backend terminated', check, proxy.peakFor('ky-fz-kill'), 1));
    } finally {
      container.kill();
    }
  });
});

describe('Kysely and a connection lost mid-statement', () => {
  it('sends a write once and rejects with OUTCOME_UNKNOWN', async () => {
    const proxy = await f.proxy();
    const db = kyselyOn(proxy.urlFor(f.server.url), 'ky-nw-write');
    const history = new History('kysely reset mid-write');
    for (const action of ['reset-after', { resetAfterReplyBytes: 3 }] as const) {
      const id = history.nextId();
      proxy.addRule({ match: (s) => s.params.includes(id), action });
      const outcome = await history.run(id, () => throughKysely(() => db.insertInto('ledger').values({ run_id: id }).returning('id').execute()));
      expect(outcome).toBe('outcome-unknown');
      expect(history.ops.at(-1)?.code).toBe('OUTCOME_UNKNOWN');
      expect(proxy.sends(id).sent).toBe(1);
    }
    // The next statement gets a new connection.
    const id = history.nextId();
    await history.run(id, () => throughKysely(() => db.insertInto('ledger').values({ run_id: id }).execute()));
    await sleep(proxy.upstreamGraceMs + 200); // let the server finish the cut statements
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ ok: 1, unknown: 2, duplicates: 0 });
    expect(pools[0].stats()).toMatchObject({ retries: 0 });
    reportScenario(rowFrom('kysely: reset mid-write', check, proxy.peakFor('ky-nw-write'), 1, `${check.unknownApplied}/${check.unknown} unknown applied`));
  });

  it('a transaction lost before COMMIT is notApplied and left nothing behind', async () => {
    const proxy = await f.proxy();
    const db = kyselyOn(proxy.urlFor(f.server.url), 'ky-nw-tx');
    const history = new History('kysely tx lost before COMMIT');
    for (const action of ['reset-before', 'reset-after'] as const) {
      const id = history.nextId();
      const second = `${id}-second`;
      // The transaction's second statement loses the connection; COMMIT is never sent.
      proxy.addRule({ match: (s) => s.params.includes(second), action });
      const outcome = await history.run(id, () => throughKysely(() => db.transaction().execute(async (trx) => {
        await trx.insertInto('ledger').values({ run_id: id }).execute();
        await sql`select ${second}::text`.execute(trx);
      })));
      expect(outcome).toBe('failed');
      expect(history.ops.at(-1)).toMatchObject({ code: 'CONNECTION_LOST' });
    }
    await sleep(proxy.upstreamGraceMs + 200);
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ failed: 2, failedApplied: 0 });
    reportScenario(rowFrom('kysely: transaction lost before COMMIT', check, proxy.peakFor('ky-nw-tx'), 1, 'notApplied'));
  });
});
