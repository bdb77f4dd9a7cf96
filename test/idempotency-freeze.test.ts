import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmulatedContainer } from './support/emulated-container.js';
import type { FaultProxy, SeenStatement } from './support/fault-proxy.js';
import { type FaultServer, startFaultServer } from './support/fault-server.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// A keyed write in a container stopped with SIGSTOP while its COMMIT is in flight, as Lambda
// freezes one: the connection is cut while it cannot see it (after the server committed, or
// before COMMIT reached it), then it is thawed with SIGCONT. The invocation resolves to the
// stored result (applied), to a rerun (not applied), or for a batch to ALREADY_APPLIED: never
// OUTCOME_UNKNOWN while the server answers, and the ledger shows exactly one application.

expectNoUnhandledErrors();

let f: FaultServer;
beforeAll(async () => {
  f = await startFaultServer();
});
afterEach(() => f.cleanup());
afterAll(() => f?.stop());

let sequence = 0;
const nextKey = () => `op-freeze-${process.pid}-${++sequence}`;
const ledgerRows = async (id: string) => (await f.admin`select count(*)::int as n from ledger where run_id = ${id}`)[0]!.n as number;
const keyRows = async (key: string) => (await f.admin`select count(*)::int as n from warmpool_idempotency where key = ${key}`)[0]!.n as number;
const backendsOf = async (app: string) => (await f.admin`select count(*)::int as n from pg_stat_activity where application_name like ${`${app}%`}`)[0]!.n as number;

/** A container whose pool goes through a proxy; its first invocation opens the connection and creates the table. */
async function frozenAtCommit(app: string): Promise<{ container: EmulatedContainer; proxy: FaultProxy; stoppedAtCommit: () => boolean; resume: () => void }> {
  const proxy = await f.proxy();
  const container = await f.container(proxy.urlFor(f.server.url), { applicationName: app });
  expect(await container.invoke({ op: 'keyed-tx-insert', runId: `warm-${app}`, key: `warm-${app}-${process.pid}-${++sequence}` })).toMatchObject({ ok: true });
  let stopped = false;
  // Stops the process as soon as its COMMIT reaches the proxy: it has written COMMIT and reads nothing more.
  proxy.observe((s) => {
    if (!stopped && isCommitOf(app)(s)) {
      process.kill(container.pid, 'SIGSTOP');
      stopped = true;
    }
  });
  return { container, proxy, stoppedAtCommit: () => stopped, resume: () => process.kill(container.pid, 'SIGCONT') };
}

const isCommitOf = (app: string) => (s: SeenStatement) => s.connection.app.startsWith(app) && /^\s*commit/i.test(s.text);

describe('a keyed transaction stopped while its COMMIT is in flight', () => {
  it('committed, the connection cut before the answer reached it: resolves to the stored result once thawed, applied once', async () => {
    const app = 'freeze-tx-applied';
    const { container, proxy, stoppedAtCommit, resume } = await frozenAtCommit(app);
    // COMMIT is forwarded; the client is reset when the server's answer comes back, which it never gets.
    const rule = proxy.addRule({ match: isCommitOf(app), action: { resetAfterReplyBytes: 0 } });
    const key = nextKey();
    const invocation = container.invoke({ op: 'keyed-tx-insert', runId: key, key });
    await vi.waitFor(() => expect(stoppedAtCommit()).toBe(true));
    await vi.waitFor(async () => expect(await keyRows(key)).toBe(1));
    await vi.waitFor(() => expect(rule.fired).toBe(1));
    await vi.waitFor(async () => expect(await backendsOf(app)).toBe(0));
    resume();
    const outcome = await invocation;
    expect(outcome).toMatchObject({ ok: true, result: { written: key, run: 1 } });
    expect(await ledgerRows(key)).toBe(1);
  });

  for (const retries of [1, 0]) {
    it(`not committed, the connection cut before COMMIT reached the server: ${retries ? 'runs again' : 'notApplied'} once thawed (retries ${retries})`, async () => {
      const app = `freeze-tx-lost-${retries}`;
      const { container, proxy, stoppedAtCommit, resume } = await frozenAtCommit(app);
      proxy.addRule({ match: isCommitOf(app), action: 'reset-before' });
      const key = nextKey();
      const invocation = container.invoke({ op: 'keyed-tx-insert', runId: key, key, retries });
      await vi.waitFor(() => expect(stoppedAtCommit()).toBe(true));
      // Its backend ended with the cut: the transaction rolled back, the key is free.
      await vi.waitFor(async () => expect(await backendsOf(app)).toBe(0));
      expect(await keyRows(key)).toBe(0);
      resume();
      const outcome = await invocation;
      if (retries) {
        expect(outcome).toMatchObject({ ok: true, result: { written: key, run: 2 } });
        expect(await ledgerRows(key)).toBe(1);
      } else {
        expect(outcome).toMatchObject({ ok: false, error: { code: 'CONNECTION_LOST', notApplied: true } });
        expect(await ledgerRows(key)).toBe(0);
      }
    });
  }
});

describe('a keyed batch stopped while its COMMIT is in flight', () => {
  it('committed, the connection cut before the answer reached it: ALREADY_APPLIED once thawed, applied once', async () => {
    const app = 'freeze-batch-applied';
    const { container, proxy, stoppedAtCommit, resume } = await frozenAtCommit(app);
    proxy.addRule({ match: isCommitOf(app), action: { resetAfterReplyBytes: 0 } });
    const key = nextKey();
    const invocation = container.invoke({ op: 'keyed-batch-insert', runId: key, key });
    await vi.waitFor(() => expect(stoppedAtCommit()).toBe(true));
    await vi.waitFor(async () => expect(await keyRows(key)).toBe(1));
    await vi.waitFor(async () => expect(await backendsOf(app)).toBe(0));
    resume();
    const outcome = await invocation;
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ALREADY_APPLIED', notApplied: true } });
    expect(outcome.error!.message).toContain('the answer to this call\'s own batch was lost');
    expect(await ledgerRows(key)).toBe(1);
  });

  it('not committed, the connection cut before COMMIT reached the server: runs again once thawed, applied once', async () => {
    const app = 'freeze-batch-lost';
    const { container, proxy, stoppedAtCommit, resume } = await frozenAtCommit(app);
    proxy.addRule({ match: isCommitOf(app), action: 'reset-before' });
    const key = nextKey();
    const invocation = container.invoke({ op: 'keyed-batch-insert', runId: key, key });
    await vi.waitFor(() => expect(stoppedAtCommit()).toBe(true));
    await vi.waitFor(async () => expect(await backendsOf(app)).toBe(0));
    expect(await keyRows(key)).toBe(0);
    resume();
    expect(await invocation).toMatchObject({ ok: true, result: { inserted: 1 } });
    expect(await ledgerRows(key)).toBe(1);
  });
});
