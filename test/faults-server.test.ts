import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPool, type Pool, type PoolEvent } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { type FaultServer, backends, sleep, startFaultServer } from './support/fault-server.js';
import { seededRandom } from './support/fault-proxy.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';
import { startLoad } from './support/load.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// Faults of the server itself under Lambda-style load: it goes down, restarts (fast and
// immediate), kills backends at random, turns read-only (the failover signal), and rotates the
// application's password. Writes go to the ledger; the ledger must agree with the clients.

expectNoUnhandledErrors();

const SEED = Number(process.env.FAULT_SEED ?? 6);
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

const reasons = (events: PoolEvent[], type: PoolEvent['type']) => events.filter((e) => e.type === type).map((e) => e.reason);

describe('the server going away', () => {
  it('down for a while (10 s scaled to 2.5 s): bounded, jittered reconnects, recovery right after it is back', async () => {
    const events: PoolEvent[] = [];
    const history = new History('server down');
    // Direct connections: a stopped server refuses them for real (ECONNREFUSED).
    const load = startLoad({ url: f.server.url, history, workers: 3, appPrefix: 'sv-down-', seed: SEED, mix: ['insert', 'tx', 'read'], remainingMs: 1_500, pauseMs: [20, 60], onEvent: (e) => events.push(e) });
    await sleep(500);
    await f.server.pgCtl(['stop', '-m', 'fast', '-w']);
    const downAt = Date.now();
    await sleep(2_500);
    const startingAt = Date.now();
    await f.server.pgCtl(['start', '-w', '-t', '30']);
    const upAt = Date.now();
    await sleep(2_000);
    await load.stop();

    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(load.overran).toBe(0); // no invocation ran past its Lambda timeout
    const whileDown = history.ops.filter((op) => op.startedAt! >= downAt && op.endedAt! <= startingAt);
    expect(whileDown.length).toBeGreaterThanOrEqual(3);
    expect(whileDown.filter((op) => op.outcome === 'ok')).toEqual([]);
    expect(new Set(whileDown.map((op) => op.code))).toEqual(new Set(['CONNECT_FAILED']));
    // Bounded: at most maxConnectAttempts (4) per invocation, so 3 retries for each invocation that
    // failed to connect, plus those of at most one recovering invocation per worker; jittered, capped.
    // A "starting up" answer (57P03) while the server comes back uses up no attempt (the resume
    // rule): those retries are bounded by the resume budget instead, so they are left out here.
    const retries = events.filter((e) => e.type === 'connect-retry');
    const refusedRetries = retries.filter((e) => e.reason !== '57P03');
    const connectFailed = history.ops.filter((op) => op.code === 'CONNECT_FAILED').length;
    expect(refusedRetries.length).toBeLessThanOrEqual(3 * (connectFailed + 3));
    expect(new Set(retries.map((e) => e.delayMs)).size).toBeGreaterThan(retries.length / 2);
    expect(retries.every((e) => e.delayMs! < 2_000)).toBe(true);
    // Recovery: once the server accepts connections, invocations started after that succeed at
    // once (a new invocation starts its backoff afresh), and within 2 s every one does.
    const startedAfterUp = history.ops.filter((op) => op.startedAt! >= upAt);
    expect(startedAfterUp.length).toBeGreaterThan(10);
    expect(startedAfterUp.filter((op) => op.outcome !== 'ok')).toEqual([]);
    const firstOk = Math.min(...startedAfterUp.map((op) => op.endedAt!));
    expect(firstOk - upAt).toBeLessThan(2_000);
    reportScenario(rowFrom('server down 2.5 s (scaled 10 s)', check, load.peakOpen, 1, `${whileDown.length} invocations while down, ${retries.length} jittered retries, first ok ${firstOk - upAt} ms after it was back`));
  });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`restarted with -m ${mode} under load: pools drained, no write doubled, service resumes`, async () => {
      const proxy = await f.proxy({ seed: SEED });
      const events: PoolEvent[] = [];
      const history = new History(`restart ${mode}`);
      const load = startLoad({
        url: proxy.urlFor(f.server.url), history, workers: 4, appPrefix: `sv-restart-${mode}-`, seed: SEED,
        remainingMs: 3_000, pauseMs: [5, 20], poolOptions: { max: 2 }, onEvent: (e) => events.push(e),
      });
      // One more container whose invocations always have two statements in flight, so the
      // restart meets running statements (57P01) and not only idle connections.
      const busy = createPool({ connectionString: proxy.urlFor(f.server.url), applicationName: `sv-restart-${mode}-busy`, max: 2, onEvent: (e) => events.push(e) });
      pools.push(busy);
      let stopBusy = false;
      const busyLoop = (async () => {
        const handler = withPool(busy, async () => Promise.all([busy.sql`select pg_sleep(0.2)`.idempotent(), busy.sql`select pg_sleep(0.2)`.idempotent()]));
        while (!stopBusy) {
          const id = history.nextId();
          await history.run(id, () => handler(null, { getRemainingTimeInMillis: () => 5_000 }), 'read');
        }
      })();
      await sleep(800);
      await f.server.restart(mode);
      const restartedAt = history.ops.length;
      await sleep(1_500);
      stopBusy = true;
      await Promise.all([load.stop(), busyLoop]);
      const check = await checkLedger(f.admin, history);
      expect(check.violations).toEqual([]);
      expect(check.duplicates).toBe(0);
      expect(load.overran).toBe(0);
      // Once the server accepts again, invocations succeed: nothing stale is left in the pools.
      const settled = history.ops.slice(restartedAt).slice(-20);
      expect(settled.filter((op) => op.outcome !== 'ok')).toEqual([]);
      const peak = proxy.peakFor(`sv-restart-${mode}-`);
      expect(peak).toBeLessThanOrEqual(2);
      const drains = reasons(events, 'drain');
      expect(drains.length).toBeGreaterThanOrEqual(1); // the first 57P01 (or 08006) drained a pool
      const startingUp = reasons(events, 'connect-retry').filter((r) => r === '57P03').length;
      reportScenario(rowFrom(`pg_ctl restart -m ${mode} under load`, check, peak, 2, `${drains.length} drain(s) on ${[...new Set(drains.map((d) => d?.replace('server signalled ', '')))].join(', ')}; ${startingUp} × 57P03 retried`));
    });
  }

  it('terminating random backends every ~second under load loses and doubles nothing', async () => {
    const proxy = await f.proxy({ seed: SEED });
    const history = new History('random pg_terminate_backend');
    const load = startLoad({ url: proxy.urlFor(f.server.url), history, workers: 4, appPrefix: 'sv-kill-', seed: SEED, remainingMs: 3_000, pauseMs: [5, 20] });
    const random = seededRandom(SEED);
    let kills = 0;
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      await sleep(500 + random() * 1_000);
      const victims = await backends(f.admin, 'sv-kill-');
      if (victims.length === 0) continue;
      const victim = victims[Math.floor(random() * victims.length)];
      const [{ ok }] = await f.admin`select pg_terminate_backend(${victim.pid}) as ok`;
      if (ok) kills++;
    }
    await load.stop();
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(4);
    // Each kill can cost at most the one invocation that was using that backend.
    expect(check.failed + check.unknown).toBeLessThanOrEqual(kills);
    expect(proxy.peakFor('sv-kill-')).toBe(1);
    reportScenario(rowFrom('random pg_terminate_backend ~1/s', check, proxy.peakFor('sv-kill-'), 1, `${kills} backends killed`));
  });
});

