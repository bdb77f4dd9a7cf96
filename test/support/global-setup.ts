import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../packages/cli/src/local-db/embedded-postgres.js';
import type {} from './env.js'; // ProvidedContext typings

export default async function setup(project: TestProject) {
  const external = process.env.DATABASE_URL;
  if (external) {
    project.provide('databaseUrl', external);
    project.provide('adminUrl', process.env.DATABASE_ADMIN_URL ?? null);
    project.provide('pgDataDir', null);
    return;
  }

  const server = await startEmbeddedPostgres();
  project.provide('databaseUrl', server.url);
  project.provide('adminUrl', server.adminUrl);
  project.provide('pgDataDir', server.dataDir);
  // For child processes spawned by tests (CLIs, demos).
  process.env.DATABASE_URL = server.url;
  process.env.WARMPOOL_TEST_ADMIN_URL = server.adminUrl;

  return async () => {
    delete process.env.DATABASE_URL;
    delete process.env.WARMPOOL_TEST_ADMIN_URL;
    await server.stop();
  };
}
