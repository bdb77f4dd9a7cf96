import { fileURLToPath } from 'node:url';
import { EmulatedContainer, type InvocationOutcome } from './emulated-container.js';
import { childErrorEnv } from './process-errors.js';

/** An emulated container running test/support/ledger-handler.ts against `databaseUrl`. */
export function ledgerContainer(databaseUrl: string, options: Record<string, unknown> = {}): Promise<EmulatedContainer> {
  return EmulatedContainer.start({
    module: fileURLToPath(new URL('./ledger-handler.ts', import.meta.url)),
    functionName: 'ledger',
    env: { DATABASE_URL: databaseUrl, WARMPOOL_TEST_OPTIONS: JSON.stringify(options), ...childErrorEnv() },
  });
}

/** Readable failure text for expectations. */
export function describeOutcome(outcome: InvocationOutcome): string {
  return outcome.ok ? 'ok' : `${outcome.error?.code}: ${outcome.error?.message}`;
}

export function pidOf(outcome: InvocationOutcome): number {
  return (outcome.result as { pid: number }).pid;
}