describe('a read-only server (the failover signal)', () => {
  afterEach(async () => {
    await f.admin`alter system reset default_transaction_read_only`;
    await f.admin`select pg_reload_conf()`;
  });

  it('the first 25006 drains the pool; writes recover after the switch back; nothing doubled', async () => {
    const events: PoolEvent[] = [];
    const db = createPool({ connectionString: f.server.url, applicationName: 'sv-ro', max: 3, onEvent: (e) => events.push(e) });
    pools.push(db);
    const handler = withPool(db, async (id: string) => db.sql`insert into ledger (run_id) values (${id})`);
    const history = new History('read-only failover');
    const write = async () => {
      const id = history.nextId();
      await history.run(id, () => handler(id, { getRemainingTimeInMillis: () => 3_000 }));
    };
    // Three warm connections.
    await Promise.all([write(), write(), write()]);
    expect(db.stats()).toMatchObject({ open: 3, idle: 3 });

    await f.admin`alter system set default_transaction_read_only = on`;
    await f.admin`select pg_reload_conf()`;
    await sleep(200); // backends pick the setting up before their next statement
    await write();
    expect(history.ops.at(-1)).toMatchObject({ outcome: 'failed', code: '25006' });
    // The other two idle connections went with it: they point at the same demoted server.
    expect(db.stats()).toMatchObject({ drains: 1, idle: 0 });
    // Closed connections count as open until their sockets are gone.
    await vi.waitFor(() => expect(db.stats().open).toBe(0));
    for (let i = 0; i < 5; i++) await write();

    await f.admin`alter system reset default_transaction_read_only`;
    await f.admin`select pg_reload_conf()`;
    await sleep(200);
    for (let i = 0; i < 10; i++) await write();
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(history.ops.slice(-10).map((op) => op.outcome)).toEqual(Array(10).fill('ok'));
    expect(history.ops.slice(3, 9).map((op) => op.code)).toEqual(Array(6).fill('25006'));
    expect(db.stats().outcomeUnknown).toBe(0);
    reportScenario(rowFrom('read-only server (failover signal)', check, 3, 3, `${reasons(events, 'drain').length} drains, first on the first 25006`));
  });
});

