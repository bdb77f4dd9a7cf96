import { appendFileSync } from 'node:fs';

/** The emulated container's side of process-errors.ts (no vitest here: it runs outside the runner). */

export const ERROR_LOG_ENV = 'WARMPOOL_TEST_ERROR_LOG';

/** Appends every unhandled error to the log the parent named, then exits as Node would. */
export function recordUnhandledErrors(): void {
  const log = process.env[ERROR_LOG_ENV];
  if (!log) return;
  const record = (kind: string) => (err: unknown) => {
    appendFileSync(log, `${JSON.stringify({ kind, pid: process.pid, error: describeError(err) })}\n`);
    process.exit(1);
  };
  process.on('unhandledRejection', record('unhandledRejection'));
  process.on('uncaughtException', record('uncaughtException'));
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${String((err as { code?: unknown }).code ?? err.name)}: ${err.message}`;
  return String(err);
}
