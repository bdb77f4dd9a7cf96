import { afterAll, expect, inject } from 'vitest';

/**
 * A setup file for the whole suite: every password the tests know (the test database's, the
 * superuser's, and any a test registers) must never appear in what the suite prints. It watches
 * console output and the worker's stdout/stderr; a leak fails the test file that printed it.
 * (Emulated containers write to the inherited file descriptors, outside this watch; their
 * replies are checked by test/secrets-everywhere.test.ts.)
 */

interface Watch {
  secrets: Set<string>;
  leaks: string[];
}

const KEY = Symbol.for('warmpool.test.secret-watch');
const holder = globalThis as typeof globalThis & { [KEY]?: Watch };
const watch = (holder[KEY] ??= install());

function install(): Watch {
  const state: Watch = { secrets: new Set(), leaks: [] };
  const check = (where: string, args: unknown[]) => {
    if (state.secrets.size === 0) return;
    const text = args.map((a) => (typeof a === 'string' ? a : a instanceof Uint8Array ? Buffer.from(a).toString('utf8') : safeString(a))).join(' ');
    for (const secret of state.secrets) {
      if (text.includes(secret)) state.leaks.push(`${where}: ${text.split(secret).join('<THE PASSWORD>').slice(0, 300)}`);
    }
  };
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      check(`console.${method}`, args);
      original(...args);
    };
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((...args: unknown[]) => {
      check(stream === process.stdout ? 'stdout' : 'stderr', [args[0]]);
      return original(...args);
    }) as typeof stream.write;
  }
  return state;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' ? JSON.stringify(value) ?? String(value) : String(value);
  } catch {
    return String(value);
  }
}

/** Adds a password (or token) that must never be printed. */
export function registerSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= 6) watch.secrets.add(secret);
}

export function passwordOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

registerSecret(passwordOf(inject('databaseUrl')));
registerSecret(passwordOf(inject('adminUrl')));

afterAll(() => {
  const leaks = watch.leaks.splice(0);
  expect(leaks, 'a password was printed').toEqual([]);
});
