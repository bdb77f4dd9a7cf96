import { describe, expect, it } from 'vitest';
import { formatResult } from './chaos/report.js';
import { runSoak } from './chaos/soak.js';
import { passwordOf, registerSecret } from './support/secret-watch.js';

// A short, fixed-seed run of the chaos soak (`npm run test:chaos` runs longer ones): 8 emulated
// Lambda containers with `max: 1`, frozen between invocations, against a nemesis, for 90 s. Its
// checks are about correctness only (the ledger, unhandled errors, the cap, RSS); the one about
// time is the product's own promise that no invocation runs past its timeout.

const SEED = 7;

describe(`chaos soak (seed ${SEED}, 90 s, 8 containers)`, () => {
  it('keeps every promise: no notApplied write or half transaction committed later (a transaction past the deadline is never pooled open), no unhandled rejection when a connection dies at login', async () => {
    const result = await runSoak({
      seed: SEED, minutes: 1.5, containers: 8,
      onServer: (server) => {
        registerSecret(passwordOf(server.url));
        registerSecret(passwordOf(server.adminUrl));
      },
    });
    console.log(formatResult(result));
    // The soak did what it says: enough work and faults of many kinds, so the checks had something to catch.
    expect(result.invocations).toBeGreaterThan(150);
    expect(Object.values(result.faults).filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
    expect(result.ok).toBeGreaterThan(0);
    expect(result.violations).toEqual([]);
  }, 8 * 60_000);
});
