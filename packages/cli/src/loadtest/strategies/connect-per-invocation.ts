/** The first anti-pattern: a new pg.Client per invocation, closed at the end of it. */
import pg from 'pg';
import { READ_SQL, WRITE_SQL, acknowledge, applicationName, databaseUrl, environmentId, parseWork } from './work.js';

const NAME = 'connect-per-invocation';

export const handler = async (event: unknown) => {
  const work = parseWork(event);
  const client = new pg.Client({ connectionString: databaseUrl(), application_name: applicationName(NAME) });
  await client.connect();
  try {
    await Promise.all([client.query(READ_SQL, [work.itemId]), client.query(WRITE_SQL, [work.writeId, NAME, environmentId])]);
  } finally {
    await client.end();
  }
  return acknowledge(work);
};
