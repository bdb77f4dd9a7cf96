import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

// The workspace packages import the library by name ('warmpool'); its `warmpool-source` export
// condition points at src/, so tests and the processes they start run the sources, unbuilt.
const SOURCE = '--conditions=warmpool-source';
if (!process.env.NODE_OPTIONS?.includes(SOURCE)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${SOURCE}`.trim();

// Vitest's own server conditions (Vite's without 'module'), and ours first.
const CONDITIONS = ['warmpool-source', ...defaultServerConditions.filter((c) => c !== 'module')];

// `npm test` runs the suite in two parts (WARMPOOL_TESTS): `parallel`, two files at a time (most
// of a test is waiting on the server, timers and child processes), then `alone`, one at a time,
// the files whose checks are about throughput under a fixed load or race a timer against a
// child process or a server answer, and the chaos soak. Unset: every file, as
// `npx vitest run … <file>` picks them.
const ALONE = [
  'test/faults-capacity.test.ts', 'test/loadtest.test.ts', 'test/resume.test.ts', 'test/emulator-fidelity.test.ts',
  'test/chaos-soak.test.ts',
];
const PART = process.env.WARMPOOL_TESTS;
if (PART !== undefined && PART !== 'parallel' && PART !== 'alone') throw new Error(`WARMPOOL_TESTS must be parallel or alone, not ${PART}.`);

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: { conditions: CONDITIONS },
  environments: { ssr: { resolve: { conditions: CONDITIONS } }, __vitest__: { resolve: { conditions: CONDITIONS } } },
  test: {
    include: PART === 'alone' ? ALONE : ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Other projects' suites, run by their own runners (npm run test:peers).
    exclude: [...configDefaults.exclude, 'test/peers/**', ...(PART === 'parallel' ? ALONE : [])],
    maxWorkers: PART === 'parallel' ? 2 : PART === 'alone' ? 1 : undefined,
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/secret-watch.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
