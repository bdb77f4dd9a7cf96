/**
 * The serverless-postgres package as its README shows it: a module-scope client, connect() at the
 * start of each invocation, clean() at the end (which terminates idle "zombie" connections of the
 * same application_name when the server is busy). maxConnections is set to the server's, as its
 * README advises.
 */
import ServerlessClient from 'serverless-postgres';
import { READ_SQL, WRITE_SQL, acknowledge, applicationName, databaseUrl, environmentId, parseWork } from './work.js';

const NAME = 'serverless-postgres';
const client = new ServerlessClient({
  connectionString: databaseUrl(),
  application_name: applicationName(NAME),
  maxConnections: Number(process.env.LOADTEST_MAX_CONNECTIONS ?? 100),
});

export const handler = async (event: unknown) => {
  const work = parseWork(event);
  await client.connect();
  await Promise.all([client.query(READ_SQL, [work.itemId]), client.query(WRITE_SQL, [work.writeId, NAME, environmentId])]);
  await client.clean();
  return acknowledge(work);
};
