import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import { ERROR_LOG_ENV, describeError } from './record-unhandled.js';

/**
 * Errors nobody handled: an unhandledRejection, an uncaughtException (an 'error' event with no
 * listener ends up there too). On Lambda either one fails the invocation and re-initialises the
 * container, so the fault suites assert that neither their own process nor the emulated
 * containers they start saw one.
 */

/** Where the containers started by this test process append what they saw. */
const CHILD_LOG = path.join(os.tmpdir(), `warmpool-process-errors-${process.pid}-${Math.random().toString(36).slice(2, 10)}.log`);

/** Environment for an emulated container, so that its unhandled errors reach this process. */
export function childErrorEnv(): Record<string, string> {
  return { [ERROR_LOG_ENV]: CHILD_LOG };
}

/** In a test file: after each test and at the end, no unhandled error here or in its containers. */
export function expectNoUnhandledErrors(): void {
  const seen: string[] = [];
  const onRejection = (err: unknown) => seen.push(`unhandledRejection: ${describeError(err)}`);
  const onException = (err: unknown) => seen.push(`uncaughtException: ${describeError(err)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const check = () => {
    const found = [...seen.splice(0), ...takeChildLog()];
    expect(found, 'unhandled errors in the test process or its containers').toEqual([]);
  };
  afterEach(check);
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    check();
  });
}

function takeChildLog(): string[] {
  let text: string;
  try {
    text = readFileSync(CHILD_LOG, 'utf8');
  } catch {
    return [];
  }
  rmSync(CHILD_LOG, { force: true });
  return text.split('\n').filter(Boolean).map((line) => {
    const { kind, pid, error } = JSON.parse(line) as { kind: string; pid: number; error: string };
    return `${kind} in container ${pid}: ${error}`;
  });
}
