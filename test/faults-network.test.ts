import { isDeepStrictEqual } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool, type PoolEvent } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { type FaultServer, backends, eventually, sleep, startFaultServer } from './support/fault-server.js';
import { type RuleAction, seededRandom } from './support/fault-proxy.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// Network faults between a pool and a real PostgreSQL, injected by a TCP proxy: resets in the
// middle of a read or a write, a reset around COMMIT, latency, a slow link, fragmented packets,
// idle flows dropped by a NAT, refused connects. Every write goes to the ledger, and the ledger
// must agree with what the client was told.

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

function pool(url: string, options: Record<string, unknown>): Pool {
  const db = createPool({ connectionString: url, ...options });
  pools.push(db);
  return db;
}

const lambda = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

/** A deterministic result of ~600 kB; the op id only filters, so every run returns the same rows. */
const bigRead = (db: Pool, opId: string) =>
  db.sql`select i, md5(i::text) as h, repeat(chr(65 + i % 26), 256) as pad, i * 1.5 as f from generate_series(1, 2000) i where ${opId}::text is not null order by i`;

describe('a reset in the middle of a read', () => {
  it('retries an idempotent read once and returns the identical result', async () => {
    const proxy = await f.proxy({ seed: SEED });
    const direct = await bigRead(pool(f.server.url, { applicationName: 'nw-read-direct' }), 'op-baseline');
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'nw-read' });
    const history = new History('reset mid-read');
    const random = seededRandom(SEED);
    const rounds = 8;
    for (let i = 0; i < rounds; i++) {
      const opId = history.nextId();
      // Cut the reply somewhere between its first byte and its last.
      proxy.addRule({ match: (s) => s.params.includes(opId), action: { resetAfterReplyBytes: 1 + Math.floor(random() * 500_000) } });
      await history.run(opId, async () => {
        const rows = await bigRead(db, opId).idempotent();
        expect(isDeepStrictEqual(rows, direct)).toBe(true);
        // The read reached the server twice: the cut attempt and the retry.
        expect(proxy.sends(opId)).toEqual({ sent: 2, forwarded: 2 });
      }, 'read');
    }
    expect(history.notOk()).toEqual([]);
    expect(db.stats()).toMatchObject({ retries: rounds, outcomeUnknown: 0 });

    // The same cut without .idempotent(): not sent again, reported as OUTCOME_UNKNOWN.
    const plain = history.nextId();
    proxy.addRule({ match: (s) => s.params.includes(plain), action: { resetAfterReplyBytes: 10_000 } });
    const outcome = await history.run(plain, () => bigRead(db, plain), 'read');
    expect(outcome).toBe('outcome-unknown');
    expect(proxy.sends(plain).sent).toBe(1);

    // A read-only batch counts as idempotent.
    const batched = history.nextId();
    proxy.addRule({ match: (s) => s.params.includes(batched), action: { resetAfterReplyBytes: 20_000 } });
    const [rows] = await db.batch([bigRead(db, batched)], { readOnly: true });
    history.ok(batched, 'read');
    expect(isDeepStrictEqual(rows, direct)).toBe(true);

    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    reportScenario(rowFrom('reset mid-read', check, proxy.peakFor('nw-read'), 1, `${rounds} idempotent reads retried with identical rows; 1 plain read → OUTCOME_UNKNOWN`));
  });
});

