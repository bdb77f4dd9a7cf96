import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runLoadtest } from '../packages/cli/src/loadtest/run.js';
import { databaseUrl } from './support/env.js';

// `warmpool loadtest --function` against the user's own database (DATABASE_URL): the server keeps
// its own settings, and no idle_session_timeout reaps a warmpool session within this run (warmpool
// asks for 5 minutes), so the sessions of containers recycled in the long gap stay open while new
// containers start. They are counted apart from the containers' budget, and the verdict says what
// this server cannot show a comparison.

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

it('counts sessions of recycled containers apart from the budget, and says what the server cannot show', async () => {
  const results = await runLoadtest(
    {
      strategies: [],
      userFunction: { config: path.join(repoRoot, 'serverless.yml'), function: 'health', params: {}, request: { method: 'GET', path: '/health' } },
      scenario: 'mixed',
      containers: 2,
      clients: 2,
      durationMs: 1_500,
      maxConnections: 20,
      serverIdleTimeoutMs: 1_000,
      idleTtlMs: 1_000,
      timeoutMs: 6_000,
      recycleProbability: 0,
      bundle: true,
    },
    undefined,
    () => {},
    databaseUrl(),
  );
  expect(results.server.source).toBe('DATABASE_URL');
  const [r] = results.strategies;
  expect(r.errors).toBe(0);
  expect(r.coldStarts).toBeGreaterThan(2);
  // Live containers stay within 2 containers × 1; the recycled ones' sessions are reported apart.
  expect(r.peakServerConnections).toBeGreaterThan(0);
  expect(r.peakServerConnections).toBeLessThanOrEqual(2);
  expect(r.peakRecycledConnections).toBeGreaterThan(0);
  const [, connections] = results.verdict.lines;
  expect(connections).toContain(`health ${r.peakServerConnections}/2; all within budget`);
  expect(connections).toContain(`sessions of recycled containers the server had not ended yet: health ${r.peakRecycledConnections} at peak`);
  const limits = results.verdict.lines.find((l) => l.startsWith('This server'));
  expect(limits).toMatch(/^This server \(max_connections \d+, \d+ usable\) has room for every container's connections/);
  expect(limits).toContain('--embedded-postgres');
}, 120_000);

it("checks only this run's writes, where the ledger keeps an earlier run's", async () => {
  const once = () =>
    runLoadtest(
      {
        strategies: ['warmpool-tcp'],
        scenario: 'steady',
        containers: 2,
        clients: 2,
        durationMs: 500,
        maxConnections: 20,
        serverIdleTimeoutMs: 1_000,
        idleTtlMs: 2_000,
        timeoutMs: 6_000,
        recycleProbability: 0,
        bundle: true,
      },
      undefined,
      () => {},
      databaseUrl(),
    );
  await once();
  const [r] = (await once()).strategies;
  expect(r.invocations).toBeGreaterThan(0);
  expect(r.errors).toBe(0);
  expect({ lost: r.lostWrites, duplicated: r.duplicateWrites, unacknowledged: r.unacknowledgedWrites }).toEqual({ lost: 0, duplicated: 0, unacknowledged: 0 });
}, 120_000);
