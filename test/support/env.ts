import { inject } from 'vitest';

declare module 'vitest' {
  interface ProvidedContext {
    databaseUrl: string;
    /** Superuser URL, or null when DATABASE_URL came without DATABASE_ADMIN_URL. */
    adminUrl: string | null;
    /** Data dir of the embedded server, or null when DATABASE_URL was given. */
    pgDataDir: string | null;
  }
}

/** URL of the test database, connecting as a non-superuser. */
export function databaseUrl(): string {
  return inject('databaseUrl');
}

export function adminUrl(): string {
  const url = inject('adminUrl');
  if (!url) throw new Error('No superuser URL: set DATABASE_ADMIN_URL along with DATABASE_URL.');
  return url;
}

/** True when the tests run against the embedded server started by global setup. */
export function isEmbeddedServer(): boolean {
  return inject('pgDataDir') !== null;
}