describe('a reset around a write', () => {
  it('never sends a write twice: every write is ok, failed or outcome-unknown, and the ledger agrees', async () => {
    const proxy = await f.proxy({ seed: SEED });
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'nw-write' });
    const handler = withPool(db, async (e: { kind: string; id: string }) => {
      if (e.kind === 'insert') return db.sql`insert into ledger (run_id) values (${e.id})`;
      if (e.kind === 'tx') return db.transaction((tx) => tx.sql`insert into ledger (run_id) values (${e.id})`);
      return db.batch([db.sql`insert into ledger (run_id) values (${e.id})`, db.sql`select 1`]);
    });
    const history = new History('reset mid-write');
    const random = seededRandom(SEED);
    const faults: (RuleAction | 'none')[] = ['none', 'reset-before', 'reset-after', { resetAfterReplyBytes: 3 }];
    const plan: { id: string; kind: string; fault: RuleAction | 'none' }[] = [];
    for (let i = 0; i < 60; i++) {
      const kind = ['insert', 'insert', 'tx', 'batch'][Math.floor(random() * 4)];
      const fault = faults[Math.floor(random() * faults.length)];
      const id = history.nextId();
      plan.push({ id, kind, fault });
      if (fault !== 'none') proxy.addRule({ match: (s) => s.params.includes(id), action: fault });
      await history.run(id, () => handler({ kind, id }, lambda(5_000)));
    }
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check.duplicates).toBe(0);
    const byId = new Map(history.ops.map((op) => [op.opId, op]));
    for (const { id, kind, fault } of plan) {
      const { outcome, code } = byId.get(id)!;
      const sends = proxy.sends(id);
      if (fault === 'none') expect(`${kind} ${outcome}`).toBe(`${kind} ok`);
      else if (kind === 'insert') {
        // The client wrote it and lost the connection: it cannot know, and must not send it again.
        expect({ kind, fault, outcome, code }).toMatchObject({ outcome: 'outcome-unknown', code: 'OUTCOME_UNKNOWN' });
      } else if (kind === 'tx') {
        // COMMIT was never sent: certainly not applied.
        expect({ kind, fault, outcome, code }).toMatchObject({ outcome: 'failed', code: 'CONNECTION_LOST' });
      } else {
        // A batch lost before its COMMIT is sent again, once.
        expect({ kind, fault, outcome }).toMatchObject({ outcome: 'ok' });
      }
      // A plain insert is written by the client exactly once, fault or not.
      if (kind === 'insert') expect({ id, fault, sent: sends.sent }).toMatchObject({ sent: 1 });
    }
    reportScenario(rowFrom('reset mid-write', check, proxy.peakFor('nw-write'), 1, `seed ${SEED}; ${check.unknownApplied} of ${check.unknown} unknown applied`));
  });

  it('a transaction that loses its connection at BEGIN did not start: notApplied, and `retries` reruns it', async () => {
    const proxy = await f.proxy({ seed: SEED });
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'nw-begin' });
    const history = new History('lost at BEGIN');
    for (const action of ['reset-before', 'reset-after'] as const) {
      for (const retries of [0, 1]) {
        const id = history.nextId();
        proxy.addRule({ match: (s) => /^\s*begin/i.test(s.text), action });
        let calls = 0;
        await history.run(id, () => db.transaction(async (tx) => {
          calls++;
          await tx.sql`insert into ledger (run_id) values (${id})`;
        }, { retries }));
        const op = history.ops.at(-1)!;
        // BEGIN goes with the callback's first statement, so the callback has run once when it is lost.
        if (retries === 0) expect({ action, outcome: op.outcome, code: op.code, calls }).toEqual({ action, outcome: 'failed', code: 'CONNECTION_LOST', calls: 1 });
        else expect({ action, outcome: op.outcome, calls }).toEqual({ action, outcome: 'ok', calls: 2 });
      }
    }
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    reportScenario(rowFrom('transaction lost at BEGIN', check, proxy.peakFor('nw-begin'), 1, 'notApplied; rerun with retries'));
  });

  for (const placement of ['reset-after', 'reset-before'] as const) {
    it(`reports an ambiguous COMMIT (${placement === 'reset-after' ? 'forwarded, reply lost' : 'lost on the way'}) as OUTCOME_UNKNOWN and never applies it twice`, async () => {
      const proxy = await f.proxy({ seed: SEED });
      const db = pool(proxy.urlFor(f.server.url), { applicationName: `nw-commit-${placement}` });
      const history = new History(`ambiguous COMMIT ${placement}`);
      for (let i = 0; i < 10; i++) {
        const id = history.nextId();
        proxy.addRule({ match: (s) => /^\s*commit/i.test(s.text), action: placement });
        await history.run(id, () =>
          i % 2 === 0
            ? db.transaction((tx) => tx.sql`insert into ledger (run_id) values (${id})`)
            : db.batch([db.sql`insert into ledger (run_id) values (${id})`]),
        );
      }
      await sleep(proxy.upstreamGraceMs + 200); // let the server finish the last COMMIT
      const check = await checkLedger(f.admin, history);
      expect(check.violations).toEqual([]);
      expect(history.ops.map((op) => op.code)).toEqual(Array(10).fill('OUTCOME_UNKNOWN'));
      // A COMMIT that never reached the server cannot have applied.
      if (placement === 'reset-before') expect(check.unknownApplied).toBe(0);
      const scenario = placement === 'reset-after' ? 'ambiguous COMMIT (reply lost)' : 'ambiguous COMMIT (request lost)';
      reportScenario(rowFrom(scenario, check, proxy.peakFor('nw-commit'), 1, `${check.unknownApplied}/${check.unknown} committed`));
    });
  }
});

