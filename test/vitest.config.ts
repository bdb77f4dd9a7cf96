import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

// The workspace packages import the library by name ('warmpool'); its `warmpool-source` export
// condition points at src/, so tests and the processes they start run the sources, unbuilt.
const SOURCE = '--conditions=warmpool-source';
if (!process.env.NODE_OPTIONS?.includes(SOURCE)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${SOURCE}`.trim();

// Vitest's own server conditions (Vite's without 'module'), and ours first.
const CONDITIONS = ['warmpool-source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: { conditions: CONDITIONS },
  environments: { ssr: { resolve: { conditions: CONDITIONS } }, __vitest__: { resolve: { conditions: CONDITIONS } } },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Other projects' suites, run by their own runners (npm run test:peers).
    exclude: [...configDefaults.exclude, 'test/peers/**'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/secret-watch.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
