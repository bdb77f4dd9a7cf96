import { describe, expect, it } from 'vitest';
import { bundleInputs as inputsOf } from './support/bundle-inputs.js';

// drizzle-orm is an optional peer: only a handler that imports warmpool/drizzle carries it, and a
// Worker that does carries neither postgres.js nor node:net.

describe('bundles and drizzle-orm', () => {
  it('a handler without the adapter has no drizzle-orm', async () => {
    for (const entry of ['./functions/get-item.ts', './functions/worker/index.ts']) {
      const inputs = await inputsOf(`export * from '${entry}';`, entry.includes('worker'));
      expect(inputs.some((f) => f.includes('node_modules/drizzle-orm/'))).toBe(false);
    }
  });

  it('a Worker with the adapter has drizzle-orm, and no postgres.js or TCP transport', async () => {
    const inputs = await inputsOf(`export { withPool } from './src/worker/index.ts'; export { drizzle } from './src/adapters/drizzle/index.ts';`, true);
    expect(inputs.some((f) => f.includes('node_modules/drizzle-orm/pg-core/'))).toBe(true);
    expect(inputs.some((f) => f.includes('node_modules/postgres/') || f.includes('drizzle-orm/postgres-js'))).toBe(false);
    expect(inputs.some((f) => f.includes('src/transports/tcp'))).toBe(false);
  });
});
