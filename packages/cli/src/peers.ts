/**
 * The packages a command loads only when it needs them: the drivers of the `--compare` baselines
 * and the report screenshot's browser driver (optional dependencies, which an install may skip),
 * and miniflare for the sample Worker (an optional peer). Everything else the CLI runs is a real
 * dependency. A missing one becomes MISSING_PACKAGE, naming the command that installs it.
 */
import { createRequire } from 'node:module';
import { WarmpoolError } from 'warmpool';

export const OPTIONAL_PACKAGES = {
  pg: 'the pg-based --compare baselines (connect-per-invocation, global-connection, pg-pool)',
  'serverless-postgres': 'the serverless-postgres --compare baseline',
  miniflare: 'the sample Worker strategies (workerd through miniflare)',
  'playwright-core': 'the screenshot of the load test report',
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

export function installCommand(name: string): string {
  return `npm install --save-dev ${name}`;
}

export function missingPackage(name: OptionalPackage, cause?: unknown): WarmpoolError {
  return new WarmpoolError(
    'MISSING_PACKAGE',
    `The optional package "${name}" is not installed; it is needed for ${OPTIONAL_PACKAGES[name]}. Fix: ${installCommand(name)}`,
    cause === undefined ? {} : { cause },
  );
}

const require = createRequire(import.meta.url);

/** True when Node resolves package `name` from the CLI (an ESM-only package counts: it is there). */
export function isInstalled(name: OptionalPackage): boolean {
  try {
    require.resolve(name);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

/** Runs `load` (a literal `import()` of the package); a missing package becomes MISSING_PACKAGE. */
export async function loadOptional<T>(name: OptionalPackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((err as Error).message).includes(name)) throw missingPackage(name, err);
    throw err;
  }
}