describe('a slow network', () => {
  it('with 200 ms latency each way causes no spurious timeouts', async () => {
    const proxy = await f.proxy({ seed: SEED });
    proxy.set({ latencyMs: 200 });
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'nw-latency', validateAfterIdleMs: 300 });
    const handler = withPool(db, async (id: string) => db.sql`insert into ledger (run_id) values (${id})`);
    const history = new History('latency 200 ms each way');
    for (let i = 0; i < 4; i++) {
      const id = history.nextId();
      await history.run(id, () => handler(id, lambda(10_000)));
      if (i === 1) await sleep(400); // idle past validateAfterIdleMs: the ping takes a 400 ms round trip
    }
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(history.notOk()).toEqual([]);
    expect(db.stats()).toMatchObject({ created: 1, validations: 1, validationFailures: 0, connectFailures: 0 });
    reportScenario(rowFrom('latency 200 ms each way', check, proxy.peakFor('nw-latency'), 1));
  });

  for (const [name, faults] of [['200 ms latency', { latencyMs: 200 }], ['a stalled server', { stall: true }]] as const) {
    it(`honours connectTimeoutMs against ${name}`, async () => {
      const proxy = await f.proxy({ seed: SEED });
      proxy.set(faults);
      const connectTimeoutMs = 700; // a login needs 3 round trips: 1.2 s at 200 ms each way
      const db = pool(proxy.urlFor(f.server.url), { applicationName: 'nw-ctimeout', connectTimeoutMs, maxConnectAttempts: 1 });
      const started = performance.now();
      const error = await db.sql`select 1`.then(() => null, (e) => e);
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: 'CONNECT_TIMEOUT', notApplied: true });
      expect(elapsed).toBeGreaterThanOrEqual(connectTimeoutMs * 0.9);
      expect(elapsed).toBeLessThan(connectTimeoutMs * 1.1 + 300); // + scheduling noise on a shared machine
    });
  }

  it('cancels a big read on a slow link at the deadline, inside the Lambda timeout, and the next invocation works', async () => {
    const proxy = await f.proxy({ seed: SEED });
    proxy.set({ bytesPerSecond: 100_000 });
    const container = await f.container(proxy.urlFor(f.server.url), { applicationName: 'nw-slow' });
    const history = new History('slow link, big result, short deadline');
    const first = history.nextId();
    // 4 MB at 100 kB/s would take 40 s; Lambda gives 1.5 s, warmpool's deadline is 1 s.
    const outcome = await container.invoke({ op: 'big-read', rows: 4_000, runId: first }, 1_500);
    history.outcome(first, outcome, 'read');
    expect(outcome.error?.code).not.toBe('CONTAINER_EXITED'); // killed by the Lambda timeout
    expect(outcome.error).toMatchObject({ code: expect.stringMatching(/^(DEADLINE_EXCEEDED|OUTCOME_UNKNOWN)$/) });
    expect(outcome.durationMs).toBeLessThan(1_500);
    // The statement is gone from the server: cancelled, or its connection closed.
    expect(await eventually(async () => (await backends(f.admin, 'nw-slow')).every((b) => b.state !== 'active'), 3_000)).toBe(true);
    proxy.set({ bytesPerSecond: 0 }, { existing: false });
    const next = history.nextId();
    const second = await container.invoke({ op: 'insert', runId: next }, 1_500);
    history.outcome(next, second);
    expect(second.ok).toBe(true);
    const stats = (await container.invoke({ op: 'stats' })).result;
    expect(stats).toMatchObject({ created: 2 }); // the slow connection was discarded
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    reportScenario(rowFrom('slow link, big result, 1 s deadline', check, proxy.peakFor('nw-slow'), 1, `aborted after ${Math.round(outcome.durationMs)} ms (${outcome.error?.code})`));
  });
});

