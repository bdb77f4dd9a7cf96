// The baseline for warmpool-http in bench/cold-process.ts: the same work as the load test's
// handlers (packages/cli/src/loadtest/strategies/work.ts), with the Neon driver's neon() and the runtime's
// fetch, through the same gateway, at module scope.
import { neon, neonConfig } from '@neondatabase/serverless';
import { READ_SQL, WRITE_SQL, acknowledge, databaseUrl, parseWork } from '../../packages/cli/src/loadtest/strategies/work.js';

neonConfig.fetchEndpoint = process.env.WARMPOOL_HTTP_ENDPOINT!;
const sql = neon(databaseUrl());

export async function handler(event: unknown) {
  const work = parseWork(event);
  await sql.query(READ_SQL, [work.itemId]);
  await sql.query(WRITE_SQL, [work.writeId, 'neon-fetch', 'bench']);
  return acknowledge(work);
}
