/**
 * The second anti-pattern: one pg.Client at module scope, connected on the first invocation and
 * reused while the container lives, with nothing that notices it died during a freeze. It has the
 * 'error' listener pg's docs ask for; without it the container would crash instead.
 */
import pg from 'pg';
import { READ_SQL, WRITE_SQL, acknowledge, applicationName, databaseUrl, environmentId, parseWork } from './work.js';

const NAME = 'global-connection';
const client = new pg.Client({ connectionString: databaseUrl(), application_name: applicationName(NAME) });
client.on('error', () => {});
let connected = false;

export const handler = async (event: unknown) => {
  const work = parseWork(event);
  if (!connected) {
    await client.connect();
    connected = true;
  }
  await Promise.all([client.query(READ_SQL, [work.itemId]), client.query(WRITE_SQL, [work.writeId, NAME, environmentId])]);
  return acknowledge(work);
};