describe('fragmented packets', () => {
  it('give byte-identical results', async () => {
    const proxy = await f.proxy({ seed: SEED });
    proxy.set({ sliceBytes: 7 });
    const direct = pool(f.server.url, { applicationName: 'nw-frag-direct' });
    const sliced = pool(proxy.urlFor(f.server.url), { applicationName: 'nw-frag' });
    const queries = [
      (db: Pool) => db.sql`select ${'héllo wörld ✓ 🐘'}::text as t, ${42}::int as i, ${2n ** 62n}::int8 as b, ${1.25}::float8 as f, ${null}::text as n, ${true} as yes`,
      (db: Pool) => db.sql`select ${Buffer.from([0, 1, 2, 250, 255])}::bytea as bytes, ${new Date(86_400_000)}::timestamptz as at, ${{ a: [1, 'x'], b: null }}::jsonb as j, ${[1, 2, 3]}::int[] as arr`,
      (db: Pool) => db.sql`select i, md5(i::text) as h, repeat('é', i % 50) as pad from generate_series(1, 1500) i`,
      (db: Pool) => db.sql`select string_agg(chr(32 + (i % 90)), '') as s from generate_series(1, 20000) i`,
    ];
    for (const query of queries) {
      const [a, b] = [await query(direct), await query(sliced)];
      expect(isDeepStrictEqual(a, b)).toBe(true);
    }
    const history = new History('fragmentation');
    for (let i = 0; i < 10; i++) {
      const id = history.nextId();
      await history.run(id, () => sliced.sql`insert into ledger (run_id) values (${id})`);
    }
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(history.notOk()).toEqual([]);
    reportScenario(rowFrom('fragmentation (1–7 byte slices)', check, proxy.peakFor('nw-frag'), 1, `${queries.length} result sets byte-identical`));
  });
});

describe('an idle flow dropped by a NAT while the process keeps running', () => {
  for (const natAction of ['reset', 'blackhole'] as const) {
    it(`is replaced after the validation ping (${natAction})`, async () => {
      const proxy = await f.proxy({ seed: SEED });
      proxy.set({ natIdleMs: 400, natAction });
      const db = pool(proxy.urlFor(f.server.url), { applicationName: `nw-idle-${natAction}`, validateAfterIdleMs: 200, pingTimeoutMs: 400 });
      const history = new History(`long idle, NAT ${natAction}`);
      for (let i = 0; i < 3; i++) {
        const id = history.nextId();
        await history.run(id, () => db.sql`insert into ledger (run_id) values (${id})`);
        await sleep(600);
      }
      const check = await checkLedger(f.admin, history);
      expect(check.violations).toEqual([]);
      expect(history.notOk()).toEqual([]);
      expect(db.stats()).toMatchObject({ created: 3, validationFailures: 2, outcomeUnknown: 0 });
      reportScenario(rowFrom(`long idle without freeze, NAT ${natAction}`, check, proxy.peakFor(`nw-idle-${natAction}`), 1));
    });
  }
});

describe('refused connects', () => {
  it('are retried a bounded number of times with jittered backoff, and the pool recovers at once', async () => {
    const proxy = await f.proxy({ seed: SEED });
    const events: PoolEvent[] = [];
    const db = pool(proxy.urlFor(f.server.url), { applicationName: 'nw-refused', maxConnectAttempts: 4, onEvent: (e: PoolEvent) => events.push(e) });
    const handler = withPool(db, async (id: string) => db.sql`insert into ledger (run_id) values (${id})`);
    const history = new History('refused connects');
    await proxy.refuse(true);
    for (let i = 0; i < 3; i++) {
      const id = history.nextId();
      await history.run(id, () => handler(id, lambda(5_000)));
    }
    expect(history.ops.map((op) => op.code)).toEqual(['CONNECT_FAILED', 'CONNECT_FAILED', 'CONNECT_FAILED']);
    const retries = events.filter((e) => e.type === 'connect-retry');
    expect(retries).toHaveLength(3 * 3); // 4 attempts per invocation
    expect(new Set(retries.map((e) => e.delayMs)).size).toBeGreaterThan(1); // jittered
    expect(retries.every((e) => e.delayMs! < 2_000)).toBe(true); // capped
    await proxy.refuse(false);
    const id = history.nextId();
    await history.run(id, () => handler(id, lambda(5_000)));
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ ok: 1, failed: 3 });
    reportScenario(rowFrom('refused connects', check, proxy.peakFor('nw-refused'), 1, `${retries.length} jittered retries`));
  });
});
