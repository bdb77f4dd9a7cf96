import { describe, expect, it } from 'vitest';
import { bundleInputs as inputsOf } from './support/bundle-inputs.js';

// kysely is an optional peer: only a handler that imports warmpool/kysely carries it, and a
// Worker that does carries neither postgres.js nor the TCP transport.

describe('bundles and kysely', () => {
  it('a handler without the adapter has no kysely', async () => {
    for (const entry of ['./functions/get-item.ts', './functions/worker/index.ts']) {
      const inputs = await inputsOf(`export * from '${entry}';`, entry.includes('worker'));
      expect(inputs.some((f) => f.includes('node_modules/kysely/'))).toBe(false);
    }
  });

  it('a Worker with the adapter has kysely, and no postgres.js or TCP transport', async () => {
    const inputs = await inputsOf(`export { withPool } from './src/worker/index.ts'; export { WarmpoolDialect } from './src/adapters/kysely/index.ts';`, true);
    // kysely 0.29 builds to dist/, 0.28 to dist/esm/ (the ESM the Worker conditions pick).
    expect(inputs.some((f) => /node_modules\/kysely\/dist\/(esm\/)?dialect\/postgres\//.test(f))).toBe(true);
    expect(inputs.some((f) => f.includes('node_modules/postgres/') || f.includes('node_modules/pg/'))).toBe(false);
    expect(inputs.some((f) => f.includes('src/transports/tcp'))).toBe(false);
  });
});
