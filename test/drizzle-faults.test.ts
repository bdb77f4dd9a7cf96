import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { bigserial, pgTable, text } from 'drizzle-orm/pg-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from '../src/adapters/drizzle/index.js';
import { EmulatedContainer } from './support/emulated-container.js';
import { createPool, type Pool } from '../src/index.js';
import { pidOf } from './support/container.js';
import { terminateBackend } from './support/db.js';
import { type FaultServer, eventually, sleep, startFaultServer } from './support/fault-server.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';

// warmpool's guarantees through Drizzle: a read or write after a freeze in which the backend was
// killed succeeds (the container is a child process stopped with SIGSTOP between invocations);
// a write whose connection is lost mid-statement is sent once and surfaces OUTCOME_UNKNOWN inside
// Drizzle's DrizzleQueryError; a transaction lost before COMMIT is notApplied. The write ledger
// checks every outcome against the rows the server holds.

const ledger = pgTable('ledger', { id: bigserial('id', { mode: 'number' }), runId: text('run_id').notNull() });

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

async function drizzleContainer(url: string, options: Record<string, unknown>) {
  const container = await EmulatedContainer.start({
    module: fileURLToPath(new URL('./support/drizzle-ledger-handler.ts', import.meta.url)),
    functionName: 'drizzle-ledger',
    env: { DATABASE_URL: url, WARMPOOL_TEST_OPTIONS: JSON.stringify(options) },
  });
  return container;
}

/** Unwraps Drizzle's error for the ledger after checking that Drizzle wrapped warmpool's. */
async function throughDrizzle(work: () => PromiseLike<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    expect(err).toBeInstanceOf(DrizzleQueryError);
    throw (err as DrizzleQueryError).cause;
  }
}

describe('Drizzle in a frozen container', () => {
  it('reads and writes after every freeze in which the backend was terminated', async () => {
    const proxy = await f.proxy();
    const container = await drizzleContainer(proxy.urlFor(f.server.url), { applicationName: 'dz-fz-kill' });
    try {
      const history = new History('drizzle freeze + kill');
      const ops = ['insert', 'select', 'tx-insert', 'select', 'batch-insert', 'insert'] as const;
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
      expect(proxy.peakFor('dz-fz-kill')).toBe(1);
      reportScenario(rowFrom('drizzle: freeze + backend terminated', check, proxy.peakFor('dz-fz-kill'), 1));
    } finally {
      container.kill();
    }
  });
});

describe('Drizzle and a connection lost mid-statement', () => {
  it('sends a write once and reports OUTCOME_UNKNOWN inside DrizzleQueryError', async () => {
    const proxy = await f.proxy();
    const pool = createPool({ connectionString: proxy.urlFor(f.server.url), applicationName: 'dz-nw-write' });
    pools.push(pool);
    const db = drizzle(pool);
    const history = new History('drizzle reset mid-write');
    for (const action of ['reset-after', { resetAfterReplyBytes: 3 }] as const) {
      const id = history.nextId();
      proxy.addRule({ match: (s) => s.params.includes(id), action });
      const outcome = await history.run(id, () => throughDrizzle(() => db.insert(ledger).values({ runId: id }).returning({ id: ledger.id })));
      expect(outcome).toBe('outcome-unknown');
      expect(history.ops.at(-1)?.code).toBe('OUTCOME_UNKNOWN');
      expect(proxy.sends(id).sent).toBe(1);
    }
    // The next statement gets a new connection.
    const id = history.nextId();
    await history.run(id, () => throughDrizzle(() => db.insert(ledger).values({ runId: id })));
    await sleep(proxy.upstreamGraceMs + 200); // let the server finish the cut statements
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ ok: 1, unknown: 2, duplicates: 0 });
    expect(pool.stats()).toMatchObject({ outcomeUnknown: 2, retries: 0 });
    reportScenario(rowFrom('drizzle: reset mid-write', check, proxy.peakFor('dz-nw-write'), 1, `${check.unknownApplied}/${check.unknown} unknown applied`));
  });

  it('a transaction lost before COMMIT is notApplied and left nothing behind', async () => {
    const proxy = await f.proxy();
    const pool = createPool({ connectionString: proxy.urlFor(f.server.url), applicationName: 'dz-nw-tx' });
    pools.push(pool);
    const db = drizzle(pool);
    const history = new History('drizzle tx lost before COMMIT');
    for (const action of ['reset-before', 'reset-after'] as const) {
      const id = history.nextId();
      const second = `${id}-second`;
      // The transaction's second insert loses the connection; COMMIT is never sent.
      proxy.addRule({ match: (s) => s.params.includes(second), action });
      const outcome = await history.run(id, () => throughDrizzle(() => db.transaction(async (tx) => {
        await tx.insert(ledger).values({ runId: id });
        await tx.execute(sql`select ${second}::text`);
      })));
      expect(outcome).toBe('failed');
      expect(history.ops.at(-1)).toMatchObject({ code: 'CONNECTION_LOST' });
    }
    await sleep(proxy.upstreamGraceMs + 200);
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ failed: 2, failedApplied: 0 });
    reportScenario(rowFrom('drizzle: transaction lost before COMMIT', check, proxy.peakFor('dz-nw-tx'), 1, 'notApplied'));
  });
});
