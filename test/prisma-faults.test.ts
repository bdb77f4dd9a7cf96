import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PrismaWarmpool } from '../src/adapters/prisma/index.js';
import { EmulatedContainer } from './support/emulated-container.js';
import { createPool, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { pidOf } from './support/container.js';
import { terminateBackend } from './support/db.js';
import { type FaultServer, eventually, sleep, startFaultServer } from './support/fault-server.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';
import { type GeneratedClient, type PrismaModule, generateClient } from './prisma/setup.js';

// warmpool's guarantees through Prisma: a read after a freeze in which the backend was killed
// succeeds; a write whose connection is lost mid-statement is never sent again and surfaces
// OUTCOME_UNKNOWN; a transaction lost before COMMIT is notApplied. Containers are child
// processes frozen with SIGSTOP; faults come from the fault proxy; the ledger counts every write.

/* eslint-disable @typescript-eslint/no-explicit-any */
let f: FaultServer;
let generated: GeneratedClient;
let prisma: PrismaModule;
const containers: EmulatedContainer[] = [];
const pools: Pool[] = [];

beforeAll(async () => {
  [f, generated] = await Promise.all([startFaultServer(), generateClient()]);
  prisma = await generated.load();
});
afterEach(async () => {
  for (const c of containers.splice(0)) c.kill();
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await f.cleanup();
});
afterAll(async () => {
  await f?.stop();
  await generated?.remove();
});

async function container(url: string, options: Record<string, unknown>): Promise<EmulatedContainer> {
  const c = await EmulatedContainer.start({
    module: fileURLToPath(new URL('./prisma/ledger-handler.ts', import.meta.url)),
    functionName: 'prisma-ledger',
    env: { DATABASE_URL: url, WARMPOOL_TEST_OPTIONS: JSON.stringify(options), PRISMA_CLIENT_MODULE: pathToFileURL(generated.modulePath).href },
  });
  containers.push(c);
  return c;
}

/** Prisma on a pool of this process through `url`, with a Lambda-style invocation wrapper. */
function prismaOn(url: string, applicationName: string): { client: any; invoke: <T>(fn: () => Promise<T>) => Promise<T> } {
  const db = createPool({ connectionString: url, applicationName, max: 1 });
  pools.push(db);
  const client = new prisma.PrismaClient({ adapter: new PrismaWarmpool(db) });
  const handler = withPool(db, async (fn: () => Promise<unknown>) => fn());
  return { client, invoke: (fn) => handler(fn, { getRemainingTimeInMillis: () => 5_000 }) as Promise<never> };
}

/** What the ledger needs from a Prisma error: its code, and notApplied from meta where Prisma put it. */
function ledgerError(error: any) {
  return { name: error?.name, code: error?.code, message: error?.message, notApplied: error?.notApplied ?? error?.meta?.notApplied };
}

describe('Prisma in a frozen container', () => {
  it('reads and writes after a freeze in which its backend was terminated', async () => {
    const proxy = await f.proxy();
    const c = await container(proxy.urlFor(f.server.url), { applicationName: 'pz-kill' });
    const history = new History('prisma freeze + kill');
    for (let round = 0; round < 4; round++) {
      const opId = history.nextId();
      const write = await c.invoke({ op: 'create', runId: opId }, 10_000);
      history.outcome(opId, write);
      const readId = history.nextId();
      const read = await c.invoke({ op: 'read' }, 10_000);
      history.outcome(readId, read, 'read');
      expect(read).toMatchObject({ ok: true, result: { rows: round + 1 } });
      // Kill the backend while the container is frozen; wait until the proxy passed the close on.
      await terminateBackend(f.admin, pidOf(read));
      await eventually(async () => proxy.counters.upstreamOpen === 0, 2_000);
      await sleep(50);
    }
    const stats = (await c.invoke({ op: 'stats' })).result as Record<string, number>;
    const check = await checkLedger(f.admin, history);
    expect(history.notOk()).toEqual([]);
    expect(check.violations).toEqual([]);
    expect(check.ok).toBe(8);
    expect(stats).toMatchObject({ outcomeUnknown: 0, created: 4 });
    expect(proxy.peakFor('pz-kill')).toBe(1);
    reportScenario(rowFrom('prisma: freeze + backend terminated', check, proxy.peakFor('pz-kill'), 1));
  });
});

describe('Prisma when the connection is lost', () => {
  it('never sends a write twice: a create lost mid-statement is OUTCOME_UNKNOWN, and the next one works', async () => {
    const proxy = await f.proxy();
    const { client, invoke } = prismaOn(proxy.urlFor(f.server.url), 'pz-write');
    const history = new History('prisma write lost');
    for (const action of ['reset-after', 'reset-before'] as const) {
      const opId = history.nextId();
      proxy.addRule({ match: (s) => s.params.includes(opId), action });
      const error: any = await invoke(() => client.ledger.create({ data: { runId: opId } })).catch((e: unknown) => e);
      history.error(opId, ledgerError(error));
      // Prisma rethrows the pool's error with its code, and notApplied in meta.
      expect({ action, name: error?.name, code: error?.code, meta: error?.meta }).toEqual({ action, name: 'PrismaClientKnownRequestError', code: 'OUTCOME_UNKNOWN', meta: { modelName: 'Ledger', notApplied: false } });
      expect(proxy.sends(opId).sent).toBe(1);
      const next = history.nextId();
      await history.run(next, () => invoke(() => client.ledger.create({ data: { runId: next } })));
    }
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ ok: 2, unknown: 2, duplicates: 0 });
    reportScenario(rowFrom('prisma: create lost mid-statement', check, proxy.peakFor('pz-write'), 1, 'OUTCOME_UNKNOWN, sent once'));
  });

  it('reports a transaction lost before COMMIT as notApplied, and nothing of it is in the ledger', async () => {
    const proxy = await f.proxy();
    const { client, invoke } = prismaOn(proxy.urlFor(f.server.url), 'pz-tx');
    const history = new History('prisma tx lost');
    for (const action of ['reset-after', 'reset-before'] as const) {
      const opId = history.nextId();
      proxy.addRule({ match: (s) => s.params.includes(opId), action });
      const error: any = await invoke(() => client.$transaction(async (tx: any) => tx.ledger.create({ data: { runId: opId } }))).catch((e: unknown) => e);
      history.error(opId, ledgerError(error));
      expect({ action, code: error?.code, notApplied: error?.meta?.notApplied }).toEqual({ action, code: 'CONNECTION_LOST', notApplied: true });
      const next = history.nextId();
      await history.run(next, () => invoke(() => client.$transaction(async (tx: any) => tx.ledger.create({ data: { runId: next } }))));
    }
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ ok: 2, failed: 2, duplicates: 0 });
    reportScenario(rowFrom('prisma: transaction lost before COMMIT', check, proxy.peakFor('pz-tx'), 1, 'CONNECTION_LOST, notApplied'));
  });

  it('reports a COMMIT lost in flight as OUTCOME_UNKNOWN', async () => {
    const proxy = await f.proxy();
    const { client, invoke } = prismaOn(proxy.urlFor(f.server.url), 'pz-commit');
    const history = new History('prisma commit lost');
    const opId = history.nextId();
    let armed = false;
    // The statement after this transaction's insert is its COMMIT: cut the connection right after sending it.
    proxy.addRule({ match: (s) => (armed ? /^commit/i.test(s.text) : ((armed = s.params.includes(opId)), false)), action: 'reset-after' });
    const error: any = await invoke(() => client.$transaction(async (tx: any) => tx.ledger.create({ data: { runId: opId } }))).catch((e: unknown) => e);
    history.error(opId, ledgerError(error));
    expect({ code: error?.code, notApplied: error?.notApplied ?? error?.meta?.notApplied }).toEqual({ code: 'OUTCOME_UNKNOWN', notApplied: false });
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ unknown: 1, duplicates: 0 });
    reportScenario(rowFrom('prisma: COMMIT lost in flight', check, proxy.peakFor('pz-commit'), 1, `OUTCOME_UNKNOWN, applied ${check.unknownApplied}`));
  });
});
