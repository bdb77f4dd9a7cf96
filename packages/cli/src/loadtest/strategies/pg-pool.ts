/**
 * pg.Pool at module scope with its default settings (max 10, idleTimeoutMillis 10 s, which never
 * fires while the container is frozen), plus the 'error' listener pg's docs ask for.
 */
import pg from 'pg';
import { READ_SQL, WRITE_SQL, acknowledge, applicationName, databaseUrl, environmentId, parseWork } from './work.js';

const NAME = 'pg-pool';
const pool = new pg.Pool({ connectionString: databaseUrl(), application_name: applicationName(NAME) });
pool.on('error', () => {});

export const handler = async (event: unknown) => {
  const work = parseWork(event);
  await Promise.all([pool.query(READ_SQL, [work.itemId]), pool.query(WRITE_SQL, [work.writeId, NAME, environmentId])]);
  return acknowledge(work);
};
