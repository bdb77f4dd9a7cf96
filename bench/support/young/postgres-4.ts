/**
 * Raw postgres.js 4.2 at module scope, as packages/cli/src/loadtest/strategies/postgres-js.ts
 * runs 3.4: a young-container baseline for bench/instructions.ts.
 */
import postgres from 'postgres-4';
import { READ_SQL, WRITE_SQL, acknowledge, applicationName, databaseUrl, environmentId, parseWork } from '../../../packages/cli/src/loadtest/strategies/work.js';

const NAME = 'postgres-js-4';
const sql = postgres(databaseUrl(), { max: 1, connection: { application_name: applicationName(NAME) }, onnotice: () => {} });

export const handler = async (event: unknown) => {
  const work = parseWork(event);
  await Promise.all([
    sql.unsafe(READ_SQL, [work.itemId], { prepare: true }),
    sql.unsafe(WRITE_SQL, [work.writeId, NAME, environmentId], { prepare: true }),
  ]);
  return acknowledge(work);
};
