import postgres from 'postgres';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type PoolEvent } from '../src/index.js';
import { describeOutcome } from './support/container.js';
import { type FaultServer, backends, eventually, sleep, startFaultServer } from './support/fault-server.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';
import { startLoad } from './support/load.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// More containers than the server has connection slots, and containers killed without a goodbye.
// The per-container cap, 53300 retried with jitter inside the deadline, and the server-side
// idle_session_timeout that warmpool sets must keep the service up.

expectNoUnhandledErrors();

const SEED = Number(process.env.FAULT_SEED ?? 6);
let f: FaultServer | undefined;
afterEach(async () => {
  await f?.stop();
  f = undefined;
});
afterAll(() => f?.stop());

describe('connection exhaustion', () => {
  it('40 containers with cap 1 on max_connections 20: none above its cap, ≥ 95 % succeed, a superuser still gets in', async () => {
    // 20 slots, 3 reserved for superusers: 17 for 40 containers. The containers are in-process
    // pools (40 child processes would be too heavy for CI); like frozen Lambda containers they
    // never close idle connections themselves (idleTimeoutMs 0): the server's idle_session_timeout
    // (300 ms, scaled) frees the slots of idle containers.
    f = await startFaultServer({ maxConnections: 20 });
    const proxy = await f.proxy({ seed: SEED });
    // Our admin client connects now, before the storm: under it even a superuser may get 53300.
    await f.admin`select 1`;
    const events: PoolEvent[] = [];
    const history = new History('connection exhaustion');
    const load = startLoad({
      url: proxy.urlFor(f.server.url), history, workers: 40, appPrefix: 'cap-ex-', seed: SEED, mix: ['insert', 'tx', 'read'],
      remainingMs: 4_000, pauseMs: [600, 1_000], invocationsPerWorker: 5, onEvent: (e) => events.push(e),
      poolOptions: { max: 1, idleTimeoutMs: 0, serverIdleSessionTimeoutMs: 300, maxConnectAttempts: 30 },
    });
    // While it is full, a superuser can still connect: the pools never take the reserved slots.
    // Backends that are still authenticating hold a slot too (PostgreSQL checks the reservation
    // after authentication), so under a connect storm a superuser may need to try again.
    let full = false;
    let superuserOk = 0;
    let superuserTries = 0;
    while (!(await Promise.race([load.done.then(() => true), sleep(50).then(() => false)]))) {
      // Full: every slot but the superusers' reserved ones taken (our own admin client holds one).
      const [{ n }] = await f.admin`select count(*)::int as n from pg_stat_activity where backend_type = 'client backend'`;
      if (n >= 17) {
        full = true;
        for (let attempt = 1; attempt <= 10; attempt++) {
          const su = postgres(f.server.adminUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
          const one = await su`select 1 as one`.then(([row]) => row.one, () => null);
          await su.end({ timeout: 1 });
          superuserTries = Math.max(superuserTries, attempt);
          if (one === 1) {
            superuserOk++;
            break;
          }
          await sleep(50);
        }
      }
    }
    await load.stop();
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(full).toBe(true);
    expect(superuserOk).toBeGreaterThan(0);
    expect(superuserTries).toBeLessThan(10);
    expect(load.overran).toBe(0);
    expect(check.ok / check.invocations).toBeGreaterThanOrEqual(0.95);
    const tooMany = events.filter((e) => e.type === 'connect-retry' && e.reason === '53300');
    expect(tooMany.length).toBeGreaterThan(0);
    expect(new Set(tooMany.map((e) => e.delayMs)).size).toBeGreaterThan(tooMany.length / 2);
    const peak = proxy.peakFor('cap-ex-');
    expect(peak).toBe(1);
    expect(proxy.peakByApp.size).toBe(40);
    reportScenario(rowFrom('exhaustion: 40 × cap 1, max_connections 20', check, peak, 1, `${tooMany.length} × 53300 retried; superuser got in ${superuserOk}× (≤ ${superuserTries} tries)`));
  });
});

describe('zombie connections', () => {
  it('of containers SIGKILLed behind a silent network are reaped by the server, and new containers connect', async () => {
    // 7 slots, 3 reserved: 4 for the app. Four containers hold one connection each; they are
    // killed, and the proxy keeps their upstream sockets open (no FIN reaches the server), so
    // their backends live on as zombies until idle_session_timeout (2 s, scaled) ends them.
    f = await startFaultServer({ maxConnections: 7 });
    const proxy = await f.proxy({ seed: SEED });
    const url = proxy.urlFor(f.server.url);
    const history = new History('zombies');
    // Cold starts are slow on a busy machine: start every container first (a cold container has
    // not connected yet), so the fresh ones arrive while the zombies still hold the slots.
    const [doomed, fresh] = await Promise.all([
      Promise.all(Array.from({ length: 4 }, () => f!.container(url, { applicationName: 'cap-zombie', serverIdleSessionTimeoutMs: 2_000 }))),
      Promise.all(Array.from({ length: 2 }, () => f!.container(url, { applicationName: 'cap-fresh', maxConnectAttempts: 50 }))),
    ]);
    for (const container of doomed) {
      const id = history.nextId();
      history.outcome(id, await container.invoke({ op: 'insert', runId: id }, 5_000));
    }
    expect((await backends(f.admin, 'cap-zombie')).length).toBe(4);
    proxy.set({ leak: true });
    for (const container of doomed) container.kill();
    expect(await eventually(async () => proxy.counters.open === 0, 5_000)).toBe(true);
    // The containers are gone; their backends are not.
    expect((await backends(f.admin, 'cap-zombie')).length).toBe(4);
    expect(proxy.counters.upstreamOpen).toBe(4);

    proxy.set({ leak: false });
    const outcomes = await Promise.all(fresh.map(async (container) => {
      const id = history.nextId();
      const outcome = await container.invoke({ op: 'insert', runId: id }, 8_000);
      history.outcome(id, outcome);
      return outcome;
    }));
    expect(outcomes.map(describeOutcome)).toEqual(['ok', 'ok']);
    const stats = await Promise.all(fresh.map(async (c) => (await c.invoke({ op: 'stats' })).result as { connectRetries: number }));
    // They had to wait for the zombies: the server was full when they arrived.
    expect(stats.reduce((n, s) => n + s.connectRetries, 0)).toBeGreaterThan(0);
    expect((await backends(f.admin, 'cap-zombie')).length).toBe(0);
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(history.notOk()).toEqual([]);
    reportScenario(rowFrom('zombies: SIGKILLed containers, leaked upstream', check, proxy.peakFor('cap-'), 1, `4 zombies reaped by idle_session_timeout; fresh containers waited ${stats.map((s) => s.connectRetries).join('+')} retries`));
  });
});
