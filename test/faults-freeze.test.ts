import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pidOf } from './support/container.js';
import { terminateBackend } from './support/db.js';
import { type FaultServer, backends, eventually, sleep, startFaultServer } from './support/fault-server.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// Faults that happen while a Lambda container is frozen. The container is a child process
// stopped with SIGSTOP between invocations; its connection goes through the fault proxy, which
// plays the network (a NAT that forgets idle flows) or lets the server side die. The next
// invocation thaws it and must succeed without running any write twice. Time is scaled down:
// a "350 s NAT idle timeout" is 0.7 s here.

expectNoUnhandledErrors();

let f: FaultServer;
beforeAll(async () => {
  f = await startFaultServer();
});
afterEach(() => f.cleanup());
afterAll(() => f?.stop());

/** Invokes `rounds` inserts, calling `between` while the container is frozen; returns the checked ledger. */
async function insertRounds(scenario: string, url: string, options: Record<string, unknown>, rounds: number, between: (pid: number) => Promise<unknown>) {
  const history = new History(scenario);
  const container = await f.container(url, options);
  const durations: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const opId = history.nextId();
    const outcome = await container.invoke({ op: 'insert', runId: opId }, 10_000);
    history.outcome(opId, outcome);
    durations.push(outcome.durationMs);
    if (round < rounds - 1 && outcome.ok) await between(pidOf(outcome));
  }
  const stats = (await container.invoke({ op: 'stats' })).result as Record<string, number>;
  return { history, check: await checkLedger(f.admin, history), stats, durations };
}

describe('a frozen container', () => {
  it('survives its backend being terminated during the freeze', async () => {
    const proxy = await f.proxy();
    // A real freeze outlasts the network: wait until the proxy has seen the server side close
    // and passed the FATAL on, before the next invocation thaws the container.
    const killDuringFreeze = async (pid: number) => {
      await terminateBackend(f.admin, pid);
      await eventually(async () => proxy.counters.upstreamOpen === 0, 2_000);
      await sleep(50);
    };
    const { check, stats, history } = await insertRounds('freeze + backend terminated', proxy.urlFor(f.server.url), { applicationName: 'fz-kill' }, 5, killDuringFreeze);
    expect(check.violations).toEqual([]);
    expect(history.notOk()).toEqual([]);
    expect(stats).toMatchObject({ outcomeUnknown: 0, created: 5 });
    expect(proxy.peakFor('fz-kill')).toBe(1);
    reportScenario(rowFrom('freeze + backend terminated', check, proxy.peakFor('fz-kill'), 1));
  });

  it('survives a NAT that reset the idle flow: the validation ping meets the RST, nothing of the write is lost', async () => {
    const proxy = await f.proxy();
    proxy.set({ natIdleMs: 700, natAction: 'reset' });
    // idleTimeoutMs above the NAT's idle timeout: the connection is reused, so the ping must catch it.
    const options = { applicationName: 'fz-natrst', idleTimeoutMs: 60_000, validateAfterIdleMs: 300 };
    const { history, check, stats } = await insertRounds('freeze + NAT RST (ping)', proxy.urlFor(f.server.url), options, 4, () => sleep(1_000));
    expect(check.violations).toEqual([]);
    expect(history.notOk()).toEqual([]);
    expect(check.ok).toBe(4);
    expect(stats).toMatchObject({ validationFailures: 3, outcomeUnknown: 0, retries: 0 });
    expect(proxy.counters.resets).toBeGreaterThanOrEqual(3);
    reportScenario(rowFrom('freeze + NAT RST (ping)', check, proxy.peakFor('fz-natrst'), 1));
  });

  it('does not even try a flow the NAT has forgotten when idleTimeoutMs is below the NAT timeout (the default ratio)', async () => {
    const proxy = await f.proxy();
    proxy.set({ natIdleMs: 700, natAction: 'reset' });
    // 240 s vs 350 s in production, scaled: the connection is closed instead of pinged or used.
    const options = { applicationName: 'fz-natidle', idleTimeoutMs: 480, validateAfterIdleMs: 300 };
    const { history, check, stats } = await insertRounds('freeze + NAT RST (idle limit)', proxy.urlFor(f.server.url), options, 4, () => sleep(1_000));
    expect(check.violations).toEqual([]);
    expect(history.notOk()).toEqual([]);
    expect(check.ok).toBe(4);
    expect(stats).toMatchObject({ created: 4, validations: 0, outcomeUnknown: 0 });
    reportScenario(rowFrom('freeze + NAT RST (idle limit)', check, proxy.peakFor('fz-natidle'), 1));
  });

  it('survives a NAT that blackholes the idle flow, in about pingTimeoutMs, never waiting for the deadline', async () => {
    const proxy = await f.proxy();
    proxy.set({ natIdleMs: 700, natAction: 'blackhole' });
    const pingTimeoutMs = 500;
    const options = { applicationName: 'fz-natbh', idleTimeoutMs: 60_000, validateAfterIdleMs: 300, pingTimeoutMs };
    const { history, check, stats, durations } = await insertRounds('freeze + NAT blackhole', proxy.urlFor(f.server.url), options, 4, () => sleep(1_000));
    expect(check.violations).toEqual([]);
    expect(history.notOk()).toEqual([]);
    expect(check.ok).toBe(4);
    expect(stats).toMatchObject({ validationFailures: 3, outcomeUnknown: 0 });
    // Each thawed invocation: one ping that times out, one connect over loopback. The Lambda
    // timeout is 10 s; the bound below is pingTimeoutMs plus a generous 2.5 s for connecting on
    // a shared machine, far from the deadline.
    for (const ms of durations.slice(1)) {
      expect(ms).toBeGreaterThanOrEqual(pingTimeoutMs * 0.9);
      expect(ms).toBeLessThan(pingTimeoutMs + 2_500);
    }
    reportScenario(rowFrom('freeze + NAT blackhole', check, proxy.peakFor('fz-natbh'), 1, `thawed invocations ${durations.slice(1).map((d) => Math.round(d)).join('/')} ms`));
  });

  it('cancels pg_sleep(5) on the server before a 1 s Lambda timeout, applies nothing, and the next invocation works', async () => {
    const proxy = await f.proxy();
    const history = new History('deadline 1 s, pg_sleep(5)');
    const container = await f.container(proxy.urlFor(f.server.url), { applicationName: 'fz-deadline' });
    const opId = history.nextId();
    // Lambda timeout 1 s; the emulator kills the container if it has not answered by then.
    const outcome = await container.invoke({ op: 'sleep-insert', runId: opId, seconds: 5 }, 1_000);
    history.outcome(opId, outcome);
    expect(outcome.error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    expect(outcome.durationMs).toBeLessThan(1_000);
    expect(await eventually(async () => (await backends(f.admin, 'fz-deadline')).every((b) => b.state !== 'active'), 2_000)).toBe(true);
    const next = history.nextId();
    history.outcome(next, await container.invoke({ op: 'insert', runId: next }, 1_000));
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ ok: 1, failed: 1, unknown: 0 });
    reportScenario(rowFrom('deadline 1 s, pg_sleep(5)', check, proxy.peakFor('fz-deadline'), 1, `aborted after ${Math.round(outcome.durationMs)} ms`));
  });
});