describe('credential rotation', () => {
  it('keeps existing connections, and a password function is asked once for a fresh password after 28P01', async () => {
    const role = 'rotating_app';
    const first = `rot-${Math.random().toString(36).slice(2)}-one`;
    const second = `rot-${Math.random().toString(36).slice(2)}-two`;
    await f.admin.unsafe(`create role ${role} login password '${first}'`);
    await f.admin.unsafe(`grant insert, select on ledger to ${role}; grant usage on sequence ledger_id_seq to ${role}`);
    // A secrets cache as users write it: it keeps what it fetched until told to refresh.
    let store = first;
    let cached: string | undefined;
    const calls: boolean[] = [];
    const password = ({ refresh }: { refresh: boolean }) => {
      calls.push(refresh);
      if (refresh) cached = undefined;
      return (cached ??= store);
    };
    const url = new URL(f.server.url);
    url.username = role;
    url.password = '';
    const events: PoolEvent[] = [];
    const db = createPool({ connectionString: url.toString(), password, applicationName: 'sv-rotate', max: 2, onEvent: (e) => events.push(e) });
    pools.push(db);
    const history = new History('credential rotation');
    const write = async () => {
      const id = history.nextId();
      await history.run(id, () => Promise.all([db.sql`insert into ledger (run_id) values (${id})`, db.sql`select pg_sleep(0.01)`]));
    };
    for (let i = 0; i < 5; i++) await write();
    const pidsBefore = (await backends(f.admin, 'sv-rotate')).map((b) => b.pid).sort();
    expect(pidsBefore).toHaveLength(2);

    // Rotate: the server and the secret store change; the cache does not know yet.
    await f.admin.unsafe(`alter role ${role} password '${second}'`);
    store = second;
    for (let i = 0; i < 5; i++) await write();
    // Existing sessions are not re-authenticated: same backends, no new connection.
    expect((await backends(f.admin, 'sv-rotate')).map((b) => b.pid).sort()).toEqual(pidsBefore);
    expect(db.stats().created).toBe(2);

    // New connections are needed (e.g. after a restart): the cached password is now wrong.
    for (const { pid } of await backends(f.admin, 'sv-rotate')) await f.admin`select pg_terminate_backend(${pid})`;
    await sleep(100);
    for (let i = 0; i < 5; i++) await write();
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(history.notOk()).toEqual([]);
    // One refresh per connection opened with the stale password (max 2, opened in parallel).
    const refreshes = calls.filter((refresh) => refresh).length;
    expect(refreshes).toBeGreaterThanOrEqual(1);
    expect(refreshes).toBeLessThanOrEqual(2);
    expect(reasons(events, 'connect-retry')).toEqual(Array(refreshes).fill('28P01'));
    await db.end();
    await f.admin.unsafe(`drop owned by ${role}; drop role ${role}`);
    reportScenario(rowFrom('credential rotation', check, 2, 2, `existing sessions kept; ${refreshes} refresh(es) after 28P01`));
  });
});
