/**
 * Raw postgres.js at module scope with `max: 1`, prepared statements: the baseline for warmpool's
 * overhead. It reconnects after a close it has noticed, but not one that is still unread on thaw.
 */
import postgres from 'postgres';
import { READ_SQL, WRITE_SQL, acknowledge, applicationName, databaseUrl, environmentId, parseWork } from './work.js';

const NAME = 'postgres-js';
const sql = postgres(databaseUrl(), { max: 1, connection: { application_name: applicationName(NAME) }, onnotice: () => {} });

export const handler = async (event: unknown) => {
  const work = parseWork(event);
  await Promise.all([
    sql.unsafe(READ_SQL, [work.itemId], { prepare: true }),
    sql.unsafe(WRITE_SQL, [work.writeId, NAME, environmentId], { prepare: true }),
  ]);
  return acknowledge(work);
};
