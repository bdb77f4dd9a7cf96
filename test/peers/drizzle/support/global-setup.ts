import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../../../packages/cli/src/local-db/embedded-postgres.js';

declare module 'vitest' {
  interface ProvidedContext {
    pgConnectionString: string;
  }
}

/**
 * The database Drizzle's tests run on: DATABASE_URL, or a throwaway embedded PostgreSQL. Every
 * test file drops and recreates schema public, so DATABASE_URL must name a scratch database.
 */
export default async function setup(project: TestProject) {
  const external = process.env.DATABASE_URL;
  if (external) {
    project.provide('pgConnectionString', external);
    return;
  }
  const server = await startEmbeddedPostgres();
  project.provide('pgConnectionString', server.url);
  return () => server.stop();
}
