import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Drizzle's pg integration tests (tests/, vendored unchanged but for the warmpool twins) on
// drizzle-orm/postgres-js and on warmpool/drizzle. Run by `npm run test:peers -- drizzle`.

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// As test/vitest.config.ts: `warmpool/drizzle` resolves to the sources, unbuilt.
const CONDITIONS = ['warmpool-source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  root: here('.'),
  resolve: {
    conditions: CONDITIONS,
    alias: [
      // Drizzle's integration-tests/tsconfig.json maps `~/*` to `./tests/*`.
      { find: /^~\//, replacement: `${here('./tests')}/` },
      // Only their createDockerDB() uses these; PG_CONNECTION_STRING is always set here.
      { find: /^dockerode$/, replacement: here('./support/no-docker.ts') },
      { find: /^get-port$/, replacement: here('./support/no-get-port.ts') },
    ],
  },
  environments: { ssr: { resolve: { conditions: CONDITIONS } }, __vitest__: { resolve: { conditions: CONDITIONS } } },
  test: {
    include: ['tests/pg/postgres-js.test.ts', 'tests/pg/warmpool.test.ts', 'tests/relational/pg.postgresjs.test.ts', 'tests/relational/pg.warmpool.test.ts'],
    globalSetup: ['support/global-setup.ts'],
    setupFiles: ['support/connection-string.ts'],
    // As Drizzle's integration-tests/vitest.config.ts: one file at a time, since every file
    // drops and recreates schema public of the same database.
    pool: 'forks',
    isolate: true,
    restoreMocks: true,
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 100_000,
    hookTimeout: 200_000,
  },
});
