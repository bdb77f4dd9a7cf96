import { describe, expect, it } from 'vitest';
import { CHAOS_OPS, SESSION_CHANGES } from './chaos/events.js';
import { formatResult } from './chaos/report.js';
import { runSoak } from './chaos/soak.js';
import { passwordOf, registerSecret } from './support/secret-watch.js';

// A short, fixed-seed run of the chaos soak (`npm run test:chaos` runs longer ones): 8 emulated
// Lambda containers with `max: 1`, frozen between invocations, against a nemesis and schema
// changes, for 90 s, with the whole mix (concurrent statements, savepoints, session changes,
// reserved connections, a flaky token provider). Its checks are about correctness only (the
// ledger, what invocations find in their sessions, unhandled errors, the cap, RSS); the one about
// time is the product's own promise that no invocation runs past its timeout.

const SEED = 7;

describe(`chaos soak (seed ${SEED}, 90 s, 8 containers)`, () => {
  it('keeps every promise: no write lost, doubled, half applied or wrongly valued, no notApplied write or undone savepoint committed, no session state seen by a later invocation, no unhandled rejection', async () => {
    const result = await runSoak({
      seed: SEED, minutes: 1.5, containers: 8,
      onServer: (server) => {
        registerSecret(passwordOf(server.url));
        registerSecret(passwordOf(server.adminUrl));
      },
    });
    console.log(formatResult(result));
    // The soak did what it says: enough work of every kind and faults of many kinds (a schema
    // change among them), so the checks had something to catch.
    expect(result.invocations).toBeGreaterThan(150);
    expect(Object.values(result.faults).filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
    expect(result.faults['schema-change']).toBeGreaterThan(0);
    expect(CHAOS_OPS.filter((op) => !result.mix[op])).toEqual([]);
    expect(result.mix.session).toBeGreaterThanOrEqual(SESSION_CHANGES.length);
    expect(result.sessionResets).toBeGreaterThan(0);
    expect(result.probes).toBeGreaterThan(0);
    expect(result.tokenCalls.answered).toBeGreaterThan(0);
    expect(result.ok).toBeGreaterThan(0);
    const count = (name: string) => result.checks.find((c) => c.name === name)?.count;
    expect(count('state seen by a later invocation')).toBe(0);
    expect(count('written with a wrong value')).toBe(0);
    expect(count('refused by a statement prepared before a schema change')).toBe(0);
    expect(result.violations).toEqual([]);
  }, 8 * 60_000);
});
